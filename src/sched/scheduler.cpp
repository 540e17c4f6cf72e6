#include "aecnn/sched/scheduler.hpp"

#include <boost/mpi/collectives.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/dist/make_communicator.hpp"
#include "aecnn/dist/tensor_sync.hpp"
#include "aecnn/sched/benchmark_trials.hpp"
#include "aecnn/sched/messages.hpp"
#include "aecnn/sched/policy.hpp"
#include "aecnn/sched/stop_signal.hpp"
#include "aecnn/sched/trial_pruning.hpp"
#include "aecnn/sched/trial_search.hpp"
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
  Clock::time_point last_heard;  ///< the last message of any member: silence means lost
  std::size_t reported = 0;
  std::optional<train::TrialResult> result;  ///< the leader's, once done
  std::string own_error;                     ///< the first rank's own failure
  bool failed = false;
  bool interrupted = false;
};

// Rank 0's bookkeeping shared by the MPI and the serial run: the queue, the retry budget, the
// stop request.
class Dispatcher {
 public:
  /// `may_pipeline`: workers run in other processes and can hold several trials (the MPI
  /// scheduler); a serial run takes one trial at a time whatever the policy says.
  Dispatcher(const SweepJob& job, std::vector<int> workers, TrialLog& log, bool may_pipeline)
      : job_(job), log_(log), failures_(job.failures), policy_(job.to_run, workers_needed(job), workers, layout(job, workers)),
        pruning_(*job.trials, job.pruners), search_(*job.trials, job.searches),
        weights_(job.keep_weights, *job.trials, job.rank_weights_by) {
    failures_.resize(job.trials->size(), 0);
    std::vector<bool> pipelinable(job.trials->size());
    for (std::size_t trial = 0; trial < pipelinable.size(); ++trial) {
      pipelinable[trial] = may_pipeline && !search_.searches(static_cast<int>(trial)) && !pruning_.watches(static_cast<int>(trial));
      may_pipeline_ = may_pipeline_ || pipelinable[trial];
    }
    policy_.set_pipelinable(std::move(pipelinable));
    pruning_.replay(job.pruning_history, job.results_file);
    search_.replay(job.observation_history, *job.trials, job.results_file);
    // The keeper starts from the weights the file holds; what it does not keep (a policy changed
    // since, or a drop a killed run did not commit) goes before anything runs.
    std::vector<WeightsDrop> drops;
    for (const auto& [trial, final_epoch] : job.weights_in_file)
      for (auto& drop : weights_.done(trial, log_.history(trial), final_epoch)) drops.push_back(std::move(drop));
    log_.weights_dropped(drops);
  }

  Policy& policy() { return policy_; }
  const TrialPruning& pruning() const { return pruning_; }
  bool stopping() const { return stopping_; }
  int stop_signal_seen() const { return stop_signal_; }
  /// Starts stopping: no new trial is handed out. `why` is said once ("SIGTERM received", "a
  /// worker was lost") and becomes the stop reason of the trials interrupted from now on;
  /// `signal` is the signal, or 0. True the first time.
  bool request_stop(const std::string& why, int signal) {
    if (stopping_) return false;
    stopping_ = true;
    stop_signal_ = signal;
    stop_reason_ = why;
    log_.stopping(why, signal == SIGINT);
    return true;
  }
  const std::string& stop_reason() const { return stop_reason_; }

  /// The next trial to start, with where an earlier attempt got to; committed as started.
  std::optional<std::pair<Dispatch, train::Checkpoint>> next() {
    if (stopping()) return std::nullopt;
    auto dispatch = policy_.next();
    // A verdict an earlier run committed but did not live to act on (killed in between): the
    // trial is pruned now, not run again.
    while (dispatch && pruning_.stopped_at(dispatch->trial)) {
      const int trial = dispatch->trial;
      const auto observation = search_.observe(trial_spec(trial), log_.history(trial), /*complete=*/false);
      log_.pruned(trial, *pruning_.stopped_at(trial), nullptr, observation ? &*observation : nullptr,
                  weights_.pruned(trial));
      policy_.trial_ended(trial);
      dispatch = policy_.next();
    }
    if (!dispatch) return std::nullopt;
    // A searched trial gets its values now, from every trial that ended before it; its start
    // commits them (a retry keeps the values of its first start).
    if (search_.searches(dispatch->trial)) {
      sweep::TrialSpec spec = trial_spec(dispatch->trial);
      if (spec.suggested_after < 0) {
        search_.suggest(spec);
        job_.trials->replace(std::move(spec));
      }
    }
    train::Checkpoint resume = log_.resume_point(dispatch->trial).value_or(train::Checkpoint{});
    log_.started(dispatch->trial, dispatch->workers, resume.empty() ? nullptr : &resume);
    return std::make_pair(*dispatch, std::move(resume));
  }

