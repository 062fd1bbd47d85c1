// The inference engine's speed, the tinygpt side of compare_pytorch.py.
//
// Models (random weights, float32 parameters): 0 = the small configuration with a 256-token
// context (L 4, H 4, C 256, V 4,096), prompt 128, 128 new tokens; 1 = GPT-2 124M (L 12,
// H 12, C 768, V 50,257, P 1,024), prompt 128, 256 new tokens. Weights: 0 = float32 packed
// (batch-invariant, the default), 1 = int8 packed, 2 = float32 with BLAS products (not
// batch-invariant). Greedy decoding, 2 threads.
//
//   BM_generate/model/weights   one sequence through the engine: ttft_ms (prefill and the
//                               first token), prefill_tokens_per_s, decode_tokens_per_s (the
//                               tokens after the first);
//   BM_batch16/model/weights    16 sequences, prompts of 64 to 128 tokens, decoded together:
//                               tokens_per_s over the whole run, prefills included;
//   BM_decode_step/model/weights/B   one decode pass of B sequences with 128 cached tokens;
//   BM_sampler/filters          choosing a token from 50,257 logits: 0 greedy, 1 temperature,
//                               2 top-k 50 + top-p 0.9 + min-p 0.05, 3 the penalties too;
//   BM_read_bandwidth           summing 1 GiB of floats on 2 threads: the memory bandwidth
//                               that bounds a decode step of a large model (GB_per_s).
// Every benchmark reports kv_bytes_per_token and weight_MB where they apply.
//
// Run: build/release/steps/07-deployment/bench/bench_inference [--new_tokens=N]
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/infer/kv_cache.h"
#include "tinygpt/infer/penalties.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"

