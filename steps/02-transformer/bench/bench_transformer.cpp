// How fast are a transformer block and a whole GPT, forward and forward + backward,
// compared with what this machine can do (the GEMM peak of steps/common/bench_support.hpp,
// measured first in the same run)?
//
// Configurations (float32, 2 threads):
//   small:  4 layers, 4 heads, width 256, vocabulary 4096, batch 8, context 128
//   gpt2:   GPT-2 124M: 12 layers, 12 heads, width 768, vocabulary 50257, batch 4, context 64
// FLOPs per token, counting multiply-adds of the matrix products as 2 (the usual model-FLOPs
// convention, e.g. the PaLM paper's appendix): forward 2N + 4 L T C, forward + backward
// 6N + 12 L T C, where N is the number of parameters without the position embeddings (the
// tied LM head counts once, as the output layer's product) and 4 L T C the attention
// products q k^T and p v over the whole context. For one block, N = 12 C^2 + 13 C.
//
// Run: build/release/steps/02-transformer/bench/bench_transformer [--benchmark_filter=small]
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "blocks.h"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/nn/cross_entropy.h"

namespace {

using namespace tinygpt;
using namespace tinygpt::bench;

// kWarmUp: every benchmark runs one untimed pass first. Google Benchmark calls a benchmark
// function afresh for each of its runs, so each run has a new model and a new tape, and
// their first pass faults in the arena's pages and the BLAS's buffers: for GPT-2 it took
// 800 ms against 360 ms for the next ones, and it was often the only timed iteration.

// Arg: index into kGptSetups; arg 1: 0 forward, 1 forward + backward.
void BM_block(benchmark::State& state) {
  const GptSetup& setup = kGptSetups[state.range(0)];
  const bool backward = state.range(1) != 0;
  const models::ModelConfig& config = setup.config;
  ParameterSet parameters;
  const models::detail::Block block =
      models::detail::declare_block(parameters, "h.0", config, /*cross=*/false);
  Tensor x = parameters.add("x", Shape{setup.batch, setup.time, config.width});
  models::init_parameters(parameters, config, 1);
  const std::vector<float> dout(static_cast<std::size_t>(x.numel()), 1.0f);
  Tape tape;
  const models::RunOptions options;
  const auto pass = [&] {
    tape.reset();
    models::detail::Forward run(tape, config, options, setup.time);
    const Tensor out = run.block(block, "h.0", x, /*causal=*/true, {});
    if (backward) tape.backward(out, dout);
    benchmark::DoNotOptimize(out.data);
  };
  pass();  // untimed: see kWarmUp
  for (auto _ : state) pass();
  const std::int64_t block_parameters = 12 * config.width * config.width + 13 * config.width;
  const std::int64_t tokens = setup.batch * setup.time;
  const double attention = 4.0 * static_cast<double>(setup.time * config.width);
  const double forward = 2.0 * static_cast<double>(block_parameters) + attention;
  set_counters(state, (backward ? 3.0 : 1.0) * forward * static_cast<double>(tokens), tokens);
  state.SetLabel(setup.name);
}

void BM_gpt(benchmark::State& state) {
  const GptSetup& setup = kGptSetups[state.range(0)];
  const bool backward = state.range(1) != 0;
  models::Gpt model(setup.config);
  model.init(1);
  const std::int64_t tokens = setup.batch * setup.time;
  const std::vector<std::int32_t> ids = random_token_ids(tokens, setup.config.vocab_size, 0);
  const std::vector<std::int32_t> targets = random_token_ids(tokens, setup.config.vocab_size, 1);
  Tape tape;
  const auto pass = [&] {
    tape.reset();
    if (backward) model.parameters().zero_grad();
    const Tensor logits = model.forward(tape, ids, setup.batch);
    if (backward) tape.backward(nn::softmax_cross_entropy(tape, logits, targets));
    benchmark::DoNotOptimize(logits.data);
  };
  pass();  // untimed: see kWarmUp
  for (auto _ : state) pass();
  const std::int64_t parameters =
      model.parameters().numel() - setup.config.context_length * setup.config.width;
  set_counters(state,
               model_flops_per_token(setup, parameters, backward) * static_cast<double>(tokens),
               tokens);
  state.counters["parameters_M"] = static_cast<double>(parameters) * 1e-6;
  state.SetLabel(setup.name);
}

BENCHMARK(BM_eigen_gemm_peak)
    ->Arg(kPeakSize)
    ->ArgName("n")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_block)
    ->ArgNames({"config", "backward"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt)
    ->ArgNames({"config", "backward"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  return tinygpt::bench::run_benchmarks(argc, argv);
}
