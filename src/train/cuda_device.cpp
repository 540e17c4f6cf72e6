// Built only with a CUDA LibTorch (CMake: CAFFE2_USE_CUDA).
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>

#include <cstdio>

#include "aecnn/train/device.hpp"

namespace aecnn::train {

bool cuda_build() { return true; }
std::string no_cuda_reason() { return ""; }

int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

void cuda_reset_peak(int index) { c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(index)); }

std::int64_t cuda_peak_bytes(int index) {
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
  return stats.allocated_bytes[0].peak;  // [0]: the aggregate over small and large pools
}

std::int64_t cuda_allocated_bytes(int index) {
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
  return stats.allocated_bytes[0].current;
}

void* cuda_current_stream(int index) {
  return c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(index)).stream();
}

std::string cuda_device_description(int index) {
  const cudaDeviceProp* properties = at::cuda::getDeviceProperties(static_cast<c10::DeviceIndex>(index));
  char text[320];
  std::snprintf(text, sizeof text, "%s, %.1f GiB, compute %d.%d", properties->name,
                static_cast<double>(properties->totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), properties->major,
                properties->minor);
  return text;
}

}  // namespace aecnn::train
