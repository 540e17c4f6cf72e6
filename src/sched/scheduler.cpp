#include "aecnn/sched/scheduler.hpp"

#include <boost/mpi/collectives.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/dist/make_communicator.hpp"
#include "aecnn/dist/tensor_sync.hpp"
#include "aecnn/sched/messages.hpp"
#include "aecnn/sched/policy.hpp"
#include "aecnn/sweep/trial_config.hpp"
#include "aecnn/train/device.hpp"
#include "aecnn/train/trainer.hpp"

namespace aecnn::sched {
namespace mpi = boost::mpi;

namespace {

using Clock = std::chrono::steady_clock;

// Loads a data folder once per process (per device) and keeps its Trainer for the trials after.
class TrainerCache {
 public:
  train::Trainer& get(const std::string& data_dir, const std::string& device) {
    if (!trainer_ || data_dir != data_dir_ || device != device_) {
      trainer_.reset();  // free the old tensors before loading new ones
      trainer_ = std::make_unique<train::Trainer>(data::load_fashion_mnist(data_dir), device);
      data_dir_ = data_dir;
      device_ = device;
    }
    return *trainer_;
  }

 private:
  std::string data_dir_, device_;
  std::unique_ptr<train::Trainer> trainer_;
};

// LibTorch's messages carry a C++ backtrace after the first line; the user needs the first.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// A trial in flight on rank 0: who trains it and what they have said.
struct Gang {
  std::vector<int> workers;
  Clock::time_point started;
  std::size_t reported = 0;
  std::optional<train::TrialResult> result;  ///< the leader's, once done
  std::string own_error;                     ///< the first rank's own failure
  bool failed = false;
};

}  // namespace

mpi::status wait_for_message(const mpi::communicator& comm, int source) {
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    if (auto status = comm.iprobe(source, mpi::any_tag)) return *status;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
}

Utilisation run_scheduler(const mpi::communicator& world, const std::vector<sweep::TrialSpec>& trials,
                          const std::vector<int>& to_run, const std::string& data_dir, const std::string& device,
                          TrialLog& log) {
  const auto sweep_start = Clock::now();
  std::vector<int> workers;
  for (int rank = 1; rank < world.size(); ++rank) workers.push_back(rank);
  std::vector<sweep::TrialConfig> configs;
  std::vector<int> needed;
  for (const auto& trial : trials) {
    configs.push_back(sweep::to_trial_config(trial.config));
    needed.push_back(configs.back().ranks);
  }
  Policy policy(to_run, needed, workers);
  std::map<int, Gang> gangs;
  Utilisation utilisation;

  // A trial's gang is free once every member has reported; then the trial is committed.
  auto member_reported = [&](int trial) {
    Gang& gang = gangs.at(trial);
    if (++gang.reported < gang.workers.size()) return;
    const double seconds = std::chrono::duration<double>(Clock::now() - gang.started).count();
    utilisation.busy_rank_seconds += seconds * static_cast<double>(gang.workers.size());
    if (gang.failed || !gang.result)
      log.failed(trial, gang.own_error.empty() ? "failed without a message" : gang.own_error);
    else
      log.done(trial, *gang.result);
    gangs.erase(trial);
    policy.trial_ended(trial);
  };
  auto note_failure = [&](int trial, const std::string& message, bool own, int rank) {
    Gang& gang = gangs.at(trial);
    gang.failed = true;
    if (own && gang.own_error.empty()) gang.own_error = message + " (rank " + std::to_string(rank) + ")";
  };

  while (!policy.all_done()) {
    while (auto dispatch = policy.next()) {
      log.started(dispatch->trial, dispatch->workers);
      gangs[dispatch->trial] = Gang{dispatch->workers, Clock::now(), 0, std::nullopt, "", false};
      Assignment assignment{dispatch->trial, trials[dispatch->trial].id, data_dir, device, dispatch->workers,
                            configs[dispatch->trial]};
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
        gangs.at(report.trial).result = std::move(report.result);
        member_reported(report.trial);
        break;
      }
      case kFailed: {
        FailedReport report;
        world.recv(status.source(), kFailed, report);
        note_failure(report.trial, report.message, report.own, status.source());
        member_reported(report.trial);
        break;
      }
      case kReleased: {
        ReleasedReport report;
        world.recv(status.source(), kReleased, report);
        if (report.failed) note_failure(report.trial, report.message, !report.message.empty(), status.source());
        member_reported(report.trial);
        break;
      }
      default: {
        int ignored;
        world.recv(status.source(), status.tag(), ignored);
      }
    }
  }
  for (int worker : workers) world.send(worker, kStop, 0);
  utilisation.available_rank_seconds =
      std::chrono::duration<double>(Clock::now() - sweep_start).count() * static_cast<double>(workers.size());
  return utilisation;
}

void run_worker(const mpi::communicator& world, int local_rank) {
  TrainerCache cache;
  for (;;) {
    const mpi::status status = wait_for_message(world, 0);
    if (status.tag() == kStop) {
      int ignored;
      world.recv(0, kStop, ignored);
      return;
    }
    Assignment a;
    world.recv(0, kAssign, a);
    const bool leader = a.group.front() == world.rank();
    std::string error;
    bool own = true;
    std::optional<train::TrialResult> result;
    try {
      const std::string device = train::resolve_device(a.device, local_rank);
      const int cuda_index = device.rfind("cuda", 0) == 0 ? std::stoi(device.substr(5)) : -1;
      auto comm = dist::make_communicator(static_cast<MPI_Comm>(world), a.group, a.trial, cuda_index,
                                          cuda_index >= 0 ? train::cuda_current_stream(cuda_index) : nullptr);
      // Load the data; the whole gang agrees that everyone could, before any collective of training.
      std::string load_error;
      train::Trainer* trainer = nullptr;
      try {
        trainer = &cache.get(a.data_dir, device);
      } catch (const std::exception& e) {
        load_error = e.what();
      }
      std::vector<double> none;
      if (!dist::reduce_host(*comm, none, trainer == nullptr)) throw Error(load_error);
      result = trainer->run(
          a.config,
          [&](const train::EpochRecord& record) {
            if (leader) world.send(0, kEpoch, EpochReport{a.trial, record});
          },
          comm.get());
    } catch (const dist::PeerFailed& e) {
      error = e.what();
      own = false;
    } catch (const std::exception& e) {
      error = first_line(e.what());
    } catch (...) {
      error = "unknown exception";
    }
    if (leader) {
      if (result) world.send(0, kDone, DoneReport{a.trial, *result});
      else world.send(0, kFailed, FailedReport{a.trial, error, own});
    } else {
      world.send(0, kReleased, ReleasedReport{a.trial, !result, own ? error : std::string()});
    }
  }
}

void run_serial(const std::vector<sweep::TrialSpec>& trials, const std::vector<int>& to_run,
                const std::string& data_dir, const std::string& device_request, TrialLog& log) {
  TrainerCache cache;
  const std::string device = train::resolve_device(device_request, 0);
  for (int trial : to_run) {
    log.started(trial, {0});
    try {
      log.done(trial, cache.get(data_dir, device)
                          .run(sweep::to_trial_config(trials[trial].config),
                               [&](const train::EpochRecord& record) { log.epoch(trial, record); }));
    } catch (const store::H5Error&) {
      throw;  // the results file itself failed: not the trial's fault, and fatal
    } catch (const std::exception& e) {
      log.failed(trial, first_line(e.what()));
    }
  }
}

}  // namespace aecnn::sched