namespace {

using namespace tinygpt;
using namespace tinygpt::bench;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kPrompt = 128;
constexpr std::int64_t kBatch = 16;
std::int64_t new_tokens_override = 0;  // --new_tokens=N

struct InferenceSetup {
  const char* name;
  models::ModelConfig config;
  std::int64_t new_tokens;
};

const InferenceSetup kSetups[] = {
    {"small", gpt_config(4096, 4, 4, 256, 256), 128},
    {"gpt2", gpt_config(50257, 12, 12, 768, 1024), 256},
};

// The engine's weights and products, by the benchmarks' second argument (compare_pytorch.py
// picks them by these indices).
struct WeightsSetup {
  const char* name;
  infer::WeightFormat format;
  bool batch_invariant;
};
const WeightsSetup kWeights[] = {{"float32", infer::WeightFormat::kFloat32, true},
                                 {"int8", infer::WeightFormat::kInt8, true},
                                 {"float32 BLAS", infer::WeightFormat::kFloat32, false},
                                 {"bf16", infer::WeightFormat::kBf16, true}};
constexpr auto kWeightsCount = static_cast<std::int64_t>(std::size(kWeights));

infer::EngineOptions engine_options(std::int64_t weights, std::int64_t slots) {
  const WeightsSetup& setup = kWeights[weights];
  return {.slots = slots, .weights = setup.format, .batch_invariant = setup.batch_invariant};
}

std::int64_t new_tokens(const InferenceSetup& setup) {
  return new_tokens_override > 0 ? new_tokens_override : setup.new_tokens;
}

// The model of a setup, built once per process (GPT-2's random weights take seconds).
models::Gpt& model_of(const InferenceSetup& setup) {
  static std::vector<std::unique_ptr<models::Gpt>> models(std::size(kSetups));
  std::unique_ptr<models::Gpt>& model = models[static_cast<std::size_t>(&setup - kSetups)];
  if (model == nullptr) {
    model = std::make_unique<models::Gpt>(setup.config);
    model->init(1);
  }
  return *model;
}

infer::Request greedy_request(std::vector<std::int32_t> prompt, std::int64_t tokens) {
  infer::Request request;
  request.prompt = std::move(prompt);
  request.options.max_new_tokens = tokens;
  request.options.sampling.temperature = 0.0f;
  return request;
}

void set_memory_counters(benchmark::State& state, const InferenceSetup& setup,
                         const infer::Engine& engine) {
  const models::ModelConfig& c = setup.config;
  state.counters["kv_bytes_per_token"] = static_cast<double>(2 * c.layers * c.width * 4);
  state.counters["weight_MB"] = static_cast<double>(engine.weight_bytes()) / 1e6;
}

void BM_generate(benchmark::State& state) {
  const InferenceSetup& setup = kSetups[state.range(0)];
  models::Gpt& model = model_of(setup);
  infer::Engine engine(model, engine_options(state.range(1), 1));
  const std::int64_t tokens = new_tokens(setup);
  infer::Request request =
      greedy_request(random_token_ids(kPrompt, setup.config.vocab_size, 2), tokens);
  Clock::time_point first;
  request.on_event = [&](const infer::TokenEvent& event) {
    if (event.token && first == Clock::time_point{}) first = Clock::now();
  };
  infer::Request warm_up = request;  // packs the weights, faults in the cache and the arena
  warm_up.options.max_new_tokens = 2;
  engine.submit(warm_up);
  engine.run_until_idle();
  std::vector<double> ttft;
  std::vector<double> decode;
  for (auto _ : state) {
    first = {};
    const Clock::time_point start = Clock::now();
    engine.submit(request);
    engine.run_until_idle();
    const Clock::time_point end = Clock::now();
    ttft.push_back(std::chrono::duration<double>(first - start).count());
    decode.push_back(static_cast<double>(tokens - 1) /
                     std::chrono::duration<double>(end - first).count());
  }
  state.counters["ttft_ms"] = median(ttft) * 1e3;
  state.counters["prefill_tokens_per_s"] = static_cast<double>(kPrompt) / median(ttft);
  state.counters["decode_tokens_per_s"] = median(decode);
  set_memory_counters(state, setup, engine);
  state.SetLabel(std::string(setup.name) + ", " + kWeights[state.range(1)].name);
}

void BM_batch16(benchmark::State& state) {
  const InferenceSetup& setup = kSetups[state.range(0)];
  models::Gpt& model = model_of(setup);
  infer::Engine engine(model, engine_options(state.range(1), kBatch));
  const std::int64_t tokens = new_tokens(setup);
  std::vector<infer::Request> requests;
  for (std::int64_t i = 0; i < kBatch; ++i) {
    // Prompts from half the prompt to the prompt, evenly spread (as pytorch_generate.py).
    const std::int64_t length = kPrompt / 2 + (kPrompt / 2) * i / (kBatch - 1);
    requests.push_back(greedy_request(
        random_token_ids(length, setup.config.vocab_size, static_cast<std::uint64_t>(3 + i)),
        tokens));
  }
  // Warm-up: every request's prefill and two tokens (packs the weights, faults in the
  // cache and the arena).
  for (infer::Request request : requests) {
    request.options.max_new_tokens = 2;
    engine.submit(request);
  }
  engine.run_until_idle();
  for (auto _ : state) {
    for (const infer::Request& request : requests) engine.submit(request);
    engine.run_until_idle();
  }
  state.counters["tokens_per_s"] = benchmark::Counter(
      static_cast<double>(kBatch * tokens) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  set_memory_counters(state, setup, engine);
  state.SetLabel(std::string(setup.name) + ", " + kWeights[state.range(1)].name);
}

void BM_decode_step(benchmark::State& state) {
  const InferenceSetup& setup = kSetups[state.range(0)];
  const std::int64_t batch = state.range(2);
  models::Gpt& model = model_of(setup);
  const infer::EngineOptions options = engine_options(state.range(1), batch);
  std::optional<infer::ServingWeights> weights;
  if (options.batch_invariant) weights.emplace(options.weights);
  infer::KvCache cache(setup.config, batch);
  Tape tape;
  NoGradGuard no_grad(tape);
  models::RunOptions run{.cache = &cache, .products = weights ? &*weights : nullptr};
  for (std::int64_t slot = 0; slot < batch; ++slot) {
    tape.reset();
    cache.bind({&slot, 1});
    model.forward(tape, random_token_ids(kPrompt, setup.config.vocab_size, 10 + slot), 1, {}, run);
    cache.advance(kPrompt);
  }
  std::vector<std::int64_t> slots(static_cast<std::size_t>(batch));
  for (std::int64_t slot = 0; slot < batch; ++slot) slots[static_cast<std::size_t>(slot)] = slot;
  const std::vector<std::int32_t> next = random_token_ids(batch, setup.config.vocab_size, 9);
  // Each pass writes position 128 of every slot again (the cache is not advanced), so every
  // iteration does the same work.
  for (auto _ : state) {
    tape.reset();
    cache.bind(slots);
    benchmark::DoNotOptimize(model.forward(tape, next, batch, {}, run).data);
  }
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(batch) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.SetLabel(std::string(setup.name) + ", " + kWeights[state.range(1)].name + ", batch " +
                 std::to_string(batch));
}

void BM_sampler(benchmark::State& state) {
  const std::int64_t vocab = 50257;
  const Matrix logits = random_matrix(1, vocab, 4);
  models::GenerateOptions options;
  options.sampling.temperature = state.range(0) == 0 ? 0.0f : 0.8f;
  if (state.range(0) >= 2)
    options.sampling = {.temperature = 0.8f, .top_k = 50, .top_p = 0.9f, .min_p = 0.05f};
  const infer::Penalties penalties{.repetition = 1.2f, .frequency = 0.5f, .presence = 0.5f};
  const std::vector<std::int32_t> history = random_token_ids(384, vocab, 5);
  std::vector<float> scores(static_cast<std::size_t>(vocab));
  std::int64_t index = 0;
  for (auto _ : state) {
    std::copy_n(logits.data(), vocab, scores.data());
    if (state.range(0) == 3) infer::apply_penalties(scores, history, penalties);
    benchmark::DoNotOptimize(models::choose_token(scores, options, index++));
  }
  const char* const names[] = {"greedy", "temperature", "top-k + top-p + min-p",
                               "filters + penalties"};
  state.SetLabel(names[state.range(0)]);
}

void BM_read_bandwidth(benchmark::State& state) {
  const std::size_t count = std::size_t{1} << 28;  // 1 GiB of floats
  std::vector<float> values(count, 1.0f);
  // Each thread sums its half with Eigen's vectorised sum (several accumulators), so the
  // loop is bound by how fast memory delivers the bytes, not by a chain of additions.
  for (auto _ : state) {
    float totals[kThreads] = {};
#pragma omp parallel num_threads(kThreads)
    {
      const std::size_t half = count / kThreads;
      const int thread = omp_get_thread_num();
      totals[thread] = Eigen::Map<const Eigen::VectorXf>(values.data() + half * thread,
                                                         static_cast<Eigen::Index>(half))
                           .sum();
    }
    benchmark::DoNotOptimize(totals);
  }
  state.counters["GB_per_s"] = benchmark::Counter(
      static_cast<double>(count * sizeof(float)) * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
}

void all_models_and_weights(benchmark::internal::Benchmark* benchmark) {
  for (std::int64_t model = 0; model < 2; ++model) {
    for (std::int64_t weights = 0; weights < kWeightsCount; ++weights)
      benchmark->Args({model, weights});
  }
}

void decode_steps(benchmark::internal::Benchmark* benchmark) {
  for (std::int64_t model = 0; model < 2; ++model) {
    for (std::int64_t weights = 0; weights < kWeightsCount; ++weights) {
      for (const std::int64_t batch : {1, 16}) benchmark->Args({model, weights, batch});
    }
  }
}

BENCHMARK(BM_generate)
    ->Apply(all_models_and_weights)
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_batch16)
    ->Apply(all_models_and_weights)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_decode_step)->Apply(decode_steps)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sampler)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_read_bandwidth)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--new_tokens=", 13) == 0) {
      new_tokens_override = std::stoll(argv[i] + 13);
    } else {
      rest.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(rest.size());
  return tinygpt::bench::run_benchmarks(count, rest.data());
}
