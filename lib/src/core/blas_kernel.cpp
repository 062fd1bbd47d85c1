#include "tinygpt/core/blas_kernel.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#ifdef EIGEN_USE_BLAS
extern "C" char* openblas_get_corename(void);
#endif

namespace tinygpt {

const char* blas_kernel_name() {
#ifdef EIGEN_USE_BLAS
  return openblas_get_corename();
#else
  return "none";
#endif
}

void use_fast_blas_kernel(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  if (std::strcmp(blas_kernel_name(), "Prescott") != 0) return;
  const char* kernel = __builtin_cpu_supports("avx512f") ? "SkylakeX"
                       : __builtin_cpu_supports("avx2")  ? "Haswell"
                                                         : nullptr;
  if (kernel == nullptr) return;  // Prescott's kernel is right for this CPU
  setenv("OPENBLAS_CORETYPE", kernel, 1);
  execv("/proc/self/exe", argv);
  // execv returns only when it failed: go on with the slow kernel rather than not at all.
}

}  // namespace tinygpt