  /// Commits an epoch with the pruner's decision on it; the verdict (true: stop), if a pruner
  /// watches the trial. The decision is on disk before anyone acts on it.
  std::optional<bool> epoch(int trial, const train::EpochRecord& record, const train::Checkpoint& checkpoint) {
    const auto decision = pruning_.decide(trial, record);
    log_.epoch(trial, record, checkpoint, decision && decision->second ? &decision->first : nullptr);
    if (!decision) return std::nullopt;
    return decision->first.stop;
  }

  /// The trial ended: ran all its epochs, or stopped by its pruner (result.pruned).
  void done(int trial, const train::TrialResult& result) {
    pace(result.wall_seconds);
    const auto observation =
        search_.observe(trial_spec(trial), result.history, !result.pruned, result.restored_best ? result.best_epoch : 0);
    if (result.pruned) {
      log_.pruned(trial, result.epochs_run, &result, observation ? &*observation : nullptr, weights_.pruned(trial));
    } else {
      const auto completion = pruning_.completed(trial);
      const int final_epoch = result.restored_best ? result.best_epoch : static_cast<int>(result.history.size());
      log_.done(trial, result,
                store::SearchRows{completion ? &*completion : nullptr, observation ? &*observation : nullptr},
                weights_.done(trial, result.history, final_epoch));
    }
    policy_.trial_ended(trial);
  }
  void interrupted(int trial, const std::string& reason) {
    log_.interrupted(trial, reason);
    policy_.trial_ended(trial);
  }
  // A failed trial is tried again, from its latest checkpoint, while the budget lasts.
  void failed(int trial, const std::string& message) {
    const int attempt = ++failures_[trial];
    const bool retry = !stopping() && attempt < job_.max_attempts;
    log_.failed(trial, message, retry ? attempt + 1 : 0, job_.max_attempts);
    policy_.trial_ended(trial);
    if (retry) policy_.requeue(trial);
  }

 private:
  // Which node each worker is on, and which trials want their nodes to themselves.
  static NodeLayout layout(const SweepJob& job, const std::vector<int>& workers) {
    NodeLayout layout;
    for (int worker : workers)
      if (static_cast<std::size_t>(worker) < job.node_of_rank.size())
        layout.node_of_worker[worker] = job.node_of_rank[static_cast<std::size_t>(worker)];
    for (std::size_t trial = 0; trial < job.trials->size(); ++trial)
      layout.exclusive.push_back(std::get<bool>(job.trials->value(trial, "exclusive")));
    return layout;
  }
  static std::vector<int> workers_needed(const SweepJob& job) {
    std::vector<int> needed;
    for (std::size_t trial = 0; trial < job.trials->size(); ++trial)
      needed.push_back(static_cast<int>(std::get<std::int64_t>(job.trials->value(trial, "ranks"))));
    return needed;
  }

