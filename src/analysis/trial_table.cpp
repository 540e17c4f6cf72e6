#include "aecnn/analysis/trial_table.hpp"

#include <algorithm>

namespace aecnn::analysis {
namespace {

template <typename Trials>
std::vector<std::string> experiment_names(const Trials& trials) {
  std::vector<std::string> names;
  for (const auto& trial : trials)
    if (std::find(names.begin(), names.end(), trial.experiment) == names.end()) names.push_back(trial.experiment);
  return names;
}

// The varying keys of one experiment (all its trials share the list; the union is kept general).
template <typename Trials>
std::vector<std::string> varying_keys(const Trials& trials, const std::string& experiment) {
  std::vector<std::string> keys;
  for (const auto& trial : trials)
    if (trial.experiment == experiment)
      for (const auto& key : trial.varying)
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  return keys;
}

std::string cell(const sweep::LayeredConfig& config, const std::string& key) {
  const sweep::Value* value = config.get(key);
  return value == nullptr ? "-" : sweep::to_display(*value);
}

}  // namespace

std::vector<std::string> experiments_of(const store::ResultsContents& results) {
  return experiment_names(results.trials);
}
std::vector<std::string> experiments_of(const sweep::TrialList& trials) {
  return experiment_names(trials);
}

Table trial_table(const store::ResultsContents& results, const std::string& experiment) {
  const auto keys = varying_keys(results.trials, experiment);
  std::vector<std::string> header = {"trial", "status"};
  header.insert(header.end(), keys.begin(), keys.end());
  for (const char* column : {"epochs", "val_acc", "best_val_acc", "test_acc", "seconds"}) header.push_back(column);
  Table table(header);
  for (const auto& trial : results.trials) {
    if (trial.experiment != experiment) continue;
    std::vector<std::string> row = {trial.id, trial.status};
    for (const auto& key : keys) row.push_back(cell(trial.config, key));
    row.push_back(std::to_string(trial.history.size()));
    if (trial.history.empty()) {
      row.insert(row.end(), {"-", "-"});
    } else {
      double best = 0;
      for (const auto& r : trial.history) best = std::max(best, r.val_accuracy);
      row.push_back(fixed(trial.history.back().val_accuracy, 4));
      row.push_back(fixed(best, 4));
    }
    row.push_back(trial.result ? fixed(trial.result->test_accuracy, 4) : "-");
    row.push_back(trial.result ? fixed(trial.result->wall_seconds, 1) : "-");
    table.add_row(std::move(row));
  }
  return table;
}

Table plan_table(const sweep::TrialList& trials, const std::string& experiment) {
  const auto keys = varying_keys(trials, experiment);
  std::vector<std::string> header = {"trial", "hash"};
  header.insert(header.end(), keys.begin(), keys.end());
  header.push_back("ranks");
  Table table(header);
  for (const auto& trial : trials) {
    if (trial.experiment != experiment) continue;
    std::vector<std::string> row = {trial.id, trial.hash};
    for (const auto& key : keys) {
      // A searched key is chosen when its trial starts, from the trials finished before it.
      const bool suggested = std::find(trial.suggested.begin(), trial.suggested.end(), key) != trial.suggested.end();
      row.push_back(suggested ? "(tpe)" : cell(trial.config, key));
    }
    row.push_back(cell(trial.config, "ranks"));
    table.add_row(std::move(row));
  }
  return table;
}

}  // namespace aecnn::analysis
