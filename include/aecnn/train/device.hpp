#pragma once
// Which device a worker trains on, and the CUDA facts this build can know. The CUDA parts live in
// one of two translation units chosen by CMake: cuda_device.cpp with a CUDA LibTorch, or
// cpu_only_device.cpp with a CPU-only one (where asking for CUDA is a clear error).
#include <cstdint>
#include <string>

namespace aecnn::train {

/// Whether this binary's LibTorch was built with CUDA.
bool cuda_build();

/// Why this build cannot train on CUDA, worded for the user; empty when it can.
std::string no_cuda_reason();

/// CUDA devices visible to this process (0 on a CPU-only build or a machine without GPUs).
int cuda_device_count();

/// Resolves --device for a worker whose node-local rank is `local_rank`: "cpu" or "cuda:N" with
/// N = local_rank % GPUs on the node. `requested` is auto (CUDA when there is a GPU), cpu or cuda.
/// Throws aecnn::Error for cuda on a CPU-only build or a machine without a GPU.
std::string resolve_device(const std::string& requested, int local_rank);

/// The same decision for a node with `gpus` GPUs and a CUDA build, whatever this machine has:
/// what `aecnn-sweep --placement --placement-gpus N` prints. Throws for cuda with gpus == 0.
std::string device_with_gpus(const std::string& requested, int local_rank, int gpus);

/// CUDA caching allocator: reset the peak of device `index`, read it (bytes in use by tensors),
/// and torch's current stream on it (a cudaStream_t), for NCCL to order its work with torch's.
void cuda_reset_peak(int index);
std::int64_t cuda_peak_bytes(int index);
std::int64_t cuda_allocated_bytes(int index);
void* cuda_current_stream(int index);
/// "NVIDIA H200, 139.8 GiB, compute 9.0": the GPU's name, memory and compute capability.
std::string cuda_device_description(int index);

}  // namespace aecnn::train
