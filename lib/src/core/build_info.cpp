#include "tinygpt/core/build_info.h"

#include <Eigen/Core>

namespace tinygpt {

BuildInfo build_info() {
  return BuildInfo{EIGEN_MAX_ALIGN_BYTES, EIGEN_MAX_STATIC_ALIGN_BYTES,
#ifdef _OPENMP
                   true,
#else
                   false,
#endif
                   TINYGPT_VERSION};
}

}  // namespace tinygpt
