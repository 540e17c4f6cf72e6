#pragma once
// The scheduler's wire protocol. Rank 0 is the scheduler; ranks 1..N-1 are workers.
//  1. Rank 0 parses the sweep and opens results.h5, then broadcasts whether setup succeeded.
//  2. Rank 0 sends kAssign{trial, group} to each worker of the trial's group (one worker, or k for
//     a data-parallel trial; group.front() leads). The group's members make a communicator among
//     themselves alone and train the trial together.
//  3. The leader sends kEpoch{row, checkpoint} after every epoch, then kDone{result} or
//     kFailed{message}; every other member sends kReleased when it is done with the trial,
//     failed or not. Between them the leader sends kAlive{trial} at most every
//     Assignment::heartbeat_seconds, from its training steps and evaluation batches.
//  3b. A running trial from whose ranks rank 0 hears nothing (no message of any tag) for the
//     sweep's worker_timeout is lost: a rank hung, was stopped, or is cut off (a gang waits in
//     its collective for such a rank, so the leader's silence covers every member). Rank 0
//     records it interrupted with the reason, stops the sweep as after a signal, ignores what
//     those ranks send later, and ends the job with MPI_Abort (exit code 4): a lost rank can
//     take part in no MPI_Finalize. Rank 0 never blocks on a send: every message to a worker is
//     an isend, so a stopped worker cannot hold it up.
//  3a. On a stop signal rank 0 sends kInterrupt{trial} to every member of every running trial;
//     they stop at the next training step and report with `interrupted` set. A worker that
//     catches a signal itself reports its trial interrupted, and rank 0 then stops the sweep.
//  3c. For a trial a pruner watches (Assignment::pruned), the leader waits after each kEpoch
//     for rank 0's kVerdict{trial, stop}: rank 0 decides, commits the decision with the epoch,
//     then answers. On stop every member ends the trial there (the trainer shares the leader's
//     answer) and reports as in step 3, the result marked pruned. A kInterrupt that arrives
//     first is kept for the next step; the verdict still comes.
//  4. Rank 0 commits each message to results.h5 as it arrives; once all of a trial's workers have
//     reported, they are free and the next trials are assigned.
//  5. When no trial is left (or after a stop signal, once every running trial has reported),
//     rank 0 sends kStop to every worker; all ranks finalise.
// Messages are Boost.Serialization archives; the structs below are their whole content.
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <string>

#include "aecnn/sweep/trial_config.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

enum Tag : int {
  kAssign = 1, kStop = 2, kEpoch = 3, kDone = 4, kFailed = 5, kReleased = 6, kInterrupt = 7, kAlive = 8,
  kVerdict = 9
};

struct Assignment {
  int trial = 0;  ///< index into the scheduler's trial list
  std::string trial_id;
  std::string data_dir;
  std::string device;      ///< as requested: auto, cpu or cuda; each worker resolves its own GPU
  std::vector<int> group;  ///< world ranks that train the trial; group.front() leads
  sweep::TrialConfig config;
  train::Checkpoint resume;  ///< where an earlier attempt got to (empty: from scratch)
  std::string benchmark_trials;  ///< "" (train), or a benchmark aid (benchmark_trials.hpp)
  std::vector<double> benchmark_point;  ///< a test function's trial: its point in the unit cube
  double heartbeat_seconds = 60;  ///< the leader says kAlive at most this often
  bool pruned = false;  ///< a pruner watches the trial: the leader waits for a kVerdict after each epoch (3c)
};

/// Rank 0's answer to a pruned trial's kEpoch: whether the trial ends there.
struct Verdict {
  int trial = 0;
  bool stop = false;
};

struct EpochReport {
  int trial = 0;
  train::EpochRecord record;
  train::Checkpoint checkpoint;
};

struct DoneReport {
  int trial = 0;
  train::TrialResult result;
};

struct FailedReport {
  int trial = 0;
  std::string message;
  bool own = true;  ///< false: this rank only stopped because another rank of the trial failed
  bool interrupted = false;  ///< stopped by a signal, not failed
};

/// A non-leading member of a trial's group is done with it.
struct ReleasedReport {
  int trial = 0;
  bool failed = false;
  std::string message;  ///< this rank's own error, if it had one
  bool interrupted = false;
};

}  // namespace aecnn::sched

// Non-intrusive serialisation, so the sweep and train modules know nothing of Boost.
namespace boost::serialization {

template <class Archive>
void serialize(Archive& ar, aecnn::sweep::TrialConfig& c, unsigned) {
  ar & c.attention & c.channel_ratio & c.batch_size & c.epochs & c.lr & c.schedule & c.lr_horizon;
  ar & c.conv_dropout & c.fc_dropout & c.l2 & c.patience & c.seed & c.train_images & c.eval_images & c.ranks & c.exclusive;
}
template <class Archive>
void serialize(Archive& ar, aecnn::train::EpochRecord& r, unsigned) {
  ar & r.epoch & r.lr & r.loss & r.accuracy & r.val_loss & r.val_accuracy & r.epoch_seconds & r.train_seconds;
}
template <class Archive>
void serialize(Archive& ar, aecnn::train::NamedArray& a, unsigned) {
  ar & a.name & a.shape & a.values;
}
template <class Archive>
void serialize(Archive& ar, aecnn::train::Checkpoint& c, unsigned) {
  ar & c.epochs_done & c.lr & c.history & c.model & c.best_model & c.optimizer;
  ar & c.stop_wait & c.best_epoch & c.best_val_loss & c.seconds;
}
template <class Archive>
void serialize(Archive& ar, aecnn::train::Provenance& p, unsigned) {
  ar & p.host & p.cpu_model & p.cpus_online & p.cpus_allowed & p.device & p.libtorch & p.cpu_capability & p.blas;
  ar & p.mpi & p.compiler & p.tool_version;
}
template <class Archive>
void serialize(Archive& ar, aecnn::train::TrialResult& r, unsigned) {
  ar & r.history & r.epochs_run & r.best_epoch & r.stopped_early & r.restored_best & r.pruned;
  ar & r.train_eval_loss & r.train_eval_accuracy;
  ar & r.test_loss & r.test_accuracy & r.test_precision & r.test_recall & r.test_f1;
  ar & r.class_precision & r.class_recall & r.class_f1 & r.class_support & r.confusion;
  ar & r.params_trainable & r.params_total & r.train_images & r.validation_images & r.test_images;
  ar & r.threads & r.device & r.peak_memory_bytes & r.memory_baseline_bytes & r.memory_measure & r.wall_seconds;
  ar & r.provenance;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::Assignment& a, unsigned) {
  ar & a.trial & a.trial_id & a.data_dir & a.device & a.group & a.config & a.resume & a.benchmark_trials;
  ar & a.benchmark_point & a.heartbeat_seconds & a.pruned;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::Verdict& m, unsigned) {
  ar & m.trial & m.stop;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::EpochReport& m, unsigned) {
  ar & m.trial & m.record & m.checkpoint;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::DoneReport& m, unsigned) {
  ar & m.trial & m.result;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::FailedReport& m, unsigned) {
  ar & m.trial & m.message & m.own & m.interrupted;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::ReleasedReport& m, unsigned) {
  ar & m.trial & m.failed & m.message & m.interrupted;
}

}  // namespace boost::serialization
