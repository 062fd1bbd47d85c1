// How fast is tinygpt::nn::matmul, compared with what this machine can do?
//
// The yardstick (steps/common/bench_support.hpp) is measured first, in the same run.
// Shapes: square sizes, and the products of a small GPT
// with B*T = 512 rows and C = 256 channels (QKV and MLP projections, the same with
// PyTorch's weight layout y = x W^T, and the weight gradient x^T dy).
//
// Run: build/release/steps/01-basics/bench/bench_matmul [--benchmark_filter=REGEX]
// On a shared or virtual machine, add --benchmark_repetitions=5
// --benchmark_enable_random_interleaving=true and read the medians. Backward makes two
// products. items_per_second counts rows of the output (tokens for a GPT).
#include "bench_support.hpp"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/nn/matmul.h"

namespace {

using tinygpt::Matrix;
using namespace tinygpt::bench;

// Args: M, K, N (the product is (M, K) by (K, N)), transpose_a, transpose_b. The operands
// are stored as the op expects them: a is (K, M) when transposed, b is (N, K).
void BM_matmul_forward(benchmark::State& state) {
  const Eigen::Index m = state.range(0), k = state.range(1), n = state.range(2);
  const bool transpose_a = state.range(3) != 0, transpose_b = state.range(4) != 0;
  const Matrix a = transpose_a ? random_matrix(k, m, 0) : random_matrix(m, k, 0);
  const Matrix b = transpose_b ? random_matrix(n, k, 1) : random_matrix(k, n, 1);
  Matrix out(m, n);
  for (auto _ : state) {
    tinygpt::nn::matmul_forward(out, a, b, transpose_a, transpose_b);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, gemm_flops(m, k, n), m);
}

// Args: M, K, N, as for the forward. One call computes da and db: two products.
void BM_matmul_backward(benchmark::State& state) {
  const Eigen::Index m = state.range(0), k = state.range(1), n = state.range(2);
  const Matrix a = random_matrix(m, k, 0);
  const Matrix b = random_matrix(k, n, 1);
  const Matrix dout = random_matrix(m, n, 2);
  Matrix da = Matrix::Zero(m, k);
  Matrix db = Matrix::Zero(k, n);
  for (auto _ : state) {
    tinygpt::nn::matmul_backward(da, db, dout, a, b, false, false);
    benchmark::DoNotOptimize(da.data());
    benchmark::DoNotOptimize(db.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, 2.0 * gemm_flops(m, k, n), m);
}

BENCHMARK(BM_eigen_gemm_peak)
    ->Arg(kPeakSize)
    ->ArgName("n")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_matmul_forward)
    ->ArgNames({"M", "K", "N", "ta", "tb"})
    ->Args({64, 64, 64, 0, 0})
    ->Args({256, 256, 256, 0, 0})
    ->Args({1024, 1024, 1024, 0, 0})
    ->Args({512, 256, 768, 0, 0})   // x (B*T, C) W (C, 3C): the QKV projection
    ->Args({512, 256, 768, 0, 1})   // the same with W stored (3C, C): y = x W^T
    ->Args({512, 256, 1024, 0, 0})  // MLP up: (B*T, C) (C, 4C)
    ->Args({512, 1024, 256, 0, 0})  // MLP down: (B*T, 4C) (4C, C)
    ->Args({256, 512, 768, 1, 0})   // weight gradient x^T dy: (C, B*T) (B*T, 3C)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_matmul_backward)
    ->ArgNames({"M", "K", "N"})
    ->Args({512, 256, 768})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  return tinygpt::bench::run_benchmarks(argc, argv);
}
