/// @file distributed.h
/// @brief Data-parallel training: the few collective operations the trainer needs, behind
/// one small interface with two implementations chosen at build time (CMake option
/// TINYGPT_MPI): MPI's (src/train/distributed_mpi.cpp) and one process alone
/// (src/train/distributed_single.cpp).
///
/// With P processes ("ranks") every rank holds a full replica of the model and takes
/// 1/P of every global batch; after backward the ranks average their gradients
/// (allreduce_mean_gradients), so every replica applies the same update a single process
/// would apply with the whole batch, and the replicas stay identical.
///
/// Only the main thread calls MPI (MPI_THREAD_FUNNELED): OpenMP threads compute, the main
/// thread communicates between steps.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/parameters.h"

namespace tinygpt::train {

/// @brief The processes of a run and the collectives between them. Every rank must call
/// the same collectives in the same order (MPI's rule), or the run deadlocks.
class Communicator {
 public:
  virtual ~Communicator() = default;
  /// @return this process's index, in [0, size()).
  virtual int rank() const = 0;
  /// @return P, the number of processes.
  virtual int size() const = 0;
  /// @return whether this is rank 0, the one that writes files and prints progress.
  bool is_root() const { return rank() == 0; }
  /// @brief Replaces `values` on every rank by their element-wise sum over all ranks.
  /// @param values the same number of values on every rank, at most 2^31 - 1.
  virtual void allreduce_sum(std::span<float> values) = 0;
  /// @param value this rank's value.
  /// @return the sum of `value` over all ranks (the same on every rank).
  virtual double allreduce_sum(double value) = 0;
  /// @param flag this rank's flag.
  /// @return whether any rank's flag is true.
  virtual bool allreduce_any(bool flag) = 0;
  /// @brief Returns once every rank has called it.
  virtual void barrier() = 0;
};

/// @brief One process alone: rank 0 of 1, every collective returns its input.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(std::span<float>) override {}
  double allreduce_sum(double value) override { return value; }
  bool allreduce_any(bool flag) override { return flag; }
  void barrier() override {}
};

/// @return whether this library was built with MPI (TINYGPT_MPI).
bool built_with_mpi();

/// @brief Starts MPI for its lifetime when the program was launched by mpirun (or another
/// MPI launcher) and the library has MPI; otherwise does nothing and the program is one
/// process. A program that may run under mpirun makes one at the top of main().
///
/// Started by a launcher is recognised from the launcher's environment (OMPI_COMM_WORLD_SIZE,
/// PMI_SIZE, PMIX_RANK): a plain `tinygpt ...` never initialises MPI, so it starts as fast as
/// ever and needs no MPI daemon.
///
/// Threads: when OMP_NUM_THREADS is not set, each rank gets the CPUs it may run on divided
/// by the ranks that share them, at least 1 (2 ranks on 2 cores: 1 thread each), so ranks
/// do not fight over cores. A rank that mpirun bound to one core gets 1 thread.
class DistributedSession {
 public:
  /// @param argc main()'s argc, passed to MPI_Init_thread.
  /// @param argv main()'s argv.
  DistributedSession(int* argc, char*** argv);
  /// Calls MPI_Finalize when MPI was started.
  ~DistributedSession();
  DistributedSession(const DistributedSession&) = delete;
  DistributedSession& operator=(const DistributedSession&) = delete;

  /// @brief Ends every process of the job with `status` (MPI_Abort) when there is more than
  /// one: after an error on one rank, the others may wait in a collective forever. With one
  /// process it does nothing, and the caller returns `status` itself.
  /// @param status the exit status.
  void abort_job(int status);
};

/// @return the communicator of all processes of the job: MPI's world when a
/// DistributedSession started MPI, otherwise a SingleProcess.
Communicator& world_communicator();

/// @brief An error that every rank of the job knows about (agree_on_errors()), so all of them
/// stop together and none waits in a collective for the others.
class AgreedError : public Error {
 public:
  /// @param message the rank's own error, or a note that another rank failed.
  /// @param should_print whether this rank is the one to print it: rank 0 prints its own
  ///        error; another rank prints its own only when rank 0 had none (so an error every
  ///        rank hits, a bad setting, is printed once).
  /// @param check the failed check behind the rank's own error (Error::check()), or "".
  AgreedError(const std::string& message, bool should_print, std::string check = {})
      : Error(message, std::move(check)), should_print_(should_print) {}
  /// @return whether this rank prints the message.
  bool should_print() const { return should_print_; }

 private:
  bool should_print_;
};

/// @brief Runs `work` on every rank, then agrees on whether it failed anywhere: when it
/// threw on some rank, every rank throws AgreedError (with its own message, or
/// "another rank failed"). Costs two allreduces of one flag, so it suits the setup of a run,
/// not every step. A collective inside `work` must be reached by every rank.
/// @param communicator the ranks.
/// @param work what to do.
void agree_on_errors(Communicator& communicator, const std::function<void()>& work);

/// @brief Averages the parameters' gradients over all ranks, in buckets.
///
/// Gradients are copied, in the order of the ParameterSet, into a bucket of a fixed size;
/// each full bucket is summed over the ranks with one allreduce, scaled by 1/P and copied
/// back. Why buckets: one allreduce per parameter would pay the per-message latency and the
/// ranks' synchronisation dozens of times per step (a GPT has 4 + 12 L tensors, many tiny),
/// while one allreduce of the whole gradient would need a second full copy of it. A few MB
/// per call keeps both costs small. The fixed order matters: every rank must issue the same
/// calls with the same sizes.
///
/// Not overlapped with backward: on 2 cores there is no idle core to communicate while the
/// other computes, and with 1 thread per rank the allreduce of the small config costs a
/// small fraction of a step (steps/03-pretraining/README.md has the measurement).
class GradientAverager {
 public:
  /// @param bucket_floats values per bucket, at least 1 (the default: 1 Mi floats, 4 MB).
  explicit GradientAverager(std::int64_t bucket_floats = std::int64_t{1} << 20);
  /// @brief Replaces every gradient by its mean over the ranks; does nothing with one rank.
  /// @param communicator the ranks.
  /// @param parameters the same parameters (names, shapes, order) on every rank.
  /// @return the seconds spent, waiting for the slowest rank included.
  double average(Communicator& communicator, ParameterSet& parameters);

 private:
  // A piece of one gradient that sits in the bucket, in bucket order.
  struct Piece {
    float* grad;
    std::size_t count;
  };
  std::size_t bucket_floats_;
  std::vector<float> bucket_;
  std::vector<Piece> pieces_;  // kept, so a step allocates nothing after the first
};

}  // namespace tinygpt::train
