#pragma once
// Seeds of one setting are compared as repeats of one measurement. That holds only if they ran on
// the same kind of hardware with the same software: another CPU model, thread count, BLAS or
// LibTorch changes timings, and the last bits of every result.
#include <string>
#include <vector>

#include "aecnn/analysis/experiment_summary.hpp"

namespace aecnn::analysis {

/// One warning per setting of `experiment` whose done trials differ in CPU model, cores,
/// threads, device, LibTorch, its CPU kernels, BLAS, MPI, compiler or tool version, naming
/// the fields and their values. Trials without a provenance record (older files) are skipped.
std::vector<std::string> mixed_provenance(const std::string& experiment, const std::vector<Setting>& settings);

}  // namespace aecnn::analysis
