#include "aecnn/analysis/study_summary.hpp"

#include "aecnn/analysis/experiment_summary.hpp"
#include "aecnn/analysis/phase_judgement.hpp"
#include "aecnn/analysis/trial_table.hpp"

namespace aecnn::analysis {
namespace {

const Setting& setting_named(const std::vector<Setting>& settings, const std::string& label) {
  for (const auto& s : settings)
    if (s.label == label) return s;
  return settings.front();
}

// "val accuracy 0.8512 +- 0.0031, 95% CI [0.8435, 0.8589], 3 seeds"
std::string accuracy_evidence(const Setting& s) {
  return "val accuracy " + format_mean_sd(s.val_accuracy, 4) + ", 95% CI " + format_interval(s.val_accuracy, 4) + ", " +
         std::to_string(s.trials.size()) + " seed(s)";
}

// How the chosen setting compares with the closest other one in val accuracy.
std::string against_runner_up(const Setting& chosen, const std::vector<Setting>& settings) {
  const Setting* other = nullptr;
  for (const auto& s : settings)
    if (&s != &chosen && (other == nullptr || s.val_accuracy.mean > other->val_accuracy.mean)) other = &s;
  if (other == nullptr) return "the only setting";
  const auto test = welch_t_test(chosen.val_accuracy_values, other->val_accuracy_values);
  const std::string versus = "vs " + other->label + " (" + format_mean_sd(other->val_accuracy, 4) + ")";
  if (!test) return versus + ": not testable, fewer than 2 seeds";
  return versus + ": Welch p = " + format_p(test->p) +
         (test->p < kAlpha ? ", a difference larger than seed noise" : ", not distinguishable");
}

std::string final_model_line(const std::string& experiment, const Setting& s) {
  std::vector<double> precision, recall, f1, epochs;
  for (const auto* t : s.trials) {
    precision.push_back(t->result->test_precision);
    recall.push_back(t->result->test_recall);
    f1.push_back(t->result->test_f1);
    epochs.push_back(t->result->epochs_run);
  }
  return "final model (" + experiment + "): test accuracy " + format_mean_sd(s.test_accuracy, 4) + ", 95% CI " +
         format_interval(s.test_accuracy, 4) + ", weighted precision " + format_mean_sd(summarize(precision), 4) +
         ", recall " + format_mean_sd(summarize(recall), 4) + ", F1 " + format_mean_sd(summarize(f1), 4) + "; " +
         std::to_string(s.params) + " parameters; " + format_mean_sd(summarize(epochs), 1) + " epochs run; " +
         std::to_string(s.trials.size()) + " seed(s)";
}

}  // namespace

std::vector<std::string> study_summary(const store::ResultsContents& results) {
  std::vector<std::string> lines;
  for (const auto& experiment : experiments_of(results)) {
    const auto settings = settings_of(results, experiment);
    if (settings.empty()) continue;
    if (settings.size() == 1 && settings.front().varying.empty()) {
      lines.push_back(final_model_line(experiment, settings.front()));
      continue;
    }
    const auto judgement = judge_phase(settings);
    if (!judgement) continue;
    const Setting& chosen = setting_named(settings, judgement->chosen);
    std::string line = "best " + phase_name(judgement->phase) + " (" + experiment + "): " + chosen.label + "; ";
    switch (judgement->phase) {
      case Phase::kBatchSize: {
        std::string pareto;
        const auto dominated = dominated_by(settings);
        for (std::size_t i = 0; i < settings.size(); ++i)
          if (dominated[i].empty()) pareto += (pareto.empty() ? "" : ", ") + settings[i].label;
        line += accuracy_evidence(chosen) + "; " + against_runner_up(chosen, settings) + "; " +
                format_mean_sd(chosen.epoch_seconds, 2) + " s/epoch, " + format_mean_sd(chosen.peak_memory_mib, 0) +
                " MiB peak; Pareto set over accuracy, speed and memory: " + pareto;
        break;
      }
      case Phase::kRegularization: {
        const Setting& accurate = best_setting(settings);
        line += "smallest train-val gap " + format_mean_sd(chosen.train_val_gap, 4) + " among settings as accurate as the best; " +
                accuracy_evidence(chosen);
        if (&chosen != &accurate) {
          const auto test = welch_t_test(chosen.val_accuracy_values, accurate.val_accuracy_values);
          line += "; vs the most accurate " + accurate.label + " (" + format_mean_sd(accurate.val_accuracy, 4) +
                  "): Welch p = " + (test ? format_p(test->p) : "-") + ", not distinguishable";
        } else {
          line += "; " + against_runner_up(chosen, settings);
        }
        break;
      }
      case Phase::kAttention:
        line += accuracy_evidence(chosen) + ", " + std::to_string(chosen.params) + " parameters; " +
                against_runner_up(chosen, settings);
        break;
      case Phase::kLrSchedule:
        line += accuracy_evidence(chosen) + ", initial lr " + fixed(chosen.initial_lr, 6) + "; " +
                against_runner_up(chosen, settings);
        break;
    }
    lines.push_back(line);
  }
  return lines;
}

}  // namespace aecnn::analysis
