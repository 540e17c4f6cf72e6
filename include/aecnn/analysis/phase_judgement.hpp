#pragma once
// Each phase of the study answers its own question, and is judged on it (beside the Welch
// verdict on val accuracy that every experiment gets):
//   learning-rate schedule  which schedule ends best, with the lr each starts from;
//   batch size              the balance of accuracy, speed and memory: the Pareto set;
//   attention               accuracy per parameter, and whether a block's gain over `none`
//                           exceeds the seed-to-seed noise;
//   regularisation          the smallest train-val gap among the settings whose val accuracy
//                           is not significantly below the best.
// An experiment is one of these phases when every key it varies (seed aside) belongs to that
// phase; so a sweep file of any name, or an experiment of sweeps/all.toml, is judged alike.
#include <optional>
#include <string>
#include <vector>

#include "aecnn/analysis/experiment_summary.hpp"
#include "aecnn/analysis/table.hpp"

namespace aecnn::analysis {

enum class Phase { kLrSchedule, kBatchSize, kAttention, kRegularization };

/// The phase whose question the settings answer, if any (nothing varies, or keys of several phases).
std::optional<Phase> phase_of(const std::vector<Setting>& settings);
std::string phase_name(Phase phase);

/// A phase's table and its answer in sentences, every number from the settings.
struct Judgement {
  Phase phase;
  std::string question;
  Table table;
  std::string answer;
  /// The setting the answer picks, for the study summary ("" when none can be picked).
  std::string chosen;
};

/// Alpha of every Welch test here (two-sided).
constexpr double kAlpha = 0.05;

/// Settings not dominated in (val accuracy up, s/epoch down, peak memory down) by means over
/// seeds; `dominated_by[i]` names a setting that dominates setting i, "" for the Pareto set.
std::vector<std::string> dominated_by(const std::vector<Setting>& settings);

/// The judgement of `settings` on its phase's question, or nothing when phase_of() has none.
std::optional<Judgement> judge_phase(const std::vector<Setting>& settings);

}  // namespace aecnn::analysis
