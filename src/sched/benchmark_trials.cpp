#include "aecnn/sched/benchmark_trials.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "aecnn/search/test_functions.hpp"

namespace aecnn::sched {

namespace {

std::optional<double> sleep_seconds(const std::string& kind) {
  if (kind.rfind("sleep=", 0) != 0) return std::nullopt;
  try {
    std::size_t used = 0;
    const double seconds = std::stod(kind.substr(6), &used);
    if (used == kind.size() - 6 && seconds >= 0 && seconds <= 86400) return seconds;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> benchmark_kind_problem(const std::string& kind) {
  if (kind == "noop" || sleep_seconds(kind) || is_test_function(kind)) return std::nullopt;
  std::string names;
  for (const auto& function : search::test_functions()) names += ", " + function.name;
  return "must be noop, sleep=SECONDS (0 to 86400)" + names;
}

bool is_test_function(const std::string& kind) { return search::find_test_function(kind) != nullptr; }

const std::vector<sweep::SearchedKey>& benchmark_keys(const sweep::ExperimentSpec& experiment) {
  return experiment.search.enabled() ? experiment.search.keys : experiment.random_space;
}

std::optional<std::string> benchmark_sweep_problem(const std::string& kind, const sweep::SweepSpec& spec) {
  const search::TestFunction* function = search::find_test_function(kind);
  if (function == nullptr) return std::nullopt;
  const std::string needs = "--benchmark-trials " + kind + " needs ";
  for (const auto& experiment : spec.experiments) {
    const std::string where = spec.file + ": experiment '" + experiment.name + "': ";
    const auto& keys = benchmark_keys(experiment);
    if (keys.size() != function->dimensions())
      return where + needs + std::to_string(function->dimensions()) +
             " searched keys ([search] or [random]), one per coordinate; it searches " + std::to_string(keys.size());
    for (const auto& key : keys)
      if (key.space.kind == search::ParamSpace::Kind::kChoice)
        return where + needs + "numbers as coordinates; '" + key.key + "' is a choice";
    if (experiment.pruner.enabled())
      return where + needs + "no pruner: its trials are one epoch, nothing to prune";
  }
  return std::nullopt;
}

std::vector<double> unit_point(const sweep::ConfigMap& config, const std::vector<sweep::SearchedKey>& keys) {
  std::vector<double> u;
  for (const auto& key : keys) {
    const auto& value = config.at(key.key);
    double x = 0;
    if (const auto* d = std::get_if<double>(&value)) x = *d;
    else if (const auto* i = std::get_if<std::int64_t>(&value)) x = static_cast<double>(*i);
    const auto& s = key.space;
    double position = 0;
    if (s.kind == search::ParamSpace::Kind::kLogUniform) position = std::log(x / s.low) / std::log(s.high / s.low);
    else if (s.high > s.low) position = (x - s.low) / (s.high - s.low);
    u.push_back(std::clamp(position, 0.0, 1.0));
  }
  return u;
}

train::TrialResult benchmark_trial(const std::string& kind, const std::vector<double>& point,
                                   const std::function<void(const train::EpochRecord&)>& report_epoch,
                                   const std::function<void()>& alive) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  train::TrialResult result;
  result.device = "none (benchmark trial: " + kind + ")";
  result.memory_measure = "unavailable";
  if (const auto seconds = sleep_seconds(kind)) {
    // In slices, saying it is alive between them, as a training trial does at every step.
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*seconds));
    for (auto now = Clock::now(); now < end; now = Clock::now()) {
      if (alive) alive();
      std::this_thread::sleep_for(std::min<Clock::duration>(end - now, std::chrono::milliseconds(100)));
    }
  } else if (const auto* function = search::find_test_function(kind)) {
    // No accuracy or test figure is measured: NaN, not a number that could pass for one.
    constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
    result.test_loss = result.test_accuracy = result.test_precision = result.test_recall = result.test_f1 = kNone;
    result.train_eval_loss = result.train_eval_accuracy = kNone;
    train::EpochRecord epoch;
    epoch.epoch = 1;
    epoch.loss = epoch.val_loss = search::value_at_unit_point(*function, point);
    epoch.accuracy = epoch.val_accuracy = kNone;
    epoch.epoch_seconds = epoch.train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (report_epoch) report_epoch(epoch);
    result.history.push_back(epoch);
    result.epochs_run = 1;
  }
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace aecnn::sched
