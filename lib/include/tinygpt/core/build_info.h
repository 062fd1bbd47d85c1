/// @file build_info.h
/// @brief How the library was compiled, so a program built against an installed copy can
/// check that it agrees on what matters for the ABI.
#pragma once

namespace tinygpt {

/// @brief Settings the library was compiled with.
struct BuildInfo {
  int eigen_max_align_bytes;         ///< EIGEN_MAX_ALIGN_BYTES (heap alignment)
  int eigen_max_static_align_bytes;  ///< EIGEN_MAX_STATIC_ALIGN_BYTES (fixed-size members)
  bool openmp;                       ///< built with OpenMP (Eigen's GEMM uses the threads)
  const char* version;               ///< the project's version, "major.minor.patch"
};

/// @return the settings of the compiled library (not of the caller's compilation).
BuildInfo build_info();

}  // namespace tinygpt
