#include "aecnn/error.hpp"
#include "aecnn/train/device.hpp"

namespace aecnn::train {

std::string resolve_device(const std::string& requested, int local_rank) {
  if (requested == "cpu") return "cpu";
  if (requested != "auto" && requested != "cuda")
    throw Error("--device must be auto, cpu or cuda, not '" + requested + "'");
  if (!cuda_build()) {
    if (requested == "auto") return "cpu";
    throw Error(no_cuda_reason());
  }
  return device_with_gpus(requested, local_rank, cuda_device_count());
}

std::string device_with_gpus(const std::string& requested, int local_rank, int gpus) {
  if (requested == "cpu") return "cpu";
  if (gpus <= 0) {
    if (requested == "auto") return "cpu";
    throw Error("--device cuda: this LibTorch has CUDA, but no GPU is visible to this rank");
  }
  return "cuda:" + std::to_string(local_rank % gpus);
}

}  // namespace aecnn::train
