#pragma once
// Picks a trial's communicator once: Solo for one rank, MPI for CPU tensors, NCCL for CUDA ones.
#include <mpi.h>

#include <memory>
#include <vector>

#include "aecnn/dist/communicator.hpp"

namespace aecnn::dist {

/// Whether this build has the NCCL backend (CUDA + NCCL found, and a CUDA LibTorch to feed it).
bool nccl_available();

/// The communicator of one trial among `world_ranks` of `world` (the first leads). Every listed
/// rank, and only those, calls this with the same arguments; `tag` tells concurrent gangs apart.
/// `cuda_device` >= 0 selects NCCL on that device, ordered on `cuda_stream` (torch's stream);
/// -1 selects MPI. Throws aecnn::Error when NCCL is asked for but not built in.
std::unique_ptr<Communicator> make_communicator(MPI_Comm world, const std::vector<int>& world_ranks, int tag,
                                                int cuda_device, void* cuda_stream);

}  // namespace aecnn::dist
