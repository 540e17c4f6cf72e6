#pragma once
// The table of trials aecnn-analyze prints: one row per trial, the keys that vary, and results.
#include "aecnn/analysis/table.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/sweep/expand.hpp"

namespace aecnn::analysis {

/// id, status, the varying keys' values, epochs run, final val accuracy, best val accuracy,
/// test accuracy, seconds. Cells a trial does not have yet (running, failed) show "-".
Table trial_table(const store::ResultsContents& results);

/// The planned trials of a sweep (for --dry-run): id and the varying keys' values.
Table plan_table(const std::vector<sweep::TrialSpec>& trials);

}  // namespace aecnn::analysis
