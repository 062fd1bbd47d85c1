// How fast does a GPT generate, with and without the KV cache?
//
// The small configuration with a 256-token context (4 layers, 4 heads, width 256,
// vocabulary 4,096, random weights), a 128-token prompt and 128 new tokens, greedy, one
// sequence, float32, 2 threads:
//   uncached  models::generate: every new token runs the model on the whole context so far;
//   cached    infer::generate: one prefill pass over the prompt, then one pass per token.
// Counters: tokens_per_s (new tokens over the whole call, prefill included) and ms_per_token.
// batch16: 16 sequences (prompts of 96 to 126 tokens, 64 new tokens each by default), through the
// engine (continuous batching) or one infer::generate after another.
// The first token of the cached run carries the prefill of the prompt.
//
// Run: build/release/steps/07-deployment/bench/bench_generate [--new_tokens=N]
// The lesson's picture of continuous batching, which request holds which slot at each step:
//      build/release/steps/07-deployment/bench/bench_generate
//          --plot-slots=steps/07-deployment/images/engine-slots.svg
// The lesson's picture, the time of every new token with and without the cache (one line):
//      build/release/steps/07-deployment/bench/bench_generate
//          --plot=steps/07-deployment/images/kv-cache.svg
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/infer/generate.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"

namespace {

using namespace tinygpt;
using namespace tinygpt::bench;

constexpr std::int64_t kPrompt = 128;
std::int64_t new_tokens = 128;  // --new_tokens=N

// The small configuration with a 256-token context.
models::ModelConfig small_config() {
  return gpt_config(4096, 4, 4, 256, 256);
}

// Arg: 1 with the KV cache, 0 without.
void BM_generate(benchmark::State& state) {
  const bool cached = state.range(0) == 1;
  models::Gpt model(small_config());
  model.init(1);
  const std::vector<std::int32_t> prompt = random_token_ids(kPrompt, 4096, 2);
  models::GenerateOptions options;
  options.max_new_tokens = new_tokens;
  options.sampling.temperature = 0.0f;
  const auto run = [&] {
    return cached ? infer::generate(model, prompt, options).tokens.size()
                  : models::generate(model, prompt, options).size();
  };
  run();  // faults in the arena and the BLAS buffers
  for (auto _ : state) benchmark::DoNotOptimize(run());
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(new_tokens) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["ms_per_token"] =
      benchmark::Counter(static_cast<double>(new_tokens) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel(cached ? "KV cache" : "no cache");
}

// Args: sequences, and 1 for the engine or 0 for one after another. Throughput of many
// generations at once: the engine (continuous batching, every sequence of a step in one
// pass) against one infer::generate after another. Prompts of different lengths (96 to
// 126 tokens), new_tokens / 2 new tokens each (64 by default).
void BM_batch(benchmark::State& state) {
  const std::int64_t count = state.range(0);
  const bool engine = state.range(1) == 1;
  models::Gpt model(small_config());
  model.init(1);
  std::vector<infer::Request> requests;
  for (std::int64_t i = 0; i < count; ++i) {
    infer::Request request;
    request.prompt =
        random_token_ids(96 + (32 * i) / count, 4096, static_cast<std::uint64_t>(3 + i));
    request.options.max_new_tokens = new_tokens / 2;
    request.options.sampling.temperature = 0.0f;
    requests.push_back(request);
  }
  const auto run = [&] {
    if (engine) {
      infer::Engine batcher(model, {.slots = count});
      for (const infer::Request& request : requests) batcher.submit(request);
      batcher.run_until_idle();
    } else {
      for (const infer::Request& request : requests) {
        infer::generate(model, request.prompt, request.options);
      }
    }
  };
  run();  // faults in the arena and the BLAS buffers
  for (auto _ : state) run();
  state.counters["tokens_per_s"] = benchmark::Counter(
      static_cast<double>(new_tokens / 2 * count) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(count) +
                 (engine ? " sequences, engine" : " sequences, one after another"));
}

// Times every token of one generation each way and draws milliseconds against the token's
// position: without a cache the cost grows with the context, with it it stays flat.
void plot_token_times(const std::string& path) {
  models::Gpt model(small_config());
  model.init(1);
  const std::vector<std::int32_t> prompt = random_token_ids(kPrompt, 4096, 2);
  std::vector<svg::Series> series;
  for (const bool cached : {false, true}) {
    models::GenerateOptions options;
    options.max_new_tokens = new_tokens;
    options.sampling.temperature = 0.0f;
    svg::Series times{cached ? "with the KV cache" : "without a cache", {}};
    auto last = std::chrono::steady_clock::now();
    options.on_token = [&](std::int32_t) {
      const auto now = std::chrono::steady_clock::now();
      const double ms = std::chrono::duration<double, std::milli>(now - last).count();
      // The first token's time is the prompt's (prefill), drawn at its own position.
      times.points.push_back({static_cast<double>(kPrompt + times.points.size()), ms});
      last = now;
      return true;
    };
    if (cached) {
      infer::generate(model, prompt, options);
    } else {
      models::generate(model, prompt, options);
    }
    series.push_back(std::move(times));
  }
  svg::LineChartOptions chart;
  chart.title = "time of each new token (prompt of 128 tokens, small GPT, 2 threads)";
  chart.x_label = "position of the new token";
  chart.y_label = "milliseconds";
  write_file_atomically(path, svg::line_chart(series, chart));
  std::fprintf(stderr, "wrote %s\n", path.c_str());
}

BENCHMARK(BM_batch)
    ->Name("batch16/one_after_another")
    ->Args({16, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch)
    ->Name("batch16/engine")
    ->Args({16, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate)
    ->Name("generate/uncached")
    ->Arg(0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate)
    ->Name("generate/cached")
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Runs 14 requests of different lengths through an engine of 4 slots and draws which
// request holds which slot at every engine step: the picture of continuous batching.
void plot_slots(const std::string& path) {
  models::Gpt model(small_config());
  model.init(1);
  constexpr std::int64_t kSlots = 4;
  infer::Engine engine(model, {.slots = kSlots});
  std::int64_t step = 0;
  std::vector<svg::Bar> bars;
  std::map<std::int64_t, svg::Bar> open;  // by request: admitted, not finished yet
  for (std::int64_t i = 0; i < 14; ++i) {
    infer::Request request;
    request.prompt = random_token_ids(8 + 5 * i, 4096, static_cast<std::uint64_t>(20 + i));
    request.options.max_new_tokens = 6 + (i * 7) % 23;  // 6 to 28 tokens
    request.options.sampling.temperature = 0.0f;
    request.on_event = [&](const infer::TokenEvent& event) {
      auto [bar, admitted] = open.try_emplace(event.request);
      if (admitted) {
        bar->second = {.row = event.slot,
                       .start = static_cast<double>(step),
                       .label = std::string(1, 'r').append(std::to_string(event.request)),
                       .colour = static_cast<int>(event.request)};
      }
      if (event.finish) {
        bar->second.end = static_cast<double>(step + 1);
        bars.push_back(bar->second);
      }
    };
    engine.submit(std::move(request));
  }
  while (engine.step()) ++step;
  svg::TimelineOptions options;
  options.title = "continuous batching: 14 requests, 4 KV-cache slots";
  options.x_label = "engine step (each: admissions with their prefill, then one decode pass)";
  options.row_prefix = "slot ";
  write_file_atomically(path, svg::timeline(bars, kSlots, options));
  std::printf("wrote %s (%lld steps)\n", path.c_str(), static_cast<long long>(step + 1));
}

}  // namespace

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  // --new_tokens=N is ours; Google Benchmark gets the rest.
  std::vector<char*> rest;
  std::string plot;
  std::string plot_slots_path;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--new_tokens=", 13) == 0) {
      new_tokens = std::stoll(argv[i] + 13);
    } else if (std::strncmp(argv[i], "--plot=", 7) == 0) {
      plot = argv[i] + 7;
    } else if (std::strncmp(argv[i], "--plot-slots=", 13) == 0) {
      plot_slots_path = argv[i] + 13;
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!plot.empty() || !plot_slots_path.empty()) {
    omp_set_num_threads(tinygpt::bench::kThreads);
    if (!plot.empty()) plot_token_times(plot);
    if (!plot_slots_path.empty()) plot_slots(plot_slots_path);
    return 0;
  }
  int count = static_cast<int>(rest.size());
  return tinygpt::bench::run_benchmarks(count, rest.data());
}