  // Pipelining (see Policy) pays only when a trial takes less than handing it out: rank 0's
  // commit and the round trip of messages. Workers then get several trials at once, and one
  // commit covers many. It is on while each of the last kPaceWindow trials ran under
  // kShortTrialSeconds, as the worker timed it; one longer trial turns it off, so trials that
  // train are handed out one per free worker. What it costs: a queued trial waits behind at
  // most kPipelineDepth - 1 short ones.
  static constexpr std::size_t kPaceWindow = 32;
  static constexpr double kShortTrialSeconds = 0.02;
  static constexpr std::size_t kPipelineDepth = 32;
  void pace(double seconds) {
    if (!may_pipeline_) return;
    recent_seconds_.push_back(seconds);
    if (recent_seconds_.size() > kPaceWindow) recent_seconds_.pop_front();
    const bool short_trials =
        recent_seconds_.size() == kPaceWindow &&
        *std::max_element(recent_seconds_.begin(), recent_seconds_.end()) < kShortTrialSeconds;
    const std::size_t depth = short_trials ? kPipelineDepth : 1;
    if (depth == policy_.pipeline_depth()) return;
    policy_.set_pipeline_depth(depth);
    char line[200];
    if (depth > 1)
      std::snprintf(line, sizeof line,
                    "pipelining: the last %zu trials each took under %.0f ms, so each worker is handed up to %zu "
                    "at once (each is recorded running from when it is handed out)",
                    kPaceWindow, kShortTrialSeconds * 1000, kPipelineDepth);
    else
      std::snprintf(line, sizeof line, "pipelining off: a trial took %.3f s; one trial per free worker again", seconds);
    log_.note(line);
  }
  std::deque<double> recent_seconds_;
  bool may_pipeline_ = false;  ///< some trial may be pipelined at all

  const SweepJob& job_;
  TrialLog& log_;
  std::vector<int> failures_;
  sweep::TrialSpec trial_spec(int trial) const { return (*job_.trials)[static_cast<std::size_t>(trial)]; }

  Policy policy_;
  TrialPruning pruning_;
  TrialSearch search_;
  WeightsKeeper weights_;
  bool stopping_ = false;
  int stop_signal_ = 0;
  std::string stop_reason_;
};

// Rank 0's messages to the workers, all sent without blocking: a worker that is stopped or cut
// off never holds rank 0 up (a blocking send of a large assignment waits for its receiver).
class Outbox {
 public:
  explicit Outbox(const mpi::communicator& world) : world_(world) {}
  template <typename T>
  void send(int rank, int tag, const T& value) {
    pending_.push_back(world_.isend(rank, tag, value));
  }
  /// Forgets the sends that have completed.
  void reap() {
    pending_.remove_if([](mpi::request& request) { return static_cast<bool>(request.test()); });
  }

 private:
  const mpi::communicator& world_;
  std::list<mpi::request> pending_;
};

std::string join(const std::vector<int>& ranks) {
  std::string text;
  for (int rank : ranks) text += (text.empty() ? "" : ",") + std::to_string(rank);
  return text;
}

// Receives and drops the waiting message `status` describes, whatever its type and size.
void discard_message(const mpi::communicator& world, const mpi::status& status) {
  MPI_Status probed;
  int bytes = 0;
  MPI_Probe(status.source(), status.tag(), static_cast<MPI_Comm>(world), &probed);
  MPI_Get_count(&probed, MPI_BYTE, &bytes);
  std::vector<char> ignored(static_cast<std::size_t>(std::max(bytes, 1)));
  MPI_Recv(ignored.data(), bytes, MPI_BYTE, status.source(), status.tag(), static_cast<MPI_Comm>(world),
           MPI_STATUS_IGNORE);
}

// The MPI library's own description, first line ("Open MPI v4.1.4, ..."); callable before MPI_Init.
std::string mpi_library() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "unknown";
  const std::string all(text, static_cast<std::size_t>(std::max(0, length)));
  return all.substr(0, all.find('\n'));
}

// How often the leader of a trial says it is alive: often enough that a few heartbeats fit in
// the timeout, rarely enough to cost nothing.
double heartbeat_seconds(double timeout_seconds) { return std::clamp(timeout_seconds / 5, 0.2, 30.0); }

// A test-function benchmark trial's point, from its searched keys (filled in by now); else empty.
std::vector<double> benchmark_point(const SweepJob& job, const sweep::TrialSpec& trial) {
  const auto keys = job.benchmark_keys.find(trial.experiment);
  return keys == job.benchmark_keys.end() ? std::vector<double>{} : unit_point(trial.config, keys->second);
}

}  // namespace

