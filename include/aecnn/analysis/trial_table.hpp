#pragma once
// The tables aecnn-analyze and --dry-run print: one per experiment, a row per trial, the keys
// that vary in that experiment, and (for results) what each trial reached.
#include <string>
#include <vector>

#include "aecnn/analysis/table.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/sweep/trial_list.hpp"

namespace aecnn::analysis {

/// Experiment names in order of first appearance.
std::vector<std::string> experiments_of(const store::ResultsContents& results);
std::vector<std::string> experiments_of(const sweep::TrialList& trials);

/// The trials of `experiment`: id, status, varying keys, epochs run, final and best validation
/// accuracy, test accuracy, seconds. Cells a trial does not have yet (running, failed) show "-".
Table trial_table(const store::ResultsContents& results, const std::string& experiment);

/// The planned trials of `experiment` (for --dry-run): id, hash, varying keys, ranks needed.
Table plan_table(const sweep::TrialList& trials, const std::string& experiment);

}  // namespace aecnn::analysis
