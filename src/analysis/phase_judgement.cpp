#include "aecnn/analysis/phase_judgement.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace aecnn::analysis {
namespace {

// The keys each phase varies. channel_ratio shapes the attention block; lr_horizon the schedule.
const std::vector<std::pair<Phase, std::set<std::string>>> kPhaseKeys = {
    {Phase::kLrSchedule, {"schedule", "lr", "lr_horizon"}},
    {Phase::kBatchSize, {"batch_size"}},
    {Phase::kAttention, {"attention", "channel_ratio"}},
    {Phase::kRegularization, {"conv_dropout", "fc_dropout", "l2"}},
};

// "larger than the seed-to-seed noise (Welch's t-test, p = 0.004)" and its kin, for a lead of
// `a` over `b` in val accuracy.
std::string lead_words(const Setting& a, const Setting& b) {
  const auto test = welch_t_test(a.val_accuracy_values, b.val_accuracy_values);
  if (!test) return "not testable (a setting has fewer than 2 seeds)";
  return std::string(test->p < kAlpha ? "larger than the seed-to-seed noise" : "not distinguishable from seed noise") +
         " (Welch's t-test, p = " + format_p(test->p) + ")";
}

std::string signed_fixed(double value, int decimals) { return (value >= 0 ? "+" : "") + fixed(value, decimals); }

std::string n_of(const Setting& s) { return std::to_string(s.trials.size()); }

// True when `a` is at least as good as `b` in `x` (higher is better when `higher`); a figure
// missing on either side (NaN: memory unavailable) does not count against either.
bool no_worse(double a, double b, bool higher) {
  if (std::isnan(a) || std::isnan(b)) return true;
  return higher ? a >= b : a <= b;
}
bool better(double a, double b, bool higher) {
  if (std::isnan(a) || std::isnan(b)) return false;
  return higher ? a > b : a < b;
}
double mean_or_nan(const Summary& s) { return s.n == 0 ? std::nan("") : s.mean; }

Judgement judge_lr_schedule(const std::vector<Setting>& settings) {
  Judgement j{Phase::kLrSchedule, "Which learning-rate schedule ends with the most accurate model?",
              Table({"setting", "n", "initial lr", "val_acc", "val_acc 95% CI", "val_loss", "test_acc"}), "", ""};
  for (const auto& s : settings)
    j.table.add_row({s.label, n_of(s), fixed(s.initial_lr, 6), format_mean_sd(s.val_accuracy, 4),
                     format_interval(s.val_accuracy, 4), format_mean_sd(s.val_loss, 4),
                     format_mean_sd(s.test_accuracy, 4)});
  const Setting& best = best_setting(settings);
  j.chosen = best.label;
  j.answer = "Most accurate: " + best.label + " (starting at lr " + fixed(best.initial_lr, 6) + "), val accuracy " +
             format_mean_sd(best.val_accuracy, 4) + ".";
  for (const auto& s : settings)
    if (&s != &best)
      j.answer += " Over " + s.label + ": " + signed_fixed(best.val_accuracy.mean - s.val_accuracy.mean, 4) + ", " +
                  lead_words(best, s) + ".";
  return j;
}

Judgement judge_batch_size(const std::vector<Setting>& settings) {
  Judgement j{Phase::kBatchSize,
              "Which batch sizes balance accuracy, speed and memory (none better in all three)?",
              Table({"setting", "n", "val_acc", "s/epoch", "images/s", "peak MiB", "Pareto"}), "", ""};
  const auto dominated = dominated_by(settings);
  std::string pareto, losers;
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const auto& s = settings[i];
    j.table.add_row({s.label, n_of(s), format_mean_sd(s.val_accuracy, 4), format_mean_sd(s.epoch_seconds, 2),
                     format_mean_sd(s.images_per_second, 0), format_mean_sd(s.peak_memory_mib, 0),
                     dominated[i].empty() ? "yes" : "dominated by " + dominated[i]});
    if (dominated[i].empty()) pareto += (pareto.empty() ? "" : "; ") + s.label;
    else losers += (losers.empty() ? "" : "; ") + s.label + " (by " + dominated[i] + ")";
  }
  const Setting& best = best_setting(settings);
  j.chosen = best.label;
  j.answer = "Pareto set over (val accuracy, s/epoch, peak memory), means over seeds: " + pareto + ". " +
             (losers.empty() ? "No size is dominated." : "Dominated: " + losers + ".") + " Most accurate: " +
             best.label + ", val accuracy " + format_mean_sd(best.val_accuracy, 4) + ".";
  return j;
}

Judgement judge_attention(const std::vector<Setting>& settings) {
  Judgement j{Phase::kAttention, "Does an attention block gain more accuracy than seed noise, and at what cost in parameters?",
              Table({"setting", "n", "params", "val_acc", "val_acc per 100k params", "gain over none", "p", "verdict"}),
              "", ""};
  const Setting* none = nullptr;
  for (const auto& s : settings) {
    const sweep::Value* attention = s.trials.front()->config.get("attention");
    if (attention != nullptr && sweep::to_display(*attention) == "none") none = &s;
  }
  std::string verdicts;
  for (const auto& s : settings) {
    const std::string per_100k = s.params > 0 ? fixed(s.val_accuracy.mean / static_cast<double>(s.params) * 1e5, 4) : "-";
    std::string gain = "-", p = "-", verdict = "-";
    if (none != nullptr && &s != none) {
      gain = signed_fixed(s.val_accuracy.mean - none->val_accuracy.mean, 4);
      const auto test = welch_t_test(s.val_accuracy_values, none->val_accuracy_values);
      if (test) p = format_p(test->p);
      verdict = !test ? "not testable" : test->p < kAlpha ? (s.val_accuracy.mean > none->val_accuracy.mean ? "gain" : "loss")
                                                          : "within noise";
      verdicts += " " + s.label + ": " + gain + " over " + none->label + " for " +
                  signed_fixed(static_cast<double>(s.params - none->params), 0) + " parameters, " + lead_words(s, *none) +
                  ".";
    }
    j.table.add_row({s.label, n_of(s), std::to_string(s.params), format_mean_sd(s.val_accuracy, 4), per_100k, gain, p, verdict});
  }
  const Setting& best = best_setting(settings);
  j.chosen = best.label;
  j.answer = "Most accurate: " + best.label + ", val accuracy " + format_mean_sd(best.val_accuracy, 4) + " with " +
             std::to_string(best.params) + " parameters." +
             (none == nullptr ? " No attention=none setting to measure the gain against." : verdicts);
  return j;
}

