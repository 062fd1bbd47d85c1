// Catch2's main, compiled once for all test executables (see steps/common/CMakeLists.txt).
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>  // Catch2 v3
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>  // Catch2 v2
#endif

#include "tinygpt/core/blas_kernel.h"

int main(int argc, char* argv[]) {
  tinygpt::use_fast_blas_kernel(argv);
  return Catch::Session().run(argc, argv);
}
