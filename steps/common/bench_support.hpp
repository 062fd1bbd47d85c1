// Shared by every step's benchmarks: the GEMM peak that every figure is compared with,
// measured first in the same run, and the counters each benchmark reports.
//
// The yardstick: Eigen's float GEMM of two 1024 x 1024 matrices on kThreads threads, best
// of several timed repetitions. Every benchmark reports GFLOP/s and fraction_of_peak = its
// GFLOP/s / that peak, so the numbers mean the same on a laptop and on a server. The
// console prints fraction_of_peak with a "/s" suffix because it is a rate counter; the
// value is a ratio.
#pragma once

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

namespace tinygpt::bench {

inline constexpr int kThreads = 2;
inline constexpr Eigen::Index kPeakSize = 1024;
inline constexpr int kPeakRepetitions = 10;

inline double peak_gflops = 0.0;  // set by run_benchmarks() before any benchmark runs

inline Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t index) {
  Matrix m(rows, cols);
  fill_normal(std::span<float>(m.data(), static_cast<std::size_t>(m.size())), /*seed=*/1,
              RngStream::kDemo, index, 0.0f, 1.0f);
  return m;
}

// A product of (M, K) by (K, N) is M*N*K multiply-adds: 2*M*N*K FLOPs.
inline double gemm_flops(std::int64_t m, std::int64_t k, std::int64_t n) {
  return 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
}

// Best of kPeakRepetitions, after one untimed product that starts the threads and touches
// every page: the fastest this machine multiplies large float matrices with Eigen.
inline double measure_peak_gflops() {
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

// Rates over wall time (benchmarks use UseRealTime: the work runs on kThreads threads).
// items_per_second counts rows_per_call per iteration (tokens, for a GPT).
inline void set_counters(benchmark::State& state, double flops_per_call,
                         std::int64_t rows_per_call) {
  const double iterations = static_cast<double>(state.iterations());
  const double gflop = iterations * flops_per_call * 1e-9;
  state.counters["GFLOP/s"] = benchmark::Counter(gflop, benchmark::Counter::kIsRate);
  state.counters["fraction_of_peak"] =
      benchmark::Counter(gflop / peak_gflops, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(state.iterations() * rows_per_call);
}

// The yardstick as a row of its own: Eigen's GEMM on plain matrices, no tinygpt code.
inline void BM_eigen_gemm_peak(benchmark::State& state) {
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

// The body of every benchmark program's main(): threads, the peak, then the benchmarks.
inline int run_benchmarks(int argc, char** argv) {
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

}  // namespace tinygpt::bench
