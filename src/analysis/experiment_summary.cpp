#include "aecnn/analysis/experiment_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "aecnn/data/fashion_mnist.hpp"

namespace aecnn::analysis {
namespace {

// The val accuracy and loss of the model a trial ended with: the restored best epoch under
// early stopping, else the last epoch.
const train::EpochRecord& final_epoch(const store::TrialRecord& trial) {
  const auto& r = *trial.result;
  if (r.restored_best && r.best_epoch >= 1 && r.best_epoch <= static_cast<int>(trial.history.size()))
    return trial.history[static_cast<std::size_t>(r.best_epoch - 1)];
  return trial.history.back();
}

std::string label_of(const store::TrialRecord& trial) {
  std::string label;
  for (const auto& key : trial.varying) {
    if (key == "seed") continue;
    const sweep::Value* value = trial.config.get(key);
    if (value == nullptr) continue;
    label += (label.empty() ? "" : ", ") + key + "=" + sweep::to_display(*value);
  }
  return label.empty() ? trial.experiment : label;
}

}  // namespace

std::string format_mean_sd(const Summary& s, int decimals) {
  if (s.n == 0 || std::isnan(s.mean)) return "-";
  if (s.n < 2 || std::isnan(s.sd)) return fixed(s.mean, decimals);
  return fixed(s.mean, decimals) + " +- " + fixed(s.sd, decimals);
}

std::string format_interval(const Summary& s, int decimals) {
  if (s.n < 2 || std::isnan(s.ci_low)) return "-";
  return "[" + fixed(s.ci_low, decimals) + ", " + fixed(s.ci_high, decimals) + "]";
}

std::string format_p(double p) {
  char text[32];
  std::snprintf(text, sizeof text, p < 0.001 ? "%.1e" : "%.3f", p);
  return text;
}

std::vector<Setting> settings_of(const store::ResultsContents& results, const std::string& experiment) {
  std::vector<Setting> settings;
  // A search of 100,000 trials has tens of thousands of settings: find each by label in a hash
  // map, not by a scan of those seen so far. Settings keep the order of their first trial.
  std::unordered_map<std::string, std::size_t> index_of_label;
  for (const auto& trial : results.trials) {
    if (trial.experiment != experiment || !trial.result || trial.history.empty()) continue;
    auto [found, added] = index_of_label.try_emplace(label_of(trial), settings.size());
    if (added) {
      Setting& setting = settings.emplace_back();
      setting.label = found->first;
      for (const auto& key : trial.varying)
        if (key != "seed") setting.varying.push_back(key);
      setting.initial_lr = trial.history.front().lr;
    }
    settings[found->second].trials.push_back(&trial);
  }
  for (auto& s : settings) {
    std::vector<double> val_loss, train_accuracy, gap, test, seconds, images_per_second, memory;
    for (const auto* trial : s.trials) {
      const auto& final = final_epoch(*trial);
      const auto& r = *trial->result;
      s.val_accuracy_values.push_back(final.val_accuracy);
      val_loss.push_back(final.val_loss);
      train_accuracy.push_back(r.train_eval_accuracy);
      gap.push_back(r.train_eval_accuracy - final.val_accuracy);
      test.push_back(r.test_accuracy);
      double total = 0, training = 0;
      for (const auto& e : trial->history) {
        total += e.epoch_seconds;
        training += e.train_seconds;
      }
      seconds.push_back(total / static_cast<double>(trial->history.size()));
      if (training > 0 && r.train_images > 0)
        images_per_second.push_back(static_cast<double>(r.train_images) * static_cast<double>(trial->history.size()) /
                                    training);
      if (r.peak_memory_bytes > 0) memory.push_back(static_cast<double>(r.peak_memory_bytes) / (1024.0 * 1024.0));
      s.params = r.params_total;
    }
    s.val_accuracy = summarize(s.val_accuracy_values);
    s.val_loss = summarize(val_loss);
    s.train_accuracy = summarize(train_accuracy);
    s.train_val_gap = summarize(gap);
    s.test_accuracy = summarize(test);
    s.epoch_seconds = summarize(seconds);
    s.images_per_second = summarize(images_per_second);
    s.peak_memory_mib = summarize(memory);
  }
  return settings;
}

Table settings_table(const std::vector<Setting>& settings) {
  Table table({"setting", "n", "val_acc", "val_acc 95% CI", "val_loss", "train-val gap", "test_acc", "s/epoch",
               "peak MiB", "params"});
  for (const auto& s : settings)
    table.add_row({s.label, std::to_string(s.trials.size()), format_mean_sd(s.val_accuracy, 4), format_interval(s.val_accuracy, 4),
                   format_mean_sd(s.val_loss, 4), format_mean_sd(s.train_val_gap, 4), format_mean_sd(s.test_accuracy, 4),
                   format_mean_sd(s.epoch_seconds, 1), format_mean_sd(s.peak_memory_mib, 0), std::to_string(s.params)});
  return table;
}

Table test_metrics_table(const std::vector<Setting>& settings) {
  Table table({"setting", "n", "test_acc", "precision (weighted)", "recall (weighted)", "F1 (weighted)",
               "epochs run", "best epoch"});
  for (const auto& s : settings) {
    std::vector<double> accuracy, precision, recall, f1, epochs, best;
    for (const auto* t : s.trials) {
      const auto& r = *t->result;
      accuracy.push_back(r.test_accuracy);
      precision.push_back(r.test_precision);
      recall.push_back(r.test_recall);
      f1.push_back(r.test_f1);
      epochs.push_back(r.epochs_run);
      if (r.best_epoch > 0) best.push_back(r.best_epoch);
    }
    table.add_row({s.label, std::to_string(s.trials.size()), format_mean_sd(summarize(accuracy), 4),
                   format_mean_sd(summarize(precision), 4), format_mean_sd(summarize(recall), 4), format_mean_sd(summarize(f1), 4),
                   format_mean_sd(summarize(epochs), 1), best.empty() ? "-" : format_mean_sd(summarize(best), 1)});
  }
  return table;
}

const Setting& best_setting(const std::vector<Setting>& settings) {
  const Setting* best = &settings.front();
  for (const auto& s : settings)
    if (s.val_accuracy.mean > best->val_accuracy.mean) best = &s;
  return *best;
}

Table per_class_table(const Setting& setting) {
  Table table({"class", "precision", "recall", "F1", "support"});
  const auto& first = *setting.trials.front()->result;
  if (first.class_support.size() != data::kClassNames.size()) return table;
  for (std::size_t c = 0; c < data::kClassNames.size(); ++c) {
    std::vector<double> precision, recall, f1;
    double support = 0;
    for (const auto* t : setting.trials) {
      precision.push_back(t->result->class_precision.at(c));
      recall.push_back(t->result->class_recall.at(c));
      f1.push_back(t->result->class_f1.at(c));
      support += static_cast<double>(t->result->class_support.at(c)) / static_cast<double>(setting.trials.size());
    }
    table.add_row({data::kClassNames[c], format_mean_sd(summarize(precision), 4), format_mean_sd(summarize(recall), 4),
                   format_mean_sd(summarize(f1), 4), fixed(support, 0)});
  }
  return table;
}

Table confusion_table(const Setting& setting) {
  const std::size_t k = data::kClassNames.size();
  std::vector<std::string> header = {"true \\ predicted"};
  for (const char* name : data::kClassNames) header.push_back(name);
  Table table(header);
  if (setting.trials.front()->result->confusion.size() != k * k) return table;
  std::vector<long long> sum(k * k, 0);
  for (const auto* t : setting.trials)
    for (std::size_t i = 0; i < k * k; ++i) sum[i] += t->result->confusion[i];
  for (std::size_t r = 0; r < k; ++r) {
    std::vector<std::string> row = {data::kClassNames[r]};
    for (std::size_t c = 0; c < k; ++c) row.push_back(std::to_string(sum[r * k + c]));
    table.add_row(std::move(row));
  }
  return table;
}

std::string conclusion(const std::string& experiment, const std::vector<Setting>& settings) {
  if (settings.empty()) return experiment + ": no finished trials yet.";
  std::vector<const Setting*> ranked;
  for (const auto& s : settings) ranked.push_back(&s);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Setting* a, const Setting* b) { return a->val_accuracy.mean > b->val_accuracy.mean; });
  const Setting& best = *ranked[0];
  std::string text = experiment + ": best " + best.label + ", val accuracy " + format_mean_sd(best.val_accuracy, 4) +
                     " over " + std::to_string(best.trials.size()) + " seed(s)";
  if (ranked.size() == 1) return text + " (the only setting).";
  const Setting& second = *ranked[1];
  text += "; runner-up " + second.label + " " + format_mean_sd(second.val_accuracy, 4) + ". ";
  const auto test = welch_t_test(best.val_accuracy_values, second.val_accuracy_values);
  if (!test)
    return text + "Not testable: a setting has fewer than 2 seeds, so the lead cannot be told from seed noise.";
  if (test->p < 0.05)
    return text + "The lead of " + fixed(best.val_accuracy.mean - second.val_accuracy.mean, 4) +
           " is larger than the seed-to-seed noise (Welch's t-test, p = " + format_p(test->p) + ").";
  return text + "Not distinguishable: the lead of " + fixed(best.val_accuracy.mean - second.val_accuracy.mean, 4) +
         " is within seed-to-seed noise (Welch's t-test, p = " + format_p(test->p) + ").";
}

}  // namespace aecnn::analysis
