#include "aecnn/sweep/expand.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

namespace aecnn::sweep {

std::string canonical_text(const ConfigMap& config) {
  std::string text;
  for (const auto& [key, value] : config) text += key + " = " + to_toml(value) + "\n";
  return text;
}

std::string content_hash(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;  // FNV-1a 64 prime
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

namespace {

// An axis is a list of points, each the overrides it applies, and the keys it sets in the
// order the file names them (a ConfigMap is sorted by key).
struct Axis {
  std::vector<std::string> keys;
  std::vector<ConfigMap> points;
  std::size_t size() const { return points.size(); }
  const ConfigMap& operator[](std::size_t i) const { return points[i]; }
};

std::vector<std::string> keys_in(const std::vector<ConfigMap>& points) {
  std::vector<std::string> keys;
  for (const auto& point : points)
    for (const auto& entry : point)
      if (std::find(keys.begin(), keys.end(), entry.first) == keys.end()) keys.push_back(entry.first);
  return keys;
}

std::vector<Axis> axes_of(const ExperimentSpec& experiment) {
  std::vector<Axis> axes;
  if (!experiment.trials.empty()) axes.push_back({keys_in(experiment.trials), experiment.trials});
  for (const auto& grid : experiment.grid) {
    Axis axis{{grid.key}, {}};
    for (const auto& value : grid.values) axis.points.push_back({{grid.key, value}});
    axes.push_back(std::move(axis));
  }
  if (!experiment.zip.empty()) {
    Axis axis{{}, std::vector<ConfigMap>(experiment.zip.front().values.size())};
    for (const auto& zipped : experiment.zip) {
      axis.keys.push_back(zipped.key);
      for (std::size_t i = 0; i < axis.size(); ++i) axis.points[i][zipped.key] = zipped.values.at(i);
    }
    axes.push_back(std::move(axis));
  }
  if (!experiment.random_samples.empty()) {
    Axis axis{{}, experiment.random_samples};
    for (const auto& drawn : experiment.random_space) axis.keys.push_back(drawn.key);
    axes.push_back(std::move(axis));
  }
  if (!experiment.seeds.empty()) {
    Axis axis{{"seed"}, {}};
    for (auto seed : experiment.seeds) axis.points.push_back({{"seed", Value(seed)}});
    axes.push_back(std::move(axis));
  }
  return axes;
}

std::vector<std::string> keys_of(const std::vector<Axis>& axes) {
  std::vector<std::string> keys;
  for (const auto& axis : axes) keys.insert(keys.end(), axis.keys.begin(), axis.keys.end());
  return keys;
}

}  // namespace

std::vector<TrialSpec> expand(const SweepSpec& spec) {
  std::size_t total = 0;
  for (const auto& experiment : spec.experiments) {
    std::size_t count = experiment.search.enabled() ? static_cast<std::size_t>(experiment.search.n_trials) : 1;
    for (const auto& axis : axes_of(experiment))
      count = axis.size() > kMaxTrials / count ? kMaxTrials + 1 : count * axis.size();  // no overflow
    total = std::min(total + count, kMaxTrials + 1);
  }
  if (total > kMaxTrials)
    throw SpecError({spec.file + ": expands to more than " + std::to_string(kMaxTrials) +
                     " trials; check the axes (the product of all of an experiment's axes is run)"});

  std::vector<TrialSpec> trials;
  std::vector<std::string> duplicates;
  for (const auto& experiment : spec.experiments) {
    const std::vector<Axis> axes = axes_of(experiment);
    std::vector<std::string> varying = keys_of(axes);
    std::size_t count = 1;
    for (const auto& axis : axes) count *= axis.size();
    std::vector<std::string> suggested;
    if (experiment.search.enabled()) {  // the parser allows no axis beside a search
      for (const auto& searched : experiment.search.keys) suggested.push_back(searched.key);
      varying = suggested;
      count = static_cast<std::size_t>(experiment.search.n_trials);
    }

    std::map<std::string, std::string> id_of_hash;
    const auto base = std::make_shared<const ConfigMap>(experiment.base);
    for (std::size_t index = 0; index < count; ++index) {
      TrialSpec trial;
      trial.experiment = experiment.name;
      trial.index = static_cast<int>(trials.size());
      trial.config = LayeredConfig(base);
      trial.varying = varying;
      // Mixed-radix decomposition of `index`: the last axis varies fastest, as nested loops would.
      std::size_t rest = index;
      std::vector<const ConfigMap*> points(axes.size());
      for (std::size_t a = axes.size(); a-- > 0;) {
        points[a] = &axes[a][rest % axes[a].size()];
        rest /= axes[a].size();
      }
      for (const ConfigMap* point : points)
        for (const auto& [key, value] : *point) trial.config[key] = value;
      char suffix[24];
      std::snprintf(suffix, sizeof suffix, "-%04zu", index);
      trial.id = experiment.name + suffix;
      if (suggested.empty()) {
        trial.hash = content_hash(canonical_text(trial.config));
      } else {
        // Its values are unknown until it starts: what identifies it is its place in the search.
        trial.suggested = suggested;
        trial.search_number = static_cast<int>(index);
        trial.hash = content_hash(canonical_text(trial.config) + "search " + search_text(experiment.search) +
                                  " number " + std::to_string(index) + "\n");
      }
      auto [it, inserted] = id_of_hash.emplace(trial.hash, trial.id);
      if (!inserted)
        duplicates.push_back(spec.file + ": trials " + it->second + " and " + trial.id +
                             " have the same configuration (an axis repeats a value, or trials repeat one)");
      trials.push_back(std::move(trial));
    }
  }
  if (!duplicates.empty()) throw SpecError(duplicates);
  return trials;
}

std::string sweep_hash(const SweepSpec& spec, const std::vector<TrialSpec>& trials) {
  std::string text = "name = " + to_toml(spec.name) + "\n";
  for (const auto& trial : trials) text += trial.id + " " + trial.hash + "\n";
  // Pruning decides which epochs a trial runs: a file pruned one way is not resumed another.
  // Only an enabled pruner adds a line, so the hashes of sweeps without one are as before.
  for (const auto& experiment : spec.experiments)
    if (experiment.pruner.enabled()) text += "pruner " + experiment.name + ": " + pruner_text(experiment.pruner) + "\n";
  return content_hash(text);
}

std::string search_text(const SearchSpec& search) {
  std::string text = "sampler=" + search.sampler + " n_trials=" + std::to_string(search.n_trials) +
                     " seed=" + std::to_string(search.seed) + " metric=" + search.metric +
                     " mode=" + (search.maximize ? "max" : "min") + " startup_trials=" + std::to_string(search.startup_trials);
  for (const auto& k : search.keys) {
    using Kind = search::ParamSpace::Kind;
    text += " " + k.key + "=";
    if (k.space.kind == Kind::kChoice) {
      text += "choice[";
      for (std::size_t i = 0; i < k.choices.size(); ++i) text += (i ? "," : "") + to_toml(k.choices[i]);
      text += "]";
    } else {
      text += k.space.kind == Kind::kUniform ? "uniform[" : k.space.kind == Kind::kLogUniform ? "loguniform[" : "int[";
      text += to_toml(Value(k.space.low)) + "," + to_toml(Value(k.space.high)) + "]";
    }
  }
  return text;
}

std::string pruner_text(const PrunerSpec& pruner) {
  std::string text = "type=" + pruner.type;
  if (!pruner.enabled()) return text;
  text += " metric=" + pruner.metric + " mode=" + (pruner.maximize ? "max" : "min");
  if (pruner.type == "asha")
    text += " grace_epochs=" + std::to_string(pruner.grace_epochs) + " reduction_factor=" +
            std::to_string(pruner.reduction_factor) + " max_epochs=" +
            (pruner.max_epochs > 0 ? std::to_string(pruner.max_epochs) : std::string("epochs"));
  else
    text += " startup_trials=" + std::to_string(pruner.startup_trials) + " warmup_epochs=" +
            std::to_string(pruner.warmup_epochs);
  return text;
}

}  // namespace aecnn::sweep
