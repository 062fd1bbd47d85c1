// How long alignment takes, by method, and where a PPO iteration's time goes.
//
// The model is the journey's GPT (4 layers, 4 heads, width 256, vocabulary 1024, context
// 256), random weights (speed does not depend on them), float32, 2 threads.
//
//   preference_step/<method>  one step as `tinygpt align` takes it: 16 pairs, each two
//                             conversations of 40 tokens whose last 12 are the answer;
//                             forward, loss, backward, AdamW on every weight.
//                             method: reward (both answers scored by the reward head,
//                             Bradley-Terry), dpo (both answers' log-probabilities under the
//                             policy, and under the frozen reference without gradients, DPO's
//                             loss). Counter: pairs_per_s.
//
// PPO's iteration, in its three parts, as `tinygpt align --method ppo` runs it with its
// defaults (64 samples of at most 48 tokens, 4 epochs of minibatches of 16): questions from
// a generated world's preference pairs, in the chat template, with a BPE of 1,024 tokens
// trained on the world's stories. Random weights rarely end an answer, so the samples run to
// 48 tokens: the longest the defaults allow.
//   ppo_rollouts   64 answers sampled on the inference engine (16 slots, temperature 1).
//                  Counter: tokens_per_s, answer tokens generated per second.
//   ppo_scoring    the policy's log-probabilities, entropies and values, the reference's
//                  log-probabilities and the reward model's score of those 64 samples.
//   ppo_update     one minibatch step: 16 samples through the policy and its value head,
//                  both clipped losses, backward, AdamW. An iteration takes 16 of them.
//
// Run: build/release/steps/05-alignment/bench/bench_align
#include <benchmark/benchmark.h>

#include <filesystem>

