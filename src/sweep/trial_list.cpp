#include "aecnn/sweep/trial_list.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace aecnn::sweep {

// An axis of an experiment: which of its spec's lists it walks. Its values stay in the spec (a
// 100,000-value axis is not copied); a point is the keys the axis sets at one position.
struct TrialList::Axis {
  enum class Kind { kTrials, kGrid, kZip, kRandom, kSeeds } kind;
  std::size_t grid = 0;  ///< kGrid: which of the experiment's grid axes
  std::size_t size = 0;
};

// What every trial of one experiment is built from: its index picks one point of each axis.
struct TrialList::Experiment {
  const ExperimentSpec* spec = nullptr;
  std::shared_ptr<const ConfigMap> base;
  std::vector<Axis> axes;
  std::vector<std::string> varying;    ///< the axes' keys (a search's keys for a searched one)
  std::vector<std::string> suggested;  ///< a model-based search's keys; empty otherwise
  std::string search;                  ///< search_text() of a searched experiment
  std::size_t first = 0;               ///< index of its first trial in the whole sweep
  std::size_t count = 0;

  /// Sets, in `config`, the values axis `a` has at position `i`.
  void set_point(std::size_t a, std::size_t i, LayeredConfig& config) const {
    const Axis& axis = axes[a];
    switch (axis.kind) {
      case Axis::Kind::kTrials:
        for (const auto& [key, value] : spec->trials[i]) config[key] = value;
        break;
      case Axis::Kind::kGrid: config[spec->grid[axis.grid].key] = spec->grid[axis.grid].values[i]; break;
      case Axis::Kind::kZip:
        for (const auto& zipped : spec->zip) config[zipped.key] = zipped.values.at(i);
        break;
      case Axis::Kind::kRandom:
        for (const auto& [key, value] : spec->random_samples[i]) config[key] = value;
        break;
      case Axis::Kind::kSeeds: config["seed"] = Value(spec->seeds[i]); break;
    }
  }
};

namespace {

std::vector<std::string> keys_in(const std::vector<ConfigMap>& points) {
  std::vector<std::string> keys;
  for (const auto& point : points)
    for (const auto& entry : point)
      if (std::find(keys.begin(), keys.end(), entry.first) == keys.end()) keys.push_back(entry.first);
  return keys;
}

}  // namespace

TrialList::TrialList(std::shared_ptr<const SweepSpec> spec, const Overrides& overrides) : spec_(std::move(spec)) {
  using Kind = Axis::Kind;
  std::size_t total = 0;
  for (const auto& experiment : spec_->experiments) {
    auto built = std::make_shared<Experiment>();
    built->spec = &experiment;
    built->base = std::make_shared<const ConfigMap>(experiment.base);
    auto& axes = built->axes;
    auto& varying = built->varying;
    // In the file's order of kinds; the first varies slowest.
    if (!experiment.trials.empty()) {
      axes.push_back({Kind::kTrials, 0, experiment.trials.size()});
      for (auto& key : keys_in(experiment.trials)) varying.push_back(std::move(key));
    }
    for (std::size_t g = 0; g < experiment.grid.size(); ++g) {
      axes.push_back({Kind::kGrid, g, experiment.grid[g].values.size()});
      varying.push_back(experiment.grid[g].key);
    }
    if (!experiment.zip.empty()) {
      axes.push_back({Kind::kZip, 0, experiment.zip.front().values.size()});
      for (const auto& zipped : experiment.zip) varying.push_back(zipped.key);
    }
    if (!experiment.random_samples.empty()) {
      axes.push_back({Kind::kRandom, 0, experiment.random_samples.size()});
      for (const auto& drawn : experiment.random_space) varying.push_back(drawn.key);
    }
    if (!experiment.seeds.empty()) {
      axes.push_back({Kind::kSeeds, 0, experiment.seeds.size()});
      varying.push_back("seed");
    }
    std::size_t count = 1;
    for (const auto& axis : axes)
      count = axis.size > kMaxTrials / count ? kMaxTrials + 1 : count * axis.size;  // no overflow
    if (experiment.search.enabled()) {  // the parser allows no axis beside a search
      for (const auto& searched : experiment.search.keys) built->suggested.push_back(searched.key);
      built->varying = built->suggested;
      built->search = search_text(experiment.search);
      count = static_cast<std::size_t>(experiment.search.n_trials);
    }
    built->first = total;
    built->count = count;
    total = std::min(total + count, kMaxTrials + 1);
    experiments_.push_back(std::move(built));
  }
  if (total > kMaxTrials)
    throw SpecError({spec_->file + ": expands to more than " + std::to_string(kMaxTrials) +
                     " trials; check the axes (the product of all of an experiment's axes is run)"});
  check_distinct(overrides.empty() ? &sweep_hash_ : nullptr);  // the file's own duplicates first
  if (overrides.empty()) return;
  overrides_ = CheckedOverrides(overrides);
  check_distinct(&sweep_hash_);
}

TrialList::TrialList(std::vector<TrialSpec> trials) : given_(std::move(trials)), given_list_(true) {
  for (std::size_t i = 0; i < given_.size(); ++i) given_[i].index = static_cast<int>(i);
}

