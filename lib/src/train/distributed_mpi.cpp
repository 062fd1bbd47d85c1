// train/distributed.h over MPI (TINYGPT_MPI on). Only the main thread calls MPI
// (MPI_THREAD_FUNNELED). MPI's default error handler, MPI_ERRORS_ARE_FATAL, ends the whole
// job on a failed call, so the calls' return codes are not checked here.
#include <mpi.h>
#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <vector>

#include "distributed_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/train/distributed.h"

namespace tinygpt::train {

namespace {

bool g_started = false;  // whether DistributedSession called MPI_Init_thread

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(std::span<float> values) override {
    TINYGPT_CHECK(values.size() <= static_cast<std::size_t>(INT_MAX),
                  "allreduce_sum: at most 2^31 - 1 values per call, got ", values.size());
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_FLOAT, MPI_SUM,
                  MPI_COMM_WORLD);
  }
  double allreduce_sum(double value) override {
    double sum = 0.0;
    MPI_Allreduce(&value, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return sum;
  }
  bool allreduce_any(bool flag) override {
    int mine = flag ? 1 : 0, any = 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return any != 0;
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Threads per rank: the CPUs this rank may run on, divided by the ranks of this machine
// whose CPUs overlap them. Unbound ranks (mpirun --bind-to none, or oversubscribed) all see
// every CPU and share them; ranks bound to their own cores (OpenMPI's default for up to 2
// ranks) keep theirs. Without this, P ranks with one thread per core each would run P times
// more threads than cores and slow each other down.
int threads_per_rank() {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof mine, &mine) != 0) return 1;
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  int local_size = 1;
  MPI_Comm_size(local, &local_size);
  std::vector<cpu_set_t> all(static_cast<std::size_t>(local_size));
  MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, local);
  MPI_Comm_free(&local);
  int sharing = 0;
  for (cpu_set_t& other : all) {
    cpu_set_t both;
    CPU_AND(&both, &mine, &other);
    if (CPU_COUNT(&both) > 0) ++sharing;
  }
  return std::max(1, CPU_COUNT(&mine) / std::max(1, sharing));
}

}  // namespace

bool built_with_mpi() {
  return true;
}

DistributedSession::DistributedSession(int* argc, char*** argv) {
  if (!detail::launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  g_started = true;
  TINYGPT_CHECK(provided >= MPI_THREAD_FUNNELED,
                "this MPI does not allow threads beside MPI (MPI_THREAD_FUNNELED); the trainer "
                "computes with OpenMP threads while the main thread calls MPI");
  const int threads = threads_per_rank();
  if (std::getenv("OMP_NUM_THREADS") == nullptr) omp_set_num_threads(threads);
}

DistributedSession::~DistributedSession() {
  if (g_started) MPI_Finalize();
  g_started = false;
}

void DistributedSession::abort_job(int status) {
  if (g_started && world_communicator().size() > 1) MPI_Abort(MPI_COMM_WORLD, status);
}

Communicator& world_communicator() {
  if (!g_started) {
    static SingleProcess single;
    return single;
  }
  static MpiWorld world;
  return world;
}

}  // namespace tinygpt::train
