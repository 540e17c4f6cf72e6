#pragma once
// What adaptive search did in one experiment (docs/analysis.md, "Pruned sweeps"): how many trials
// its pruner stopped and where, what that saved, the best trial; and the figures of a search:
// every trial's curve with the pruned ones faded and the rungs marked, the best value so far
// against trials and against epochs spent (Optuna's optimisation history), and one slice plot per
// searched key. Read from the file alone: the pruner's settings from the sweep TOML it holds,
// its decisions from /pruning.
#include <optional>
#include <string>
#include <vector>

#include "aecnn/analysis/table.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/sweep/sweep_spec.hpp"

namespace aecnn::analysis {

/// The pruner the file's sweep gave `experiment`, if it had one (nothing also when the TOML the
/// file holds no longer parses: an older tool's file).
std::optional<sweep::PrunerSpec> pruner_of(const store::ResultsContents& results, const std::string& experiment);

/// The model-based search the file's sweep gave `experiment`, if it had one.
std::optional<sweep::SearchSpec> sampler_of(const store::ResultsContents& results, const std::string& experiment);

/// Per epoch at which the pruner judged against others (a rung, or a median cutoff) or stopped a
/// trial: trials judged, continued, stopped, and the cutoff's range. Empty without decisions.
Table pruning_table(const store::ResultsContents& results, const std::string& experiment);

/// Lines on the search and the pruner: their settings; "7 of 10 trials pruned (after epoch 1: 5, 2: 2)"; the epochs
/// trained against those planned; the best finished trial by the pruner's metric and its keys.
/// Empty when neither watched the experiment.
std::vector<std::string> pruning_lines(const store::ResultsContents& results, const std::string& experiment);

/// Draws the search figures of `experiment` into `dir` (as write_figures does): <experiment>-search_curves,
/// -best_so_far, and -slice_<key> per numeric searched key. None without a pruner or a search.
std::vector<std::string> write_search_figures(const std::string& dir, const store::ResultsContents& results,
                                              const std::string& experiment);

}  // namespace aecnn::analysis