std::optional<mpi::status> wait_for_message(const mpi::communicator& comm, int source,
                                            const std::function<bool()>& give_up) {
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    if (auto status = comm.iprobe(source, mpi::any_tag)) return *status;
    if (give_up && give_up()) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
}

SweepOutcome run_scheduler(const mpi::communicator& world, const SweepJob& job, TrialLog& log) {
  const auto sweep_start = Clock::now();
  std::vector<int> workers;
  for (int rank = 1; rank < world.size(); ++rank) workers.push_back(rank);
  Dispatcher dispatcher(job, workers, log, /*may_pipeline=*/true);
  Outbox outbox(world);
  std::map<int, Gang> gangs;
  std::set<int> lost_ranks;  ///< silent past the timeout: never waited for again, never believed
  std::map<int, Clock::time_point> worker_free_since;  ///< when each worker's last trial ended
  SweepOutcome outcome;
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(job.worker_timeout_seconds));

  // No new trials; every running one is recorded interrupted now (the job may be killed before
  // its ranks answer) and asked to stop at its next step.
  auto stop_all = [&](const std::string& why, int signal) {
    if (!dispatcher.request_stop(why, signal)) return;
    for (const auto& [trial, gang] : gangs) {
      log.mark_interrupted(trial, why);
      for (int worker : gang.workers)
        if (!lost_ranks.count(worker)) outbox.send(worker, kInterrupt, trial);
    }
  };
  // A trial's gang is free once every member has reported; then the trial is committed.
  auto member_reported = [&](int trial) {
    Gang& gang = gangs.at(trial);
    if (++gang.reported < gang.workers.size()) return;
    // Busy from when its workers were free to take it up: a pipelined trial waited for the one
    // before it on the same worker.
    const auto now = Clock::now();
    auto began = gang.started;
    for (int worker : gang.workers) {
      auto& free_since = worker_free_since[worker];
      began = std::max(began, free_since);
      free_since = now;
    }
    const double seconds = std::chrono::duration<double>(now - began).count();
    outcome.utilisation.busy_rank_seconds += seconds * static_cast<double>(gang.workers.size());
    if (gang.result && !gang.failed) dispatcher.done(trial, *gang.result);
    else if (gang.interrupted || dispatcher.stopping()) dispatcher.interrupted(trial, dispatcher.stop_reason());
    else dispatcher.failed(trial, gang.own_error.empty() ? "failed without a message" : gang.own_error);
    gangs.erase(trial);
  };
  auto note_failure = [&](int trial, const std::string& message, bool own, bool interrupted, int rank) {
    Gang& gang = gangs.at(trial);
    gang.failed = true;
    if (interrupted) {
      gang.interrupted = true;
      // A worker caught a signal itself: the job is being stopped, so stop the whole sweep.
      const int signal = std::atoi(message.c_str());
      stop_all(std::string(signal_name(signal != 0 ? signal : SIGTERM)) + " received", signal != 0 ? signal : SIGTERM);
    } else if (own && gang.own_error.empty()) {
      gang.own_error = message + " (rank " + std::to_string(rank) + ")";
    }
  };
  // Trials silent past the timeout are lost: recorded interrupted with the reason, their ranks
  // given up, the sweep stopped.
  auto check_silence = [&] {
    const auto now = Clock::now();
    for (auto it = gangs.begin(); it != gangs.end();) {
      const double silent = std::chrono::duration<double>(now - it->second.last_heard).count();
      if (now - it->second.last_heard < timeout) {
        ++it;
        continue;
      }
      char text[160];
      std::snprintf(text, sizeof text, "lost: no word from rank(s) %s for %.0f s (hung, stopped or cut off)",
                    join(it->second.workers).c_str(), silent);
      outcome.lost.push_back(job.trials->id(static_cast<std::size_t>(it->first)) + ": " + text);
      lost_ranks.insert(it->second.workers.begin(), it->second.workers.end());
      stop_all("a worker was lost", 0);
      dispatcher.interrupted(it->first, text);
      it = gangs.erase(it);
    }
  };
  auto next_deadline = [&] {
    auto deadline = Clock::time_point::max();
    for (const auto& [trial, gang] : gangs) deadline = std::min(deadline, gang.last_heard + timeout);
    return deadline;
  };

  // One message: what it reports is written (not yet committed: the caller's batch commits it).
  // Verdicts wait in `verdicts` until that commit: a verdict is on disk before it takes effect.
  std::vector<std::pair<int, Verdict>> verdicts;
  auto handle = [&](const mpi::status& status) {
    const int source = status.source();
    if (lost_ranks.count(source)) {  // too late: its trial is recorded, the sweep is ending
      discard_message(world, status);
      return;
    }
    // Any word from a rank says it is alive, for every trial it holds (a pipelined trial waits
    // silently behind the one its worker runs).
    auto heard = [&] {
      const auto now = Clock::now();
      for (auto& [trial, gang] : gangs)
        if (std::find(gang.workers.begin(), gang.workers.end(), source) != gang.workers.end()) gang.last_heard = now;
    };
    switch (status.tag()) {
      case kAlive: {
        int trial = -1;
        world.recv(source, kAlive, trial);
        heard();
        break;
      }
      case kEpoch: {
        EpochReport report;
        world.recv(source, kEpoch, report);
        heard();
        if (const auto stop = dispatcher.epoch(report.trial, report.record, report.checkpoint))
          verdicts.emplace_back(source, Verdict{report.trial, *stop});
        break;
      }
      case kDone: {
        DoneReport report;
        world.recv(source, kDone, report);
        heard();
        gangs.at(report.trial).result = std::move(report.result);
        member_reported(report.trial);
        break;
      }
      case kFailed: {
        FailedReport report;
        world.recv(source, kFailed, report);
        heard();
        note_failure(report.trial, report.message, report.own, report.interrupted, source);
        member_reported(report.trial);
        break;
      }
      case kReleased: {
        ReleasedReport report;
        world.recv(source, kReleased, report);
        heard();
        if (report.failed)
          note_failure(report.trial, report.message, !report.message.empty(), report.interrupted, source);
        member_reported(report.trial);
        break;
      }
      default: {
        int ignored;
        world.recv(source, status.tag(), ignored);
      }
    }
  };

  // Group commit: each wake-up handles every message that has arrived (up to kBatchMessages) and
  // starts the trials they freed workers for, commits all their writes once, then prints their
  // lines and sends their verdicts. A no-op sweep on 8 ranks made one commit per message before:
  // its syncs were most of rank 0's time. Assignments go out before their commit: a crash in
  // between re-runs those trials, which are not `running` on disk yet.
  constexpr int kBatchMessages = 256;
  constexpr auto kBatchWindow = std::chrono::milliseconds(10);
  std::optional<mpi::status> arrived;
  while (!dispatcher.policy().all_done()) {
    if (!dispatcher.stopping() && stop_signal() != 0)
      stop_all(std::string(signal_name(stop_signal())) + " received", stop_signal());
    log.begin_batch();
    if (arrived) {
      handle(*arrived);
      // Pipelined short trials: the batch also takes what arrives within kBatchWindow of its
      // first message, so a commit covers tens of trials, not the few that arrived during the last.
      const auto window_end = Clock::now() + (dispatcher.policy().pipeline_depth() > 1 ? kBatchWindow : Clock::duration(0));
      for (int handled = 1; handled < kBatchMessages; ++handled) {
        std::optional<mpi::status> more;
        if (auto waiting = world.iprobe(mpi::any_source, mpi::any_tag)) more = *waiting;
        else if (Clock::now() < window_end)
          more = wait_for_message(world, mpi::any_source, [&] { return Clock::now() >= window_end; });
        if (!more) break;
        handle(*more);
      }
      arrived.reset();
    }
    while (auto next = dispatcher.next()) {
      const auto& [dispatch, resume] = *next;
      const auto now = Clock::now();
      gangs[dispatch.trial] = Gang{dispatch.workers, now, now, 0, std::nullopt, "", false, false};
      const sweep::TrialSpec spec = (*job.trials)[static_cast<std::size_t>(dispatch.trial)];
      Assignment assignment{dispatch.trial, spec.id, job.data_dir, job.device,
                            dispatch.workers, sweep::to_trial_config(spec.config), resume,
                            job.benchmark_trials, benchmark_point(job, spec), heartbeat_seconds(job.worker_timeout_seconds),
                            dispatcher.pruning().watches(dispatch.trial)};
      for (int worker : dispatch.workers) outbox.send(worker, kAssign, assignment);
    }
    log.end_batch();
    for (const auto& [rank, verdict] : verdicts) outbox.send(rank, kVerdict, verdict);
    verdicts.clear();
    outbox.reap();
    // Nothing running and nothing to start (stopping, or the last trials were found pruned
    // already): no message will come.
    if (gangs.empty() && (dispatcher.stopping() || dispatcher.policy().all_done())) break;
    const auto deadline = next_deadline();
    if (auto status = wait_for_message(world, mpi::any_source, [&] {
          return (!dispatcher.stopping() && stop_signal() != 0) || Clock::now() >= deadline;
        }))
      arrived = *status;
    else  // a stop signal (handled at the top of the loop), or a deadline
      check_silence();
  }
  for (int worker : workers)
    if (!lost_ranks.count(worker)) outbox.send(worker, kStop, 0);
  outcome.utilisation.available_rank_seconds =
      std::chrono::duration<double>(Clock::now() - sweep_start).count() * static_cast<double>(workers.size());
  outcome.stop_signal = dispatcher.stop_signal_seen();
  return outcome;
}

