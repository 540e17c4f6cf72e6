#pragma once
// The scheduler's wire protocol. Rank 0 is the scheduler; ranks 1..N-1 are workers.
//  1. Rank 0 parses the sweep and opens results.h5, then broadcasts whether setup succeeded.
//  2. Rank 0 sends kAssign{trial} to a free worker; the worker trains it.
//  3. The worker sends kEpoch after every epoch, then kDone{result} or kFailed{message}.
//  4. Rank 0 commits each message to results.h5 as it arrives, and assigns the next trial.
//  5. When no trial is left, rank 0 sends kStop to every worker; all ranks finalise.
// Messages are Boost.Serialization archives; the structs below are their whole content.
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <string>

#include "aecnn/sweep/trial_config.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

enum Tag : int { kAssign = 1, kStop = 2, kEpoch = 3, kDone = 4, kFailed = 5 };

struct Assignment {
  int trial = 0;  ///< index into the scheduler's trial list
  std::string trial_id;
  std::string data_dir;
  sweep::TrialConfig config;
};

struct EpochReport {
  int trial = 0;
  train::EpochRecord record;
};

struct DoneReport {
  int trial = 0;
  train::TrialResult result;
};

struct FailedReport {
  int trial = 0;
  std::string message;
};

}  // namespace aecnn::sched

// Non-intrusive serialisation, so the sweep and train modules know nothing of Boost.
namespace boost::serialization {

template <class Archive>
void serialize(Archive& ar, aecnn::sweep::TrialConfig& c, unsigned) {
  ar & c.attention & c.channel_ratio & c.batch_size & c.epochs & c.lr & c.schedule & c.lr_horizon;
  ar & c.conv_dropout & c.fc_dropout & c.l2 & c.patience & c.seed & c.train_images & c.eval_images;
}
template <class Archive>
void serialize(Archive& ar, aecnn::train::EpochRecord& r, unsigned) {
  ar & r.epoch & r.lr & r.loss & r.accuracy & r.val_loss & r.val_accuracy & r.epoch_seconds & r.train_seconds;
}
template <class Archive>
void serialize(Archive& ar, aecnn::train::TrialResult& r, unsigned) {
  ar & r.history & r.epochs_run & r.best_epoch & r.stopped_early & r.restored_best;
  ar & r.train_eval_loss & r.train_eval_accuracy;
  ar & r.test_loss & r.test_accuracy & r.test_precision & r.test_recall & r.test_f1;
  ar & r.class_precision & r.class_recall & r.class_f1 & r.class_support & r.confusion;
  ar & r.params_trainable & r.params_total & r.train_images & r.validation_images & r.test_images;
  ar & r.threads & r.device & r.peak_memory_bytes & r.memory_baseline_bytes & r.memory_measure & r.wall_seconds;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::Assignment& a, unsigned) {
  ar & a.trial & a.trial_id & a.data_dir & a.config;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::EpochReport& m, unsigned) {
  ar & m.trial & m.record;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::DoneReport& m, unsigned) {
  ar & m.trial & m.result;
}
template <class Archive>
void serialize(Archive& ar, aecnn::sched::FailedReport& m, unsigned) {
  ar & m.trial & m.message;
}

}  // namespace boost::serialization
