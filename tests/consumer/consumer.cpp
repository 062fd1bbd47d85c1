// Calls an Eigen-typed function of the installed library and checks ABI agreement.
#include <iostream>

#include "tinygpt/core/build_info.h"
#include "tinygpt/nn/matmul.h"

int main() {
  const tinygpt::BuildInfo library = tinygpt::build_info();
  if (library.eigen_max_static_align_bytes != EIGEN_MAX_STATIC_ALIGN_BYTES ||
      library.eigen_max_align_bytes != EIGEN_MAX_ALIGN_BYTES) {
    std::cerr << "Eigen alignment differs: library " << library.eigen_max_align_bytes << "/"
              << library.eigen_max_static_align_bytes << ", consumer " << EIGEN_MAX_ALIGN_BYTES
              << "/" << EIGEN_MAX_STATIC_ALIGN_BYTES << "\n";
    return 1;
  }
  tinygpt::Matrix a(2, 3), b(3, 2), out(2, 2);
  a << 1, 2, 3, 4, 5, 6;
  b << 1, 0, 0, 1, 2, -1;
  tinygpt::nn::matmul_forward(out, a, b, false, false);
  tinygpt::Matrix expected(2, 2);
  expected << 7, -1, 16, -1;
  if (out != expected) {
    std::cerr << "matmul_forward gave\n" << out << "\n";
    return 1;
  }
  std::cout << "consumer: tinygpt " << library.version << " works, Eigen alignment "
            << library.eigen_max_align_bytes << "\n";
  return 0;
}