Judgement judge_regularization(const std::vector<Setting>& settings) {
  Judgement j{Phase::kRegularization,
              "Which setting keeps the train-val gap smallest without losing val accuracy?",
              Table({"setting", "n", "train_acc", "val_acc", "val_acc 95% CI", "train-val gap", "p vs most accurate",
                     "as accurate"}),
              "", ""};
  const Setting& best = best_setting(settings);
  const Setting* chosen = nullptr;
  std::string excluded;
  // A setting that cannot be tested against the most accurate (under 2 seeds) is not taken: it
  // cannot be shown to be as accurate.
  for (const auto& s : settings) {
    std::string p = "-", as_accurate = "yes (most accurate)";
    bool eligible = true;
    if (&s != &best) {
      const auto test = welch_t_test(s.val_accuracy_values, best.val_accuracy_values);
      if (test) p = format_p(test->p);
      eligible = test && test->p >= kAlpha;
      as_accurate = !test ? "not testable" : eligible ? "yes" : "no";
      if (test && !eligible) excluded += (excluded.empty() ? "" : "; ") + s.label + " (p = " + p + ")";
    }
    if (eligible && (chosen == nullptr || s.train_val_gap.mean < chosen->train_val_gap.mean)) chosen = &s;
    j.table.add_row({s.label, n_of(s), format_mean_sd(s.train_accuracy, 4), format_mean_sd(s.val_accuracy, 4),
                     format_interval(s.val_accuracy, 4), format_mean_sd(s.train_val_gap, 4), p, as_accurate});
  }
  j.chosen = chosen->label;
  j.answer = "Smallest train-val gap among the settings whose val accuracy is not significantly below the most "
             "accurate (" + best.label + ", " + format_mean_sd(best.val_accuracy, 4) + "): " + chosen->label +
             ", gap " + format_mean_sd(chosen->train_val_gap, 4) + ", val accuracy " +
             format_mean_sd(chosen->val_accuracy, 4) + ", train accuracy " + format_mean_sd(chosen->train_accuracy, 4) +
             (chosen == &best ? "" : " (" + lead_words(best, *chosen) + " behind the most accurate)") + ". " +
             (excluded.empty() ? "No setting is significantly less accurate." : "Significantly less accurate: " + excluded + ".");
  return j;
}

}  // namespace

std::optional<Phase> phase_of(const std::vector<Setting>& settings) {
  if (settings.empty() || settings.front().varying.empty()) return std::nullopt;
  for (const auto& [phase, keys] : kPhaseKeys)
    if (std::all_of(settings.front().varying.begin(), settings.front().varying.end(),
                    [&keys = keys](const std::string& key) { return keys.count(key) > 0; }))
      return phase;
  return std::nullopt;
}

std::string phase_name(Phase phase) {
  switch (phase) {
    case Phase::kLrSchedule: return "learning-rate schedule";
    case Phase::kBatchSize: return "batch size";
    case Phase::kAttention: return "attention";
    case Phase::kRegularization: return "regularisation";
  }
  return "";
}

std::vector<std::string> dominated_by(const std::vector<Setting>& settings) {
  std::vector<std::string> by(settings.size());
  for (std::size_t i = 0; i < settings.size(); ++i)
    for (std::size_t k = 0; k < settings.size() && by[i].empty(); ++k) {
      if (k == i) continue;
      const Setting &a = settings[k], &b = settings[i];
      const double acc[2] = {mean_or_nan(a.val_accuracy), mean_or_nan(b.val_accuracy)};
      const double sec[2] = {mean_or_nan(a.epoch_seconds), mean_or_nan(b.epoch_seconds)};
      const double mem[2] = {mean_or_nan(a.peak_memory_mib), mean_or_nan(b.peak_memory_mib)};
      const bool all_no_worse = no_worse(acc[0], acc[1], true) && no_worse(sec[0], sec[1], false) &&
                                no_worse(mem[0], mem[1], false);
      const bool one_better = better(acc[0], acc[1], true) || better(sec[0], sec[1], false) ||
                              better(mem[0], mem[1], false);
      if (all_no_worse && one_better) by[i] = a.label;
    }
  return by;
}

std::optional<Judgement> judge_phase(const std::vector<Setting>& settings) {
  const auto phase = phase_of(settings);
  if (!phase) return std::nullopt;
  switch (*phase) {
    case Phase::kLrSchedule: return judge_lr_schedule(settings);
    case Phase::kBatchSize: return judge_batch_size(settings);
    case Phase::kAttention: return judge_attention(settings);
    case Phase::kRegularization: return judge_regularization(settings);
  }
  return std::nullopt;
}

}  // namespace aecnn::analysis
