// NF4 weights (infer/nf4.h): what they cost and what they lose.
//
// Before the benchmarks, on stderr: the linear layers of the journey's trained GPT
// (.tinygpt/journey/gpt/model/model.safetensors from the current folder, or the file named
// by TINYGPT_JOURNEY_MODEL; skipped when there is none) stored as NF4 with double
// quantisation: bits per weight, memory against float32, and the reconstruction error
// (RMS of w - dequantised w over RMS of w) of NF4 against a uniform 4-bit absmax code with
// the same blocks of 64.
//
//   nf4_quantize/<C_in>/<C_out>          quantising a weight: weights_per_s (items).
//   nf4_multiply/<N>                     y = x W for a GPT-2 MLP weight (768, 3072), N rows
//                                        of x, dequantising 64 rows of W at a time.
//   nf4_multiply_transposed/<N>          dx += dy W^T, the frozen layer's backward.
//   float_multiply/<N>                   y = x W with W in float32 (Eigen), the yardstick.
//
// Run: build/release/steps/04-finetuning/bench/bench_nf4 [--benchmark_filter=multiply]
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "bench_support.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/infer/nf4.h"

namespace tinygpt::bench {
namespace {

constexpr std::int64_t kIn = 768;
constexpr std::int64_t kOut = 3072;

// The trained model's figures, printed once (see the file).
void report_trained_model() {
  const char* named = std::getenv("TINYGPT_JOURNEY_MODEL");
  const std::filesystem::path path =
      named != nullptr ? named : ".tinygpt/journey/gpt/model/model.safetensors";
  if (!std::filesystem::exists(path)) {
    std::fprintf(stderr, "NF4 on trained weights: no %s (run `tinygpt journey` first)\n",
                 path.string().c_str());
    return;
  }
  const SafetensorsFile file = SafetensorsFile::read(path);
  const std::array<float, 16> uniform = infer::uniform_4bit_levels();
  double weights = 0.0;
  double bytes = 0.0;
  double squares = 0.0;        // sum of w^2
  double nf4_error = 0.0;      // sum of (w - w')^2, NF4 with double quantisation
  double nf4_single = 0.0;     // the same, NF4 with float32 scales
  double uniform_error = 0.0;  // the same, uniform levels with float32 scales
  int matrices = 0;
  for (const std::string& name : file.names()) {
    const TensorInfo& info = file.info(name);
    // The linear layers, which QLoRA stores in 4 bits (embeddings and norms stay as they are).
    if (info.shape.size() != 2 || !name.starts_with("h.")) continue;
    const std::vector<float> values = file.floats(name);
    const Eigen::Map<const Matrix> weight(values.data(), info.shape[0], info.shape[1]);
    const infer::Nf4Matrix nf4(weight);
    const double square = weight.squaredNorm();
    const auto squared_error = [&](double relative) { return relative * relative * square; };
    squares += square;
    nf4_error += (nf4.dequantize() - weight).squaredNorm();
    nf4_single += squared_error(infer::blockwise_relative_rms_error(values, infer::kNf4Levels));
    uniform_error += squared_error(infer::blockwise_relative_rms_error(values, uniform));
    weights += static_cast<double>(values.size());
    bytes += static_cast<double>(nf4.bytes());
    ++matrices;
  }
  std::fprintf(stderr,
               "NF4 on trained weights (%s, %d linear layers, %.0f weights): %.4f bits a weight, "
               "%.4f x float32's memory; relative RMS error NF4 %.4f (%.4f with float32 scales), "
               "uniform 4-bit %.4f\n",
               path.string().c_str(), matrices, weights, 8.0 * bytes / weights,
               bytes / (4.0 * weights), std::sqrt(nf4_error / squares),
               std::sqrt(nf4_single / squares), std::sqrt(uniform_error / squares));
}

void BM_nf4_quantize(benchmark::State& state) {
  const Matrix weight = random_matrix(state.range(0), state.range(1), 1);
  for (auto _ : state) {
    infer::Nf4Matrix nf4(weight);
    benchmark::DoNotOptimize(nf4.codes().data());
  }
  state.SetItemsProcessed(state.iterations() * weight.size());
}
BENCHMARK(BM_nf4_quantize)->Args({kIn, kOut})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_nf4_multiply(benchmark::State& state) {
  const std::int64_t rows = state.range(0);
  const infer::Nf4Matrix nf4(random_matrix(kIn, kOut, 2));
  const Matrix x = random_matrix(rows, kIn, 3);
  Matrix y(rows, kOut);
  for (auto _ : state) {
    nf4.multiply(x, y);
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state, gemm_flops(rows, kIn, kOut), rows);
}
BENCHMARK(BM_nf4_multiply)->Arg(1)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_nf4_multiply_transposed(benchmark::State& state) {
  const std::int64_t rows = state.range(0);
  const infer::Nf4Matrix nf4(random_matrix(kIn, kOut, 2));
  const Matrix dy = random_matrix(rows, kOut, 4);
  Matrix dx = Matrix::Zero(rows, kIn);
  for (auto _ : state) {
    nf4.multiply_transposed_add(dy, dx);
    benchmark::DoNotOptimize(dx.data());
  }
  set_counters(state, gemm_flops(rows, kOut, kIn), rows);
}
BENCHMARK(BM_nf4_multiply_transposed)
    ->Arg(1)
    ->Arg(64)
    ->Arg(512)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_float_multiply(benchmark::State& state) {
  const std::int64_t rows = state.range(0);
  const Matrix weight = random_matrix(kIn, kOut, 2);
  const Matrix x = random_matrix(rows, kIn, 3);
  Matrix y(rows, kOut);
  for (auto _ : state) {
    y.noalias() = x * weight;
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state, gemm_flops(rows, kIn, kOut), rows);
}
BENCHMARK(BM_float_multiply)
    ->Arg(1)
    ->Arg(64)
    ->Arg(512)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace tinygpt::bench

int main(int argc, char** argv) {
  tinygpt::bench::report_trained_model();
  return tinygpt::bench::run_benchmarks(argc, argv);
}
