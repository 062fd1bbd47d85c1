// How long an alignment step takes, by method.
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
// Run: build/release/steps/05-alignment/bench/bench_align
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/train/optimizers.h"

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

}  // namespace
}  // namespace tinygpt::bench

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  return tinygpt::bench::run_benchmarks(argc, argv);
}
