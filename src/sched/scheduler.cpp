#include "aecnn/sched/scheduler.hpp"

#include <boost/mpi/collectives.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/sched/messages.hpp"
#include "aecnn/sched/policy.hpp"
#include "aecnn/sweep/trial_config.hpp"
#include "aecnn/train/trainer.hpp"

namespace aecnn::sched {
namespace mpi = boost::mpi;

namespace {

// Loads a data folder once per process and keeps its Trainer for the trials that follow.
class TrainerCache {
 public:
  train::Trainer& get(const std::string& data_dir) {
    if (!trainer_ || data_dir != data_dir_) {
      trainer_.reset();  // free the old tensors before loading new ones
      trainer_ = std::make_unique<train::Trainer>(data::load_fashion_mnist(data_dir));
      data_dir_ = data_dir;
    }
    return *trainer_;
  }

 private:
  std::string data_dir_;
  std::unique_ptr<train::Trainer> trainer_;
};

// Runs one trial, turning every exception into a failure message; `report_*` deliver results.
template <typename OnEpoch, typename OnDone, typename OnFailed>
void run_one(TrainerCache& cache, const std::string& data_dir, const sweep::TrialConfig& config,
             const OnEpoch& on_epoch, const OnDone& on_done, const OnFailed& on_failed) {
  std::string failure;
  try {
    train::TrialResult result = cache.get(data_dir).run(config, on_epoch);
    on_done(result);
    return;
  } catch (const std::exception& error) {
    failure = error.what();
  } catch (...) {
    failure = "unknown exception";
  }
  // LibTorch's messages carry a C++ backtrace after the first line; the user needs the first.
  on_failed(failure.substr(0, failure.find('\n')));
}

}  // namespace

mpi::status wait_for_message(const mpi::communicator& comm, int source) {
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    if (auto status = comm.iprobe(source, mpi::any_tag)) return *status;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
}

void run_scheduler(const mpi::communicator& world, const std::vector<sweep::TrialSpec>& trials,
                   const std::vector<int>& to_run, const std::string& data_dir, TrialLog& log) {
  std::vector<int> workers;
  for (int rank = 1; rank < world.size(); ++rank) workers.push_back(rank);
  Policy policy(to_run, std::vector<int>(trials.size(), 1), workers);
  std::vector<sweep::TrialConfig> configs;
  for (const auto& trial : trials) configs.push_back(sweep::to_trial_config(trial.config));

  while (!policy.all_done()) {
    while (auto dispatch = policy.next()) {
      log.started(dispatch->trial, dispatch->workers);
      Assignment assignment{dispatch->trial, trials[dispatch->trial].id, data_dir, configs[dispatch->trial]};
      for (int worker : dispatch->workers) world.send(worker, kAssign, assignment);
    }
    const mpi::status status = wait_for_message(world);
    switch (status.tag()) {
      case kEpoch: {
        EpochReport report;
        world.recv(status.source(), kEpoch, report);
        log.epoch(report.trial, report.record);
        break;
      }
      case kDone: {
        DoneReport report;
        world.recv(status.source(), kDone, report);
        log.done(report.trial, report.result);
        policy.trial_ended(report.trial);
        break;
      }
      case kFailed: {
        FailedReport report;
        world.recv(status.source(), kFailed, report);
        log.failed(report.trial, report.message + " (rank " + std::to_string(status.source()) + ")");
        policy.trial_ended(report.trial);
        break;
      }
      default: {
        int ignored;
        world.recv(status.source(), status.tag(), ignored);
      }
    }
  }
  for (int worker : workers) world.send(worker, kStop, 0);
}

void run_worker(const mpi::communicator& world) {
  TrainerCache cache;
  for (;;) {
    const mpi::status status = wait_for_message(world, 0);
    if (status.tag() == kStop) {
      int ignored;
      world.recv(0, kStop, ignored);
      return;
    }
    Assignment assignment;
    world.recv(0, kAssign, assignment);
    run_one(
        cache, assignment.data_dir, assignment.config,
        [&](const train::EpochRecord& record) { world.send(0, kEpoch, EpochReport{assignment.trial, record}); },
        [&](const train::TrialResult& result) { world.send(0, kDone, DoneReport{assignment.trial, result}); },
        [&](const std::string& message) { world.send(0, kFailed, FailedReport{assignment.trial, message}); });
  }
}

void run_serial(const std::vector<sweep::TrialSpec>& trials, const std::vector<int>& to_run,
                const std::string& data_dir, TrialLog& log) {
  TrainerCache cache;
  for (int trial : to_run) {
    log.started(trial, {0});
    run_one(
        cache, data_dir, sweep::to_trial_config(trials[trial].config),
        [&](const train::EpochRecord& record) { log.epoch(trial, record); },
        [&](const train::TrialResult& result) { log.done(trial, result); },
        [&](const std::string& message) { log.failed(trial, message); });
  }
}

}  // namespace aecnn::sched
