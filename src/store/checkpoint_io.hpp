#pragma once
// Private to the store: a trial's checkpoints in results.h5 (docs/results-format.md). A trial's
// checkpoint group is `/checkpoints/<id>` (format 2; `/trials/<id>/checkpoint` in format 1):
//
//   <checkpoint group>/            attrs: latest ("slot_0" or "slot_1"), epochs_done
//     slot_0/, slot_1/             attrs: epochs_done, lr, stop_wait, best_epoch, best_val_loss, seconds
//       model/<name>               float32, the tensor's shape: every parameter and buffer
//       best_model/<name>          the same for the lowest val_loss so far
//       optimizer                  uint8: Adam's state as a torch::serialize archive
//       history                    float64 [epochs_done x 8], the history columns
//     latest -> slot_k             soft link, for h5py users
//
// Two slots, written alternately: a new checkpoint goes into the slot `latest` does NOT name,
// is flushed, and only then does `latest` switch to it. A kill at any moment leaves `latest`
// naming a complete checkpoint. Rewriting a slot in place keeps the file from growing.
// Every function takes the checkpoint group as `parent` and the group's name in it.
#include <hdf5.h>

#include <array>
#include <optional>
#include <string>

#include "aecnn/train/records.hpp"

namespace aecnn::store {

/// The history columns, in the order of train::EpochRecord's fields.
inline constexpr std::array<const char*, 8> kHistoryColumns = {
    "epoch", "lr", "loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds", "train_seconds"};

inline std::array<double, 8> history_row(const train::EpochRecord& r) {
  return {static_cast<double>(r.epoch), r.lr, r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.epoch_seconds,
          r.train_seconds};
}
inline train::EpochRecord from_history_row(const double* v) {
  return {static_cast<int>(v[0]), v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
}

}  // namespace aecnn::store

namespace aecnn::store::checkpoint_io {

/// The slot the next checkpoint goes into (creates the checkpoint group if needed).
std::string next_slot(hid_t parent, const std::string& group, const std::string& where);
/// Writes `checkpoint` into `slot`, which must not be the latest.
void write_slot(hid_t parent, const std::string& group, const std::string& slot, const train::Checkpoint& checkpoint,
                const std::string& where);
/// Makes `slot` (already written and flushed) the latest checkpoint.
void make_latest(hid_t parent, const std::string& group, const std::string& slot, int epochs_done, const std::string& where);
/// The latest checkpoint, or nothing if the trial has none. Without `with_optimizer` the
/// optimizer state stays unread (export needs only the weights).
std::optional<train::Checkpoint> read_latest(hid_t parent, const std::string& group, const std::string& where,
                                            bool with_optimizer);
/// A done trial keeps only what is worth keeping: the latest slot's model and best_model.
/// False when the trial had no checkpoint, so nothing changed.
bool drop_resume_state(hid_t parent, const std::string& group);
/// Removes every checkpoint of the trial (keep_weights). False when it had none.
bool drop_checkpoints(hid_t parent, const std::string& group);

/// Format 1: the trial group's `history/` rows (whole rows only: a kill between two column appends of an
/// uncommitted writer could leave one column longer).
std::vector<train::EpochRecord> read_history(hid_t trial_group, const std::string& where);

}  // namespace aecnn::store::checkpoint_io
