// How long a fine-tuning step takes with each method, and how fast prompts are scored.
//
// The model is the journey's GPT (steps/03-pretraining/configs/journey.json: 4 layers,
// 4 heads, width 256, vocabulary 1024, context 256), random weights (speed does not depend
// on them), float32, 2 threads.
//
//   finetune_step/<method>  one classification step as `tinygpt finetune --task classify`
//                           takes it: 16 reviews of 48 tokens, forward through the head,
//                           cross-entropy, backward, AdamW on the trained parameters.
//                           method: full, top1 (the last block, ln_f and the head), head,
//                           lora (rank 8 on the four linear layers of every block, and the
//                           head), qlora (the same on the NF4 base), prompt (a soft prompt
//                           of 16 virtual tokens, and the head), prefix (16 virtual tokens
//                           through the MLP of width C, and the head).
//                           Counters: trained_M (parameters that train, millions),
//                           tokens_per_s.
//   instruct_step           one instruction-tuning step: 8 conversations of 128 tokens, the
//                           loss on half of them (the answers).
//   icl_scoring/<shots>     in-context classification of 16 generated reviews, three answer
//                           words, k demonstrations: reviews_per_s.
//   gpt2_step/<method>      one next-token step of GPT-2 124M (steps/02-transformer/configs/
//                           gpt2-124m.json: 12 layers, width 768, V 50257; random weights)
//                           on 1 sequence of 128 tokens, AdamW on what trains. method: full
//                           (all 124M), lora (rank 8 on attn.c_attn), qlora (the same LoRA
//                           on the NF4 base, tune/qlora.h). Counters: trained_M,
//                           weights_MB (the weights as held: float32, or NF4 layers and the
//                           float32 rest), train_state_MB (gradients and AdamW's two moments
//                           of what trains); qlora: linear_float32_MB and linear_nf4_MB
//                           (the quantised layers before and after) and their nf4_ratio.
//
// Run: build/release/steps/04-finetuning/bench/bench_finetune [--benchmark_filter=finetune]
#include <benchmark/benchmark.h>

#include <memory>

#include "bench_support.hpp"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/train/optimizers.h"
#include "tinygpt/tune/classifier.h"
#include "tinygpt/tune/lora.h"
#include "tinygpt/tune/prompt_tuning.h"
#include "tinygpt/tune/prompting.h"
#include "tinygpt/tune/qlora.h"

