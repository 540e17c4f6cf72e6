// Built with a CPU-only LibTorch (Debian's): there is no CUDA device to use or measure, and the
// functions below are reached only through a request for one, which resolve_device refuses first.
#include "aecnn/error.hpp"
#include "aecnn/train/device.hpp"

namespace aecnn::train {
namespace {

const char* const kReason =
    "this aecnn-sweep was built with a CPU-only LibTorch; for --device cuda build it against a "
    "CUDA LibTorch (CMAKE_PREFIX_PATH, docs/gpu.md)";

[[noreturn]] void no_cuda() { throw Error(kReason); }

}  // namespace

bool cuda_build() { return false; }
std::string no_cuda_reason() { return kReason; }
int cuda_device_count() { return 0; }
void cuda_reset_peak(int) { no_cuda(); }
std::int64_t cuda_peak_bytes(int) { no_cuda(); }
std::int64_t cuda_allocated_bytes(int) { no_cuda(); }
void* cuda_current_stream(int) { no_cuda(); }
std::string cuda_device_description(int) { no_cuda(); }

}  // namespace aecnn::train