#include "bench_support.hpp"
#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/align/ppo_rollouts.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/train/optimizers.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::bench {
namespace {

const models::ModelConfig kJourney = gpt_config(1024, 4, 4, 256, 256);
constexpr std::int64_t kPairs = 16;
constexpr std::int64_t kTime = 40;
constexpr std::int64_t kAnswer = 12;

// kPairs conversations of random tokens, the last kAnswer of each supervised.
tune::ChatBatch conversations(std::uint64_t seed) {
  tune::ChatBatch batch;
  batch.batch = kPairs;
  batch.time = kTime;
  batch.inputs = random_token_ids(kPairs * kTime, kJourney.vocab_size, seed);
  batch.targets.assign(batch.inputs.size(), -1);
  batch.mask.assign(batch.inputs.size(), 1);
  for (std::int64_t b = 0; b < kPairs; ++b) {
    for (std::int64_t t = kTime - kAnswer - 1; t + 1 < kTime; ++t) {
      batch.targets[static_cast<std::size_t>(b * kTime + t)] =
          batch.inputs[static_cast<std::size_t>(b * kTime + t + 1)];
    }
  }
  return batch;
}

void BM_preference_step(benchmark::State& state) {
  const bool dpo = state.range(0) == 1;
  models::Gpt policy(kJourney);
  policy.init(1);
  models::Gpt reference(kJourney);
  reference.init(1);
  if (!dpo) {
    models::add_head_parameters(policy.parameters(), kJourney.width, {"reward", {"reward"}, "last"},
                                1);
  }
  const tune::ChatBatch chosen = conversations(1);
  const tune::ChatBatch rejected = conversations(2);
  train::AdamW adamw(policy.parameters(), {});
  Tape tape;
  Tape reference_tape;
  reference_tape.set_grad_enabled(false);
  const models::RunOptions training{.training = true};
  for (auto _ : state) {
    policy.parameters().zero_grad();
    tape.reset();
    Tensor loss;
    if (dpo) {
      const Tensor policy_chosen = align::answer_logprobs(tape, policy, chosen, training);
      const Tensor policy_rejected = align::answer_logprobs(tape, policy, rejected, training);
      reference_tape.reset();
      const Tensor ref_chosen = align::answer_logprobs(reference_tape, reference, chosen);
      const Tensor ref_rejected = align::answer_logprobs(reference_tape, reference, rejected);
      const auto constant = [&tape](const Tensor& values) {
        return tape.constant(values.shape, std::span<const float>(values.data, kPairs));
      };
      loss = align::dpo_loss(tape, policy_chosen, policy_rejected, constant(ref_chosen),
                             constant(ref_rejected), 0.1f);
    } else {
      loss = align::bradley_terry_loss(tape, align::reward_scores(tape, policy, chosen, training),
                                       align::reward_scores(tape, policy, rejected, training));
    }
    tape.backward(loss);
    adamw.step(policy.parameters());
  }
  state.counters["pairs_per_s"] = benchmark::Counter(static_cast<double>(kPairs),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_preference_step)
    ->ArgName("method_reward0_dpo1")
    ->DenseRange(0, 1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

constexpr std::int64_t kRollouts = 64;
constexpr std::int64_t kAnswerTokens = 48;
constexpr std::int64_t kMinibatch = 16;

// A generated world's first training questions, and a BPE trained on its stories with the
// chat markers.
text::BpeTokenizer world_tokenizer(const text::ChatTemplate& chat,
                                   std::vector<std::string>& prompts) {
  const std::filesystem::path world =
      std::filesystem::temp_directory_path() / "tinygpt-bench-align-world";
  data::generate({.seed = 1, .size = 200000, .kinds = {"stories", "preferences"}}, world);
  const std::string specials[] = {"<|endoftext|>", chat.user, chat.assistant, chat.end};
  text::BpeTokenizer tokenizer =
      text::BpeTokenizer::train(read_file(world / "stories.txt"), 1020, specials);
  for (const tune::PreferencePair& pair : tune::load_preferences(world, tune::Split::kTrain)) {
    if (static_cast<std::int64_t>(prompts.size()) < kRollouts) prompts.push_back(pair.prompt);
  }
  std::filesystem::remove_all(world);
  return tokenizer;
}

// The three models of PPO on one tokenizer, and the questions they are asked.
struct PpoSetup {
  text::ChatTemplate chat;
  std::vector<std::string> prompts;
  text::BpeTokenizer tokenizer = world_tokenizer(chat, prompts);
  models::Gpt policy{kJourney};
  models::Gpt reference{kJourney};
  models::Gpt reward_model{kJourney};

  PpoSetup() {
    policy.init(1);
    reference.init(1);
    reward_model.init(2);
    align::add_value_head(policy.parameters(), kJourney.width, 1);
    models::add_head_parameters(reward_model.parameters(), kJourney.width,
                                {"reward", {"reward"}, "last"}, 2);
  }

  align::PpoModels models() { return {policy, reference, reward_model, tokenizer, chat}; }

  align::Rollouts sample() {
    return align::sample_rollouts(
        models(), prompts,
        {.max_new_tokens = kAnswerTokens, .sampling = {.temperature = 1.0f}, .seed = 7},
        kJourney.context_length);
  }
};

PpoSetup& ppo_setup() {
  static PpoSetup setup;
  return setup;
}

void BM_ppo_rollouts(benchmark::State& state) {
  PpoSetup& setup = ppo_setup();
  std::int64_t tokens = 0;
  for (auto _ : state) tokens += setup.sample().tokens();
  state.counters["tokens_per_s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ppo_rollouts)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_ppo_scoring(benchmark::State& state) {
  PpoSetup& setup = ppo_setup();
  align::Rollouts rollouts = setup.sample();
  for (auto _ : state) align::score_rollouts(rollouts, setup.models());
  state.counters["samples_per_s"] = benchmark::Counter(
      static_cast<double>(kRollouts), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ppo_scoring)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_ppo_update(benchmark::State& state) {
  PpoSetup& setup = ppo_setup();
  align::Rollouts rollouts = setup.sample();
  align::score_rollouts(rollouts, setup.models());
  align::assign_advantages(rollouts, 0.1f, 1.0f, 0.95f);
  std::vector<const text::ChatTokens*> rows;
  for (std::int64_t i = 0; i < kMinibatch; ++i) rows.push_back(&rollouts.conversations[i]);
  const tune::ChatBatch batch = tune::chat_batch(rows, kJourney.context_length);
  const auto first = static_cast<std::size_t>(rollouts.offsets[kMinibatch]);
  const auto slice = [first](const std::vector<float>& values) {
    return std::span<const float>(values.data(), first);
  };
  train::AdamW adamw(setup.policy.parameters(), {});
  const models::RunOptions training{.training = true};
  const std::array<float, 1> value_coef = {0.1f};
  Tape tape;
  for (auto _ : state) {
    setup.policy.parameters().zero_grad();
    tape.reset();
    const Tensor states =
        setup.policy.hidden(tape, batch.inputs, batch.batch, batch.mask, training);
    const Tensor logprobs =
        align::token_logprobs(tape, setup.policy.logits(tape, states, training), batch);
    const Tensor values = align::answer_values(tape, setup.policy.parameters(), states, batch);
    const Shape column = logprobs.shape;
    const Tensor policy_loss =
        align::ppo_policy_loss(tape, logprobs, tape.constant(column, slice(rollouts.logprobs)),
                               tape.constant(column, slice(rollouts.advantages)), 0.2f);
    const Tensor value_loss =
        align::ppo_value_loss(tape, values, tape.constant(column, slice(rollouts.values)),
                              tape.constant(column, slice(rollouts.returns)), 0.2f);
    tape.backward(nn::add(
        tape, policy_loss.reshaped(Shape{1, 1}),
        nn::mul(tape, value_loss.reshaped(Shape{1, 1}), tape.constant(Shape{1, 1}, value_coef))));
    adamw.step(setup.policy.parameters());
  }
  state.counters["samples_per_s"] = benchmark::Counter(
      static_cast<double>(kMinibatch), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ppo_update)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tinygpt::bench

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  return tinygpt::bench::run_benchmarks(argc, argv);
}
