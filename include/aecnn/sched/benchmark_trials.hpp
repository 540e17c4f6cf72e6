#pragma once
// Benchmark-aid trials (`aecnn-sweep --benchmark-trials KIND`, docs/benchmarks.md): trials that
// do not train, so that the scheduler, the results file and the search can be measured alone.
// Never results: the file says so, and a real run refuses it.
//   noop          returns at once: what dispatching and committing a trial cost;
//   sleep=S       sleeps S seconds, saying it is alive as a training trial does;
//   branin, hartmann6
//                 a standard test function (search/test_functions.hpp) at the point the trial's
//                 searched keys give, reported as one epoch with that value as loss and val_loss:
//                 how well the sweep's own search finds a known minimum.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aecnn/sweep/sweep_spec.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

/// Why `kind` is no benchmark kind, or nullopt.
std::optional<std::string> benchmark_kind_problem(const std::string& kind);

/// Whether `kind` names a test function (not noop, sleep=S).
bool is_test_function(const std::string& kind);

/// Why the sweep cannot run as trials of `kind`, or nullopt. A test function needs every
/// experiment to search (`[search]` or `[random]`) exactly as many keys as it has coordinates,
/// each a number (not a choice), and no pruner (a trial of one epoch has nothing to prune).
std::optional<std::string> benchmark_sweep_problem(const std::string& kind, const sweep::SweepSpec& spec);

/// The keys whose values are a trial's point: the experiment's search, else its random search.
const std::vector<sweep::SearchedKey>& benchmark_keys(const sweep::ExperimentSpec& experiment);

/// A trial's point in the unit cube: key k's value at u[k] of the way across its range (on a log
/// scale for loguniform), in the keys' order.
std::vector<double> unit_point(const sweep::ConfigMap& config, const std::vector<sweep::SearchedKey>& keys);

/// Runs a benchmark trial of `kind` at `point` (a test function's coordinates; empty otherwise):
/// a test function's one epoch goes to `report_epoch` first, as a training trial's epochs do;
/// `alive` is called while sleeping.
train::TrialResult benchmark_trial(const std::string& kind, const std::vector<double>& point,
                                   const std::function<void(const train::EpochRecord&)>& report_epoch,
                                   const std::function<void()>& alive);

}  // namespace aecnn::sched
