// Shared by the two implementations of train/distributed.h.
#pragma once

#include <cstdlib>
#include <string>

namespace tinygpt::train::detail {

// Whether an MPI launcher (mpirun, mpiexec, srun) started this process, from the variables
// it sets: OpenMPI's OMPI_COMM_WORLD_SIZE, PMI_SIZE of MPICH's Hydra and Slurm, PMIx's
// PMIX_RANK.
inline bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

// The job's process count as the launcher announces it, or 0 when it does not say.
inline int launched_process_count() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* value = std::getenv(name)) return std::atoi(value);
  }
  return 0;
}

}  // namespace tinygpt::train::detail
