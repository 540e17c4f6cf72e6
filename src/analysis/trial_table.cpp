#include "aecnn/analysis/trial_table.hpp"

#include <algorithm>

namespace aecnn::analysis {
namespace {

// The union of varying keys, in first-seen order (one sweep has one list; kept general).
std::vector<std::string> varying_keys(const store::ResultsContents& results) {
  std::vector<std::string> keys;
  for (const auto& trial : results.trials)
    for (const auto& key : trial.varying)
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  return keys;
}

std::string cell(const sweep::ConfigMap& config, const std::string& key) {
  auto it = config.find(key);
  return it == config.end() ? "-" : sweep::to_display(it->second);
}

}  // namespace

Table trial_table(const store::ResultsContents& results) {
  const auto keys = varying_keys(results);
  std::vector<std::string> header = {"trial", "status"};
  header.insert(header.end(), keys.begin(), keys.end());
  for (const char* column : {"epochs", "val_acc", "best_val_acc", "test_acc", "seconds"}) header.push_back(column);
  Table table(header);
  for (const auto& trial : results.trials) {
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

Table plan_table(const std::vector<sweep::TrialSpec>& trials) {
  std::vector<std::string> header = {"trial", "hash"};
  if (!trials.empty()) header.insert(header.end(), trials.front().varying.begin(), trials.front().varying.end());
  Table table(header);
  for (const auto& trial : trials) {
    std::vector<std::string> row = {trial.id, trial.hash};
    for (const auto& key : trial.varying) row.push_back(cell(trial.config, key));
    table.add_row(std::move(row));
  }
  return table;
}

}  // namespace aecnn::analysis
