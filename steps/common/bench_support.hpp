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
#include <omp.h>
#include <sys/resource.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/rng.h"
#include "tinygpt/core/tensor.h"
#include "tinygpt/models/config.h"

namespace tinygpt::bench {

inline constexpr int kThreads = 2;
inline constexpr Eigen::Index kPeakSize = 1024;
inline constexpr int kPeakRepetitions = 10;

inline double peak_gflops = 0.0;  // set by run_benchmarks() before any benchmark runs

// What Eigen's matrix products run on in this build (CMake option TINYGPT_BLAS).
#ifdef EIGEN_USE_BLAS
inline constexpr const char* kMatrixProducts = "OpenBLAS, through Eigen";
#else
inline constexpr const char* kMatrixProducts = "Eigen's own kernel";
#endif

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

// The middle value (the mean of the two middle ones for an even count): one slow step,
// when another program took the CPU for a moment, does not move it.
inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t half = values.size() / 2;
  return values.size() % 2 == 1 ? values[half] : 0.5 * (values[half - 1] + values[half]);
}

// This process's peak resident memory so far, in MB (Linux reports ru_maxrss in KiB).
inline double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// The reference GPT configurations of the benchmarks (issue 7): float32, no dropout.
struct GptSetup {
  const char* name;
  models::ModelConfig config;
  std::int64_t batch;  // B
  std::int64_t time;   // T
};

inline models::ModelConfig gpt_config(std::int64_t vocab, std::int64_t layers, std::int64_t heads,
                                      std::int64_t width, std::int64_t context) {
  models::ModelConfig config;
  config.vocab_size = vocab;
  config.context_length = context;
  config.width = width;
  config.layers = layers;
  config.heads = heads;
  return config;
}

// The small model (steps/02-transformer/configs/small.json) and GPT-2 124M.
inline const GptSetup kGptSetups[] = {
    {"small", gpt_config(4096, 4, 4, 256, 128), 8, 128},
    {"gpt2", gpt_config(50257, 12, 12, 768, 1024), 4, 64},
};

// Model FLOPs per token, the PaLM convention: 2N + 4LTC forward (N = parameters without
// the position table, the tied head once; 4LTC for q k^T and p v), three times that for
// forward + backward (6N + 12LTC).
inline double model_flops_per_token(const GptSetup& setup, std::int64_t parameters, bool backward) {
  const models::ModelConfig& c = setup.config;
  const double attention = 4.0 * static_cast<double>(c.layers * setup.time * c.width);
  const double forward = 2.0 * static_cast<double>(parameters) + attention;
  return backward ? 3.0 * forward : forward;
}

// `count` token ids below `vocab`, the same in every run; `index` picks another sequence.
inline std::vector<std::int32_t> random_token_ids(std::int64_t count, std::int64_t vocab,
                                                  std::uint64_t index) {
  std::vector<std::int32_t> ids(static_cast<std::size_t>(count));
  CounterRng rng(1, RngStream::kDemo, index, 0);
  for (std::int32_t& id : ids)
    id = static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(vocab)));
  return ids;
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

  // Every benchmark and the peak use kThreads: the library's own threads and OpenBLAS's are
  // OpenMP's, Eigen's own GEMM counts its threads separately.
  omp_set_num_threads(kThreads);
  Eigen::setNbThreads(kThreads);
  peak_gflops = measure_peak_gflops();
  // On stderr, so that stdout stays pure JSON with --benchmark_format=json.
  std::fprintf(
      stderr, "GEMM peak: Eigen float %ldx%ldx%ld (%s), %d threads, best of %d: %.1f GFLOP/s\n",
      static_cast<long>(kPeakSize), static_cast<long>(kPeakSize), static_cast<long>(kPeakSize),
      kMatrixProducts, kThreads, kPeakRepetitions, peak_gflops);
  benchmark::AddCustomContext("gemm_peak_gflops", std::to_string(peak_gflops));
  benchmark::AddCustomContext("threads", std::to_string(kThreads));
  benchmark::AddCustomContext("matrix_products", kMatrixProducts);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace tinygpt::bench
