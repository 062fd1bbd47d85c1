// How fast is tinygpt::nn::matmul, compared with what this machine can do?
//
// The yardstick is measured first, in the same run: Eigen's float GEMM of two 1024 x 1024
// matrices on kThreads threads, best of several timed repetitions. Every benchmark then
// reports GFLOP/s and fraction_of_peak = its GFLOP/s / that peak, so the numbers mean the
// same on a laptop and on a server. Shapes: square sizes, and the products of a small GPT
// with B*T = 512 rows and C = 256 channels (QKV and MLP projections, the same with
// PyTorch's weight layout y = x W^T, and the weight gradient x^T dy).
//
// Run: build/release/steps/01-basics/bench/bench_matmul [--benchmark_filter=REGEX]
// On a shared or virtual machine, add --benchmark_repetitions=5
// --benchmark_enable_random_interleaving=true and read the medians. The console prints
// fraction_of_peak with a "/s" suffix because it is a rate counter; the value is a ratio.
// FLOPs: a product of (M, K) by (K, N) is M*N*K multiply-adds, 2*M*N*K FLOPs; backward
// makes two such products. items_per_second counts rows of the output (tokens for a GPT).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <span>
#include <string>

#include "tinygpt/core/rng.h"
#include "tinygpt/core/tensor.h"
#include "tinygpt/nn/matmul.h"

namespace {

using tinygpt::Matrix;

constexpr int kThreads = 2;
constexpr Eigen::Index kPeakSize = 1024;
constexpr int kPeakRepetitions = 10;

double peak_gflops = 0.0;  // set by main() before any benchmark runs

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t index) {
  Matrix m(rows, cols);
  tinygpt::fill_normal(std::span<float>(m.data(), static_cast<std::size_t>(m.size())),
                       /*seed=*/1, tinygpt::RngStream::kDemo, index, 0.0f, 1.0f);
  return m;
}

double gemm_flops(std::int64_t m, std::int64_t k, std::int64_t n) {
  return 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
}

// Best of kPeakRepetitions, after one untimed product that starts the threads and touches
// every page: the fastest this machine multiplies large float matrices with Eigen.
double measure_peak_gflops() {
  const Matrix a = random_matrix(kPeakSize, kPeakSize, 0);
  const Matrix b = random_matrix(kPeakSize, kPeakSize, 1);
  Matrix c(kPeakSize, kPeakSize);
  c.noalias() = a * b;
  double best_seconds = std::numeric_limits<double>::infinity();
  for (int repetition = 0; repetition < kPeakRepetitions; ++repetition) {
    const auto start = std::chrono::steady_clock::now();
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best_seconds = std::min(best_seconds, elapsed.count());
  }
  return gemm_flops(kPeakSize, kPeakSize, kPeakSize) / best_seconds * 1e-9;
}

// Rates over wall time (the benchmarks use UseRealTime: the work runs on kThreads threads).
void set_counters(benchmark::State& state, double flops_per_call, std::int64_t rows_per_call) {
  const double iterations = static_cast<double>(state.iterations());
  const double gflop = iterations * flops_per_call * 1e-9;
  state.counters["GFLOP/s"] = benchmark::Counter(gflop, benchmark::Counter::kIsRate);
  state.counters["fraction_of_peak"] =
      benchmark::Counter(gflop / peak_gflops, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(state.iterations() * rows_per_call);
}

// The yardstick as a row of its own: Eigen's GEMM on plain matrices, no tinygpt code.
void BM_eigen_gemm_peak(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const Matrix a = random_matrix(n, n, 0);
  const Matrix b = random_matrix(n, n, 1);
  Matrix c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, gemm_flops(n, n, n), n);
}

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
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Eigen parallelises GEMM with OpenMP; every benchmark and the peak use kThreads.
  Eigen::setNbThreads(kThreads);
  peak_gflops = measure_peak_gflops();
  std::printf("GEMM peak: Eigen float %ldx%ldx%ld, %d threads, best of %d: %.1f GFLOP/s\n",
              static_cast<long>(kPeakSize), static_cast<long>(kPeakSize),
              static_cast<long>(kPeakSize), Eigen::nbThreads(), kPeakRepetitions, peak_gflops);
  std::fflush(stdout);
  benchmark::AddCustomContext("gemm_peak_gflops", std::to_string(peak_gflops));
  benchmark::AddCustomContext("eigen_threads", std::to_string(Eigen::nbThreads()));

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