void run_worker(const mpi::communicator& world, const Placement& placement) {
  TrainerCache cache;
  // Trials rank 0 asked to stop before this worker started them (pipelined ones wait their turn):
  // each is reported interrupted when its turn comes, without running.
  std::set<int> stopped_early;
  auto interrupt = [&](int trial) { stopped_early.insert(trial); };
  for (;;) {
    const mpi::status status = *wait_for_message(world, 0);
    if (status.tag() == kStop) {
      int ignored;
      world.recv(0, kStop, ignored);
      return;
    }
    if (status.tag() == kInterrupt) {  // for a trial finished already, or one still waiting
      int trial = -1;
      world.recv(0, kInterrupt, trial);
      interrupt(trial);
      continue;
    }
    Assignment a;
    world.recv(0, kAssign, a);
    const bool leader = a.group.front() == world.rank();
    // The leader's heartbeat, from the training loop itself: a rank stuck anywhere (a peer that
    // hangs a collective included) goes silent, and rank 0 notices.
    auto last_beat = Clock::now();
    const auto beat_every = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.heartbeat_seconds));
    auto alive = [&] {
      if (!leader || Clock::now() - last_beat < beat_every) return;
      last_beat = Clock::now();
      world.send(0, kAlive, a.trial);
    };
    // Asked to stop: by rank 0 (for this trial), or by a signal to this process.
    // Interrupts sent after this assignment (it waited behind another trial) arrive after it.
    while (world.iprobe(0, kInterrupt)) {
      int trial = -1;
      world.recv(0, kInterrupt, trial);
      interrupt(trial);
    }
    bool told_to_stop = stopped_early.erase(a.trial) > 0;
    auto should_stop = [&] {
      if (stop_signal() != 0) return true;
      if (world.iprobe(0, kInterrupt)) {
        int trial = -1;
        world.recv(0, kInterrupt, trial);
        if (trial == a.trial) told_to_stop = true;
        else interrupt(trial);
      }
      return told_to_stop;
    };
    std::string error;
    bool own = true;
    std::optional<train::TrialResult> result;
    if (!a.benchmark_trials.empty()) {
      // A benchmark aid: nothing to train. A test function's epoch is committed as any epoch is.
      if (!told_to_stop && stop_signal() == 0) result = benchmark_trial(a.benchmark_trials, a.benchmark_point, [&](const train::EpochRecord& record) {
        if (leader) world.send(0, kEpoch, EpochReport{a.trial, record, train::Checkpoint{}});
      }, alive);
    } else {
      try {
        const std::string device = train::resolve_device(a.device, placement.local_rank);
        // Exclusive trials take every core of the node, the others their share; set per trial,
        // as one worker may run both kinds.
        train::set_compute_threads(trial_threads(placement, a.config.exclusive, a.group, world.rank()));
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
        train::TrialHooks hooks;
        if (leader)
          hooks.on_epoch = [&](const train::EpochRecord& record, const train::Checkpoint& checkpoint) {
            world.send(0, kEpoch, EpochReport{a.trial, record, checkpoint});
          };
        hooks.should_stop = should_stop;
        hooks.resume = &a.resume;
        hooks.alive = alive;
        if (a.pruned)  // every member takes part in sharing the verdict; the leader fetches it
          hooks.pruned_after_epoch = [&] {
            if (!leader) return false;
            for (;;) {
              const mpi::status status = *wait_for_message(world, 0);
              if (status.tag() == kInterrupt) {  // acted on at the next step, as always
                int trial = -1;
                world.recv(0, kInterrupt, trial);
                if (trial == a.trial) told_to_stop = true;
                else interrupt(trial);
                continue;
              }
              Verdict verdict;
              world.recv(0, kVerdict, verdict);
              return verdict.stop;
            }
          };
        result = trainer->run(a.config, hooks, comm.get());
        result->provenance.mpi = mpi_library();
      } catch (const dist::PeerFailed& e) {
        error = e.what();
        own = false;
      } catch (const std::exception& e) {
        error = first_line(e.what());
      } catch (...) {
        error = "unknown exception";
      }
    }
    // Stopped by a signal or by rank 0, not failed: the message carries the signal number.
    const bool interrupted = !result && (told_to_stop || stop_signal() != 0);
    if (interrupted) error = std::to_string(stop_signal());
    if (leader) {
      if (result) world.send(0, kDone, DoneReport{a.trial, *result});
      else world.send(0, kFailed, FailedReport{a.trial, error, own, interrupted});
    } else {
      world.send(0, kReleased, ReleasedReport{a.trial, !result, own || interrupted ? error : std::string(), interrupted});
    }
  }
}

