// train/distributed.h without MPI (TINYGPT_MPI off): every run is one process.
#include "distributed_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/train/distributed.h"

namespace tinygpt::train {

bool built_with_mpi() {
  return false;
}

DistributedSession::DistributedSession(int*, char***) {
  // Under mpirun each process would believe it is alone: P identical runs writing the same
  // files. Refuse instead.
  TINYGPT_CHECK(detail::launched_process_count() <= 1,
                "this tinygpt was built without MPI, so it cannot train on ",
                detail::launched_process_count(),
                " processes; install libopenmpi-dev and rebuild (CMake option TINYGPT_MPI), or "
                "run it without mpirun");
}

DistributedSession::~DistributedSession() = default;

void DistributedSession::abort_job(int) {}

Communicator& world_communicator() {
  static SingleProcess single;
  return single;
}

}  // namespace tinygpt::train