void TrialList::check_distinct(std::string* sweep_text_hash) {
  const SweepSpec& spec = *spec_;
  ContentHasher sweep_text;
  sweep_text.add("name = " + to_toml(spec.name) + "\n");
  std::vector<std::pair<std::size_t, std::string>> duplicates;  // (the later trial, why)
  for (const auto& experiment : experiments_) {
    std::vector<std::pair<std::uint64_t, std::size_t>> hashes;  // (hash, index): 16 bytes a trial
    hashes.reserve(experiment->count);
    for (std::size_t i = experiment->first; i < experiment->first + experiment->count; ++i) {
      const TrialSpec trial = build(i, /*with_hash=*/true);
      sweep_text.add(trial.id + " " + trial.hash + "\n");
      hashes.emplace_back(std::stoull(trial.hash, nullptr, 16), i);
    }
    std::sort(hashes.begin(), hashes.end());
    for (std::size_t k = 1; k < hashes.size(); ++k) {
      if (hashes[k].first != hashes[k - 1].first) continue;
      std::size_t first = k - 1;  // the group's first trial: the one the others repeat
      while (first > 0 && hashes[first - 1].first == hashes[k].first) --first;
      const std::string a = id(hashes[first].second), b = id(hashes[k].second);
      duplicates.emplace_back(hashes[k].second,
                              !overrides_.empty() ? overrides_.overrides().to_string() + ": makes trials " + a + " and " + b + " identical"
                                             : experiment->spec->where + ": trials " + a + " and " + b +
                                                   " have the same configuration (an axis repeats a value, or trials repeat one)");
    }
  }
  if (!duplicates.empty()) {
    std::sort(duplicates.begin(), duplicates.end());
    std::vector<std::string> messages;
    for (auto& d : duplicates) messages.push_back(std::move(d.second));
    throw SpecError(messages);
  }
  if (sweep_text_hash == nullptr) return;
  // Pruning decides which epochs a trial runs: a file pruned one way is not resumed another.
  for (const auto& experiment : spec.experiments)
    if (experiment.pruner.enabled()) sweep_text.add("pruner " + experiment.name + ": " + pruner_text(experiment.pruner) + "\n");
  *sweep_text_hash = sweep_text.hex();
}

std::size_t TrialList::size() const {
  if (given_list_) return given_.size();
  return experiments_.empty() ? 0 : experiments_.back()->first + experiments_.back()->count;
}

std::size_t TrialList::experiment_at(std::size_t index) const {
  const auto it = std::upper_bound(experiments_.begin(), experiments_.end(), index,
                                   [](std::size_t i, const auto& e) { return i < e->first; });
  return static_cast<std::size_t>(it - experiments_.begin()) - 1;
}

TrialSpec TrialList::at(std::size_t index) const {
  if (index >= size()) throw std::out_of_range("trial " + std::to_string(index) + " of " + std::to_string(size()));
  return (*this)[index];
}

TrialSpec TrialList::build(std::size_t index, bool with_hash) const {
  if (given_list_) return given_[index];
  if (const auto it = replaced_.find(index); it != replaced_.end()) return it->second;
  const Experiment& e = *experiments_[experiment_at(index)];
  const std::size_t local = index - e.first;
  TrialSpec trial;
  trial.experiment = e.spec->name;
  trial.index = static_cast<int>(index);
  trial.config = LayeredConfig(e.base);
  trial.varying = e.varying;
  // Mixed-radix decomposition of `local`: the last axis varies fastest, as nested loops would;
  // a later axis's value wins over an earlier one's, as written in that order.
  std::size_t positions[8];  // on the stack for up to 8 axes: this runs for every trial built
  std::vector<std::size_t> many(e.axes.size() > 8 ? e.axes.size() : 0);
  std::size_t* position = many.empty() ? positions : many.data();
  std::size_t rest = local;
  for (std::size_t a = e.axes.size(); a-- > 0;) {
    position[a] = rest % e.axes[a].size;
    rest /= e.axes[a].size;
  }
  for (std::size_t a = 0; a < e.axes.size(); ++a) e.set_point(a, position[a], trial.config);
  if (!overrides_.empty()) overrides_.apply(trial.config);
  trial.id = id(index);
  std::string identity;
  if (!e.suggested.empty()) {
    // Its values are unknown until it starts: what identifies it is its place in the search.
    trial.suggested = e.suggested;
    trial.search_number = static_cast<int>(local);
    identity = "search " + e.search + " number " + std::to_string(local) + "\n";
  }
  if (with_hash) trial.hash = content_hash(canonical_text(trial.config) + identity);
  return trial;
}

std::string TrialList::id(std::size_t index) const {
  if (given_list_) return given_[index].id;
  const Experiment& e = *experiments_[experiment_at(index)];
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "-%04zu", index - e.first);
  return e.spec->name + suffix;
}

const std::string& TrialList::experiment(std::size_t index) const {
  if (given_list_) return given_[index].experiment;
  return experiments_[experiment_at(index)]->spec->name;
}

Value TrialList::value(std::size_t index, const std::string& key) const { return build(index, false).config.at(key); }

void TrialList::replace(TrialSpec trial) {
  const auto index = static_cast<std::size_t>(trial.index);
  if (given_list_) given_.at(index) = std::move(trial);
  else replaced_[index] = std::move(trial);
}

std::vector<TrialSpec> TrialList::materialize() const {
  std::vector<TrialSpec> trials;
  trials.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) trials.push_back((*this)[i]);
  return trials;
}

}  // namespace aecnn::sweep
