#pragma once
// What a trial's process runs on and with, for its record (train::Provenance). The MPI version
// is the caller's to add: this module does not depend on MPI.
#include <string>

#include "aecnn/train/records.hpp"

namespace aecnn::train {

/// This process: host, CPU, the cores it may use, `device` ("cpu" or "cuda:N") described,
/// LibTorch's version and CPU kernels, the BLAS in use, the compiler and the tool's version.
Provenance describe_process(const std::string& device);

}  // namespace aecnn::train