SweepOutcome run_serial(const SweepJob& job, TrialLog& log) {
  TrainerCache cache;
  const std::string device = train::resolve_device(job.device, 0);
  Dispatcher dispatcher(job, {0}, log, /*may_pipeline=*/false);
  while (!dispatcher.policy().all_done()) {
    if (stop_signal() != 0) dispatcher.request_stop(std::string(signal_name(stop_signal())) + " received", stop_signal());
    auto next = dispatcher.next();
    if (!next) break;  // stopping
    const int trial = next->first.trial;
    train::TrialHooks hooks;
    bool prune_here = false;
    hooks.on_epoch = [&](const train::EpochRecord& record, const train::Checkpoint& checkpoint) {
      prune_here = dispatcher.epoch(trial, record, checkpoint).value_or(false);
    };
    if (dispatcher.pruning().watches(trial)) hooks.pruned_after_epoch = [&] { return prune_here; };
    hooks.should_stop = [] { return stop_signal() != 0; };
    hooks.resume = &next->second;
    try {
      if (!job.benchmark_trials.empty()) {
        const auto& on_epoch = hooks.on_epoch;
        dispatcher.done(trial, benchmark_trial(job.benchmark_trials, benchmark_point(job, (*job.trials)[trial]),
                                               [&](const train::EpochRecord& record) { on_epoch(record, {}); }, {}));
        continue;
      }
      auto result = cache.get(job.data_dir, device).run(sweep::to_trial_config((*job.trials)[trial].config), hooks);
      result.provenance.mpi = mpi_library() + " (linked; one process, no MPI messages)";
      dispatcher.done(trial, result);
    } catch (const store::H5Error&) {
      throw;  // the results file itself failed: not the trial's fault, and fatal
    } catch (const train::Interrupted&) {
      dispatcher.request_stop(std::string(signal_name(stop_signal())) + " received", stop_signal());
      dispatcher.interrupted(trial, dispatcher.stop_reason());
    } catch (const std::exception& e) {
      dispatcher.failed(trial, first_line(e.what()));
    }
  }
  SweepOutcome outcome;
  outcome.stop_signal = dispatcher.stop_signal_seen();
  return outcome;
}

}  // namespace aecnn::sched
