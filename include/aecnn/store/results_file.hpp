#pragma once
// results.h5: the one file a sweep writes (rank 0 only) and the analysis reads.
// Layout (docs/results-format.md):
//   /                      attrs: format, format_version, tool_version, sweep_name, sweep_hash,
//                                 sweep_file, sweep_toml, data_dir
//   /trials/<id>/          attrs: id, experiment, index, hash, status, error, attempts, ranks,
//                                 started, finished, wall_seconds, params_trainable, params_total,
//                                 threads, train_images, validation_images, test_images, varying
//     config/              one attribute per resolved config key (typed)
//     history/             1-D extendible datasets: epoch, lr, loss, accuracy, val_loss,
//                          val_accuracy, epoch_seconds
//     metrics/             attrs: test_loss, test_accuracy
#include <string>

#include "aecnn/error.hpp"

namespace aecnn::store {

/// Identifies our files: the root attribute `format` holds this.
inline constexpr const char* kFormatName = "aecnn-sweep results";
/// Bumped when the layout changes incompatibly; readers refuse newer versions.
inline constexpr int kFormatVersion = 1;

/// Trial status values, as stored in the `status` attribute.
inline constexpr const char* kStatusRunning = "running";
inline constexpr const char* kStatusDone = "done";
inline constexpr const char* kStatusFailed = "failed";
/// Stopped by a signal; its latest checkpoint continues it when the sweep is run again.
inline constexpr const char* kStatusInterrupted = "interrupted";

/// An HDF5 problem; what() names the file and the object path.
class H5Error : public Error {
 public:
  using Error::Error;
};

}  // namespace aecnn::store
