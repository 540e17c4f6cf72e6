#pragma once
// An experiment's results aggregated over seeds: trials that differ only in `seed` form one
// setting; each setting gets mean, sd and 95% interval of what the study reports; the best
// setting is compared with the runner-up by Welch's t-test, and the verdict says whether the
// lead is larger than the seed-to-seed noise. Nothing here is fixed text: all comes from the file.
#include <string>
#include <vector>

#include "aecnn/analysis/statistics.hpp"
#include "aecnn/analysis/table.hpp"
#include "aecnn/store/reader.hpp"

namespace aecnn::analysis {

/// One setting of an experiment's varying keys (seed aside) and its done trials' figures.
struct Setting {
  std::string label;  ///< "attention=both, lr=0.001"; the experiment's name when nothing varies
  std::vector<const store::TrialRecord*> trials;  ///< done trials, one per seed
  Summary val_accuracy;   ///< of the final model (the restored best epoch under early stopping)
  Summary val_loss;
  Summary train_accuracy; ///< the final model in inference mode on the training split
  Summary train_val_gap;  ///< train accuracy in inference mode minus val accuracy
  Summary test_accuracy;
  Summary epoch_seconds;  ///< mean seconds per epoch of each trial
  Summary images_per_second;  ///< training images over training seconds, per epoch, mean of each trial
  Summary peak_memory_mib;
  double initial_lr = 0;  ///< the lr of the first epoch (the schedule's start), of the first seed
  long long params = 0;
  std::vector<std::string> varying;  ///< the keys that vary in the experiment, seed aside
  std::vector<double> val_accuracy_values;  ///< per seed, for the tests between settings
};

/// The settings of `experiment` in order of first appearance, over its done trials.
std::vector<Setting> settings_of(const store::ResultsContents& results, const std::string& experiment);

/// One row per setting: n, val accuracy mean +- sd [95% CI], val loss, gap, test accuracy,
/// s/epoch, peak MiB, parameters.
Table settings_table(const std::vector<Setting>& settings);

/// The final model's test metrics per setting, as the notebook's final report gives them:
/// accuracy, weighted precision/recall/F1, epochs run, best epoch (mean +- sd over seeds).
Table test_metrics_table(const std::vector<Setting>& settings);

/// The setting with the highest mean val accuracy (settings must not be empty).
const Setting& best_setting(const std::vector<Setting>& settings);

/// Per-class precision, recall, F1 (mean +- sd over seeds) and support of `setting` on the test
/// split, with the class names; empty when its trials carry no per-class metrics.
Table per_class_table(const Setting& setting);

/// The confusion matrix of `setting` on the test split, summed over its seeds: rows true class,
/// columns predicted; empty when its trials carry none.
Table confusion_table(const Setting& setting);

/// "0.8512 +- 0.0031" (mean +- sd), or the mean alone for one value, or "-" for none.
std::string format_mean_sd(const Summary& s, int decimals);
/// "[0.8401, 0.8623]", the 95% interval of the mean, or "-" under two values.
std::string format_interval(const Summary& s, int decimals);
/// A p-value: three decimals, or scientific below 0.001.
std::string format_p(double p);

/// The best setting by mean val accuracy and whether its lead over the runner-up exceeds the
/// seed-to-seed noise (Welch's t-test, two-sided, alpha 0.05), in one or two sentences.
std::string conclusion(const std::string& experiment, const std::vector<Setting>& settings);

}  // namespace aecnn::analysis
