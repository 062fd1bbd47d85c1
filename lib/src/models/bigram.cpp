#include "tinygpt/models/bigram.h"

#include <algorithm>
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/models/sampling.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/embedding.h"

namespace tinygpt::models {

BigramModel::BigramModel(std::int32_t vocab_size) : vocab_size_(vocab_size) {
  TINYGPT_CHECK(vocab_size >= 1, "BigramModel: the vocabulary size must be at least 1, got ",
                vocab_size);
  table_ = parameters_.add("table", Shape{vocab_size, vocab_size});
}

Tensor BigramModel::logits(Tape& tape, std::span<const std::int32_t> tokens) {
  // Looking up row i of the table is exactly multiplying a one-hot vector of i by it.
  return nn::embedding(tape, table_, tokens);
}

Tensor BigramModel::loss(Tape& tape, std::span<const std::int32_t> inputs,
                         std::span<const std::int32_t> targets) {
  TINYGPT_CHECK(inputs.size() == targets.size(), "BigramModel::loss: ", inputs.size(),
                " inputs but ", targets.size(), " targets");
  return nn::softmax_cross_entropy(tape, logits(tape, inputs), targets);
}

double BigramModel::evaluate(std::span<const std::int32_t> tokens) {
  TINYGPT_CHECK(tokens.size() >= 2, "BigramModel::evaluate: needs at least 2 tokens, got ",
                tokens.size());
  // In chunks, so a long validation text never needs a (N, V) matrix of all its logits.
  constexpr std::size_t kChunk = 4096;
  const std::size_t pairs = tokens.size() - 1;
  Tape tape;
  NoGradGuard no_grad(tape);
  double total = 0.0;
  for (std::size_t start = 0; start < pairs; start += kChunk) {
    const std::size_t count = std::min(kChunk, pairs - start);
    tape.reset();
    const float mean =
        loss(tape, tokens.subspan(start, count), tokens.subspan(start + 1, count)).item();
    total += static_cast<double>(mean) * static_cast<double>(count);
  }
  return total / static_cast<double>(pairs);
}

std::vector<std::int32_t> BigramModel::generate(std::span<const std::int32_t> prompt, int count,
                                                float temperature, std::uint64_t seed) {
  TINYGPT_CHECK(!prompt.empty(), "BigramModel::generate: the prompt needs at least one token");
  TINYGPT_CHECK(count >= 0, "BigramModel::generate: count must not be negative, got ", count);
  std::vector<std::int32_t> tokens(prompt.begin(), prompt.end());
  CounterRng rng(seed, RngStream::kSampling, 0, 0);
  const MatrixMap table = table_.matrix();
  for (int i = 0; i < count; ++i) {
    const std::int32_t current = tokens.back();
    TINYGPT_CHECK(current >= 0 && current < vocab_size_, "BigramModel::generate: token ", current,
                  " is outside [0, ", vocab_size_, ")");
    const float* row = table.row(current).data();
    tokens.push_back(sample_token({row, static_cast<std::size_t>(vocab_size_)}, temperature, rng));
  }
  return tokens;
}

double count_bigram_loss(std::span<const std::int32_t> train,
                         std::span<const std::int32_t> evaluation, std::int32_t vocab_size,
                         double alpha) {
  TINYGPT_CHECK(alpha > 0.0, "count_bigram_loss: alpha must be positive, got ", alpha);
  TINYGPT_CHECK(evaluation.size() >= 2, "count_bigram_loss: needs at least 2 tokens to score");
  const auto v = static_cast<std::size_t>(vocab_size);
  std::vector<double> counts(v * v, alpha);
  std::vector<double> row_totals(v, alpha * static_cast<double>(v));
  for (std::size_t i = 0; i + 1 < train.size(); ++i) {
    counts[static_cast<std::size_t>(train[i]) * v + static_cast<std::size_t>(train[i + 1])] += 1.0;
    row_totals[static_cast<std::size_t>(train[i])] += 1.0;
  }
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < evaluation.size(); ++i) {
    const auto current = static_cast<std::size_t>(evaluation[i]);
    const auto next = static_cast<std::size_t>(evaluation[i + 1]);
    total -= std::log(counts[current * v + next] / row_totals[current]);
  }
  return total / static_cast<double>(evaluation.size() - 1);
}

}  // namespace tinygpt::models
