#include "aecnn/dist/make_communicator.hpp"

#include "aecnn/dist/mpi_communicator.hpp"
#include "aecnn/error.hpp"
#if AECNN_WITH_NCCL
#include "aecnn/dist/nccl_communicator.hpp"
#endif

namespace aecnn::dist {

bool nccl_available() { return AECNN_WITH_NCCL != 0; }

std::unique_ptr<Communicator> make_communicator(MPI_Comm world, const std::vector<int>& world_ranks, int tag,
                                                int cuda_device, void* cuda_stream) {
  if (world_ranks.size() == 1) return std::make_unique<SoloCommunicator>();
  auto host = std::make_unique<MpiCommunicator>(world, world_ranks, tag);
  if (cuda_device < 0) return host;
#if AECNN_WITH_NCCL
  // The leader makes NCCL's id; the trial's own MPI communicator carries it to the others.
  NcclId id{};
  if (host->rank() == 0) id = NcclCommunicator::new_id();
  MPI_Bcast(id.data(), static_cast<int>(id.size()), MPI_BYTE, 0, host->get());
  const int rank = host->rank(), size = host->size();
  auto nccl = std::make_unique<NcclCommunicator>(id, rank, size, cuda_device, std::move(host));
  nccl->set_stream(cuda_stream);
  return nccl;
#else
  (void)cuda_stream;
  throw Error("a data-parallel trial on CUDA needs NCCL, and this aecnn-sweep was built without it "
              "(CMake found no CUDA LibTorch, CUDA toolkit or NCCL: see the configure output)");
#endif
}

}  // namespace aecnn::dist
