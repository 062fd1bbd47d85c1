// Gradient accumulation: N micro-batches, each loss scaled by 1/N, give the gradients and
// the update of one N-times-larger batch (the pattern optimizers.h documents).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/train/optimizers.h"

using namespace tinygpt;

namespace {

constexpr std::int64_t kBatch = 4, kTime = 8;

models::ModelConfig tiny_gpt() {
  models::ModelConfig config;
  config.vocab_size = 23;
  config.context_length = kTime;
  config.width = 16;
  config.layers = 2;
  config.heads = 2;
  return config;
}

// Made-up ids and next-token targets, every target real (so every micro-batch has as many
// target tokens, and the mean of the micro-batch means is the batch mean).
void make_batch(std::vector<std::int32_t>& ids, std::vector<std::int32_t>& targets) {
  CounterRng rng(5, RngStream::kDemo, 0, 0);
  ids.resize(kBatch * kTime);
  targets.resize(kBatch * kTime);
  for (auto& id : ids) id = static_cast<std::int32_t>(rng.below(23));
  for (auto& target : targets) target = static_cast<std::int32_t>(rng.below(23));
}

// max over parameters of max |a - b| / max |b|.
double worst_relative_error(const ParameterSet& a, const ParameterSet& b, bool gradients) {
  double worst = 0.0;
  auto ia = a.begin();
  for (auto ib = b.begin(); ib != b.end(); ++ib, ++ia) {
    const AlignedFloats& x = gradients ? ia->grad : ia->value;
    const AlignedFloats& y = gradients ? ib->grad : ib->value;
    double difference = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      difference = std::max(difference, std::abs(static_cast<double>(x[i]) - y[i]));
      scale = std::max(scale, std::abs(static_cast<double>(y[i])));
    }
    worst = std::max(worst, scale == 0.0 ? difference : difference / scale);
  }
  return worst;
}

}  // namespace

TEST_CASE("four micro-batches with loss scaled by 1/4 equal one batch of four",
          "[step03][accumulation]") {
  std::vector<std::int32_t> ids, targets;
  make_batch(ids, targets);
  models::Gpt whole(tiny_gpt());
  models::Gpt accumulated(tiny_gpt());
  whole.init(17);
  accumulated.init(17);

  // One batch of 4 sequences: mean loss over 32 targets.
  Tape tape;
  whole.parameters().zero_grad();
  const Tensor logits = whole.forward(tape, ids, kBatch);
  tape.backward(nn::softmax_cross_entropy(tape, logits, targets));

  // 4 micro-batches of 1 sequence: zero once, backward accumulates, each loss scaled 1/4.
  accumulated.parameters().zero_grad();
  const std::array<float, 1> scale = {1.0f / kBatch};
  for (std::int64_t b = 0; b < kBatch; ++b) {
    tape.reset();
    const std::span<const std::int32_t> row_ids(ids.data() + b * kTime, kTime);
    const std::span<const std::int32_t> row_targets(targets.data() + b * kTime, kTime);
    const Tensor micro_logits = accumulated.forward(tape, row_ids, 1);
    tape.backward(nn::softmax_cross_entropy(tape, micro_logits, row_targets), scale);
  }

  // Same gradients up to float32 rounding of differently ordered sums: measured 3e-7 of
  // each parameter's largest gradient; the bound is 1e-5.
  const double gradient_error =
      worst_relative_error(accumulated.parameters(), whole.parameters(), true);
  INFO("gradients: worst relative error " << gradient_error);
  CHECK(gradient_error < 1e-5);

  // And the same update. SGD with momentum is linear in the gradient, so its update differs
  // by as little as the gradients do: measured 3e-7 of each parameter's largest value after
  // the step; the bound is 1e-5.
  train::SgdMomentumSettings settings;
  settings.learning_rate = 0.1f;
  train::SgdMomentum sgd_whole(whole.parameters(), settings);
  train::SgdMomentum sgd_accumulated(accumulated.parameters(), settings);
  sgd_whole.step(whole.parameters());
  sgd_accumulated.step(accumulated.parameters());
  const double update_error =
      worst_relative_error(accumulated.parameters(), whole.parameters(), false);
  INFO("parameters after one SGD step: worst relative error " << update_error);
  CHECK(update_error < 1e-5);
  WARN("accumulation: gradients " << gradient_error << ", parameters after the step "
                                  << update_error);
}