namespace tinygpt::bench {
namespace {

const models::ModelConfig kJourney = gpt_config(1024, 4, 4, 256, 256);
constexpr std::int64_t kBatch = 16;
constexpr std::int64_t kTime = 48;

// A GPT with a 3-label head, its parameters frozen but for those `trains` accepts.
template <typename Trains>
models::Gpt classifier(Trains trains) {
  models::Gpt gpt(kJourney);
  gpt.init(1);
  models::add_head_parameters(gpt.parameters(), kJourney.width,
                              {"classification", {"negative", "neutral", "positive"}, "last"}, 1);
  for (Parameter& parameter : gpt.parameters()) {
    gpt.parameters().set_trainable(parameter.name, trains(parameter.name));
  }
  return gpt;
}

void BM_finetune_step(benchmark::State& state) {
  const std::int64_t method = state.range(0);
  models::Gpt gpt = classifier([method](const std::string& name) {
    if (method == 0 || name.starts_with("head.")) return true;
    return method == 1 && (name.starts_with("h.3.") || name.starts_with("ln_f."));
  });
  // New parameters train: the adapter's join the set, frozen base and trained head as they are.
  std::unique_ptr<tune::PeftAdapter> adapter;
  std::unique_ptr<tune::QuantizedBase> base;
  if (method == 3 || method == 4) {
    adapter = std::make_unique<tune::Lora>(
        gpt.parameters(), kJourney,
        tune::LoraSettings{.rank = 8, .targets = tune::lora_target_modules()}, 1);
  }
  if (method == 4) base = std::make_unique<tune::QuantizedBase>(gpt.parameters());
  if (method == 5) {
    adapter = std::make_unique<tune::SoftPrompt>(gpt.parameters(), kJourney,
                                                 tune::PromptSettings{.virtual_tokens = 16},
                                                 std::span<const std::int32_t>{}, 1);
  }
  if (method == 6) {
    adapter = std::make_unique<tune::Prefix>(gpt.parameters(), kJourney,
                                             tune::PromptSettings{.virtual_tokens = 16}, 1);
  }
  const std::vector<std::int32_t> ids = random_token_ids(kBatch * kTime, kJourney.vocab_size, 0);
  std::vector<std::vector<std::int32_t>> sequences;
  std::vector<std::int32_t> labels;
  for (std::int64_t b = 0; b < kBatch; ++b) {
    sequences.emplace_back(ids.begin() + b * kTime, ids.begin() + (b + 1) * kTime);
    labels.push_back(static_cast<std::int32_t>(b % 3));
  }
  const tune::TextBatch batch = tune::pad_batch(sequences, labels, kJourney.context_length);
  train::AdamW adamw(gpt.parameters(), {});
  Tape tape;
  for (auto _ : state) {
    gpt.parameters().zero_grad();
    tape.reset();
    const Tensor logits = tune::classifier_logits(
        tape, gpt, batch, "last",
        {.training = true, .products = base.get(), .adapter = adapter.get()});
    const Tensor loss = nn::softmax_cross_entropy(tape, logits, batch.labels);
    tape.backward(loss);
    adamw.step(gpt.parameters());
  }
  state.counters["trained_M"] = static_cast<double>(gpt.parameters().trainable_numel()) / 1e6;
  state.counters["tokens_per_s"] = benchmark::Counter(
      static_cast<double>(kBatch * kTime), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_finetune_step)
    ->ArgName("method_full0_top1_head2_lora3_qlora4_prompt5_prefix6")
    ->DenseRange(0, 6)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_instruct_step(benchmark::State& state) {
  models::Gpt gpt(kJourney);
  gpt.init(1);
  constexpr std::int64_t kConversations = 8;
  constexpr std::int64_t kLength = 128;
  const std::vector<std::int32_t> ids =
      random_token_ids(kConversations * kLength, kJourney.vocab_size, 1);
  std::vector<std::int32_t> targets(ids.size(), -1);
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    if (i % kLength >= kLength / 2) targets[i] = ids[i + 1];  // the answers: the second half
  }
  train::AdamW adamw(gpt.parameters(), {});
  Tape tape;
  for (auto _ : state) {
    gpt.parameters().zero_grad();
    tape.reset();
    const Tensor logits = gpt.forward(tape, ids, kConversations, {}, {.training = true});
    tape.backward(nn::softmax_cross_entropy(tape, logits, targets));
    adamw.step(gpt.parameters());
  }
  state.counters["tokens_per_s"] = benchmark::Counter(
      static_cast<double>(kConversations * kLength), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_instruct_step)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_icl_scoring(benchmark::State& state) {
  const data::World world = data::make_world(1);
  const std::vector<data::Fact> facts = data::make_facts(world);
  std::vector<tune::LabelledText> reviews;
  std::string text;
  for (const data::Review& review : data::make_reviews(world, facts, 300)) {
    reviews.push_back({"r", review.text, std::string(data::sentiment_name(review.label)), ""});
    text += review.text + "\n";
  }
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(text, 1024);
  models::Gpt gpt(kJourney);
  gpt.init(1);
  const std::vector<std::string> labels = {"negative", "neutral", "positive"};
  const std::span<const tune::LabelledText> pool(reviews.data(), 200);
  const std::span<const tune::LabelledText> queries(reviews.data() + 200, 16);
  const tune::PromptChoice choice{{"f", "Review: {input}\nSentiment:"},
                                  {"v", {"negative", "neutral", "positive"}},
                                  state.range(0),
                                  0,
                                  false};
  double shots = 0.0;
  for (auto _ : state) {
    shots = tune::score_classification(gpt, tokenizer, choice, pool, queries, labels).mean_shots;
  }
  state.counters["shots_fitted"] = shots;
  state.counters["reviews_per_s"] = benchmark::Counter(
      static_cast<double>(queries.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_icl_scoring)
    ->ArgName("shots")
    ->Arg(0)
    ->Arg(4)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_gpt2_step(benchmark::State& state) {
  const std::int64_t method = state.range(0);
  models::ModelConfig config = gpt_config(50257, 12, 12, 768, 1024);
  config.dropout = 0.1f;
  constexpr std::int64_t kLength = 128;
  models::Gpt gpt(config);
  gpt.init(1);
  std::unique_ptr<tune::Lora> lora;
  std::unique_ptr<tune::QuantizedBase> base;
  if (method >= 1) {
    lora = std::make_unique<tune::Lora>(
        gpt.parameters(), config, tune::LoraSettings{.rank = 8, .targets = {"attn.c_attn"}}, 1);
    for (Parameter& parameter : gpt.parameters()) {
      gpt.parameters().set_trainable(parameter.name, lora->owns(parameter.name));
    }
  }
  if (method == 2) base = std::make_unique<tune::QuantizedBase>(gpt.parameters());
  const std::vector<std::int32_t> ids = random_token_ids(kLength + 1, config.vocab_size, 2);
  const std::vector<std::int32_t> inputs(ids.begin(), ids.end() - 1);
  const std::vector<std::int32_t> targets(ids.begin() + 1, ids.end());
  train::AdamW adamw(gpt.parameters(), {});
  Tape tape;
  for (auto _ : state) {
    gpt.parameters().zero_grad();
    tape.reset();
    const Tensor logits = gpt.forward(
        tape, inputs, 1, {}, {.training = true, .products = base.get(), .adapter = lora.get()});
    tape.backward(nn::softmax_cross_entropy(tape, logits, targets));
    adamw.step(gpt.parameters());
  }
  double weights = 0.0;
  for (const Parameter& parameter : gpt.parameters()) {
    weights += 4.0 * static_cast<double>(parameter.value.size());
  }
  if (base) weights += static_cast<double>(base->memory().quantized_nf4);
  const auto trained = static_cast<double>(gpt.parameters().trainable_numel());
  state.counters["trained_M"] = trained / 1e6;
  state.counters["weights_MB"] = weights / 1e6;
  state.counters["train_state_MB"] = 3.0 * 4.0 * trained / 1e6;
  if (base) {
    const tune::BaseMemory memory = base->memory();
    state.counters["nf4_ratio"] =
        static_cast<double>(memory.quantized_nf4) / static_cast<double>(memory.quantized_float32);
    state.counters["linear_float32_MB"] = static_cast<double>(memory.quantized_float32) / 1e6;
    state.counters["linear_nf4_MB"] = static_cast<double>(memory.quantized_nf4) / 1e6;
  }
  state.counters["tokens_per_s"] = benchmark::Counter(
      static_cast<double>(kLength), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_gpt2_step)
    ->ArgName("method_full0_lora1_qlora2")
    ->DenseRange(0, 2)
    ->Iterations(4)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tinygpt::bench

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  return tinygpt::bench::run_benchmarks(argc, argv);
}
