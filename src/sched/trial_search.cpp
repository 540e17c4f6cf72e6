#include "aecnn/sched/trial_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aecnn/error.hpp"
#include "aecnn/sched/trial_pruning.hpp"

namespace aecnn::sched {
namespace {

std::vector<search::ParamSpace> spaces_of(const sweep::SearchSpec& spec) {
  std::vector<search::ParamSpace> spaces;
  for (const auto& key : spec.keys) spaces.push_back(key.space);
  return spaces;
}

}  // namespace

TrialSearch::TrialSearch(const sweep::TrialList& trials, const std::map<std::string, sweep::SearchSpec>& searches) {
  for (const auto& [experiment, spec] : searches) {
    if (!spec.enabled()) continue;
    search::TpeOptions options;
    options.startup_trials = spec.startup_trials;
    auto s = std::make_unique<Search>();
    s->spec = spec;
    s->sampler = std::make_unique<search::TpeSampler>(spaces_of(spec), options, spec.seed);
    by_experiment_[experiment] = std::move(s);
  }
  if (by_experiment_.empty()) return;
  of_trial_.assign(trials.size(), nullptr);
  for (std::size_t i = 0; i < trials.size(); ++i)  // every trial of a searched experiment is searched
    if (const auto it = by_experiment_.find(trials.experiment(i)); it != by_experiment_.end()) of_trial_[i] = it->second.get();
}

TrialSearch::Search* TrialSearch::search_of(int trial) const {
  if (trial < 0 || static_cast<std::size_t>(trial) >= of_trial_.size()) return nullptr;
  return of_trial_[static_cast<std::size_t>(trial)];
}

bool TrialSearch::searches(int trial) const { return search_of(trial) != nullptr; }

std::optional<std::vector<double>> TrialSearch::internal_values(const Search& search, const sweep::TrialSpec& trial) {
  std::vector<double> values;
  for (const auto& key : search.spec.keys) {
    const sweep::Value* found = trial.config.get(key.key);
    if (found == nullptr) return std::nullopt;
    const sweep::Value& v = *found;
    if (key.space.kind == search::ParamSpace::Kind::kChoice) {
      const auto at = std::find(key.choices.begin(), key.choices.end(), v);
      if (at == key.choices.end()) return std::nullopt;
      values.push_back(static_cast<double>(at - key.choices.begin()));
      continue;
    }
    double x = 0;
    if (const auto* d = std::get_if<double>(&v)) x = *d;
    else if (const auto* i = std::get_if<std::int64_t>(&v)) x = static_cast<double>(*i);
    else return std::nullopt;
    const bool inclusive = key.space.kind == search::ParamSpace::Kind::kInt;
    if (!(x >= key.space.low && (inclusive ? x <= key.space.high : x < key.space.high))) return std::nullopt;
    values.push_back(x);
  }
  return values;
}

void TrialSearch::replay(const std::vector<store::ObservationRecord>& rows, const sweep::TrialList& trials,
                         const std::string& file) {
  for (std::size_t row = 0; row < rows.size(); ++row) {
    const auto& r = rows[row];
    const int trial = static_cast<int>(r.trial);
    Search* s = r.trial == trial ? search_of(trial) : nullptr;
    const auto values = s != nullptr ? internal_values(*s, trials[static_cast<std::size_t>(trial)]) : std::nullopt;
    if (!values)
      throw Error(file + ":/search row " + std::to_string(row) + ": trial index " + std::to_string(r.trial) +
                  " is not a searched trial of this sweep with values inside its priors");
    search::Observation observation;
    observation.params = *values;
    observation.loss = s->spec.maximize ? -r.value : r.value;
    observation.complete = r.complete;
    observation.epochs = static_cast<int>(r.epochs);
    s->sampler->observe(observation);
  }
}

void TrialSearch::suggest(sweep::TrialSpec& trial) const {
  const Search* s = search_of(trial.index);
  if (s == nullptr) return;
  const auto values = s->sampler->suggest(static_cast<std::uint64_t>(trial.search_number));
  for (std::size_t k = 0; k < s->spec.keys.size(); ++k) {
    const auto& key = s->spec.keys[k];
    switch (key.space.kind) {
      case search::ParamSpace::Kind::kChoice:
        trial.config[key.key] = key.choices.at(static_cast<std::size_t>(values[k]));
        break;
      case search::ParamSpace::Kind::kInt:
        trial.config[key.key] = static_cast<std::int64_t>(values[k]);
        break;
      default:
        trial.config[key.key] = values[k];
    }
  }
  trial.suggested_after = static_cast<int>(s->sampler->history().size());
}

std::optional<store::ObservationRecord> TrialSearch::observe(const sweep::TrialSpec& trial,
                                                             const std::vector<train::EpochRecord>& history,
                                                             bool complete, int restored_epoch) {
  Search* s = search_of(trial.index);
  if (s == nullptr) return std::nullopt;
  store::ObservationRecord r;
  r.trial = trial.index;
  r.epochs = static_cast<std::int64_t>(history.size());
  r.complete = complete;
  r.value = std::numeric_limits<double>::quiet_NaN();  // no epoch (a benchmark trial): the worst
  if (!history.empty()) {
    const bool restored = complete && restored_epoch >= 1 && static_cast<std::size_t>(restored_epoch) <= history.size();
    r.value = metric_of(restored ? history[static_cast<std::size_t>(restored_epoch) - 1] : history.back(), s->spec.metric);
  }
  const auto values = internal_values(*s, trial);
  if (!values) throw Error(trial.id + ": its searched values lie outside the search's priors");
  search::Observation observation;
  observation.params = *values;
  observation.loss = s->spec.maximize ? -r.value : r.value;
  observation.complete = complete;
  observation.epochs = static_cast<int>(r.epochs);
  s->sampler->observe(observation);
  return r;
}

}  // namespace aecnn::sched
