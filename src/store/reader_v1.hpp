#pragma once
// Private to the store: reading files of format 1, one group per trial (`/trials/<id>/`, its
// attributes, `config/`, `history/`, `metrics/`, `provenance/`, `checkpoint/`), which releases
// before format 2 wrote. aecnn-analyze and export read them as they are; `aecnn-sweep upgrade`
// converts them.
#include <hdf5.h>

#include <optional>
#include <string>
#include <vector>

#include "aecnn/store/reader.hpp"

namespace aecnn::store::format_v1 {

/// Every trial group of the file, in the order of their names.
std::vector<TrialRecord> read_trials(hid_t file, const std::string& path);

/// The trial's latest checkpoint, or nothing; throws H5Error when the file has no such trial.
std::optional<train::Checkpoint> read_checkpoint(hid_t file, const std::string& path, const std::string& trial_id,
                                                 bool with_optimizer);

}  // namespace aecnn::store::format_v1
