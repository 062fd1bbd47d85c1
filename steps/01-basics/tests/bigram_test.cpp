// The bigram language model and its trainer, on a Markov chain whose true probabilities we
// know: a trained bigram must reach the chain's own cross-entropy.
#include <cmath>
#include <sstream>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/models/bigram.h"
#include "tinygpt/train/bigram_trainer.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::contains;

namespace {
constexpr int kStates = 8;

// Token i is followed by (i + 1) % 8 with probability 0.7, else by any token uniformly.
double transition(int from, int to) {
  return (to == (from + 1) % kStates ? 0.7 : 0.0) + 0.3 / kStates;
}

std::vector<std::int32_t> sample_chain(std::size_t length, std::uint64_t stream_step) {
  CounterRng rng(7, RngStream::kDemo, stream_step, 0);
  std::vector<std::int32_t> tokens = {0};
  while (tokens.size() < length) {
    const float u = rng.uniform();
    double cumulative = 0.0;
    int next = kStates - 1;
    for (int to = 0; to < kStates; ++to) {
      cumulative += transition(tokens.back(), to);
      if (u < cumulative) {
        next = to;
        break;
      }
    }
    tokens.push_back(next);
  }
  return tokens;
}

// The loss of the true model on a stream: what a perfect bigram would score.
double true_loss(const std::vector<std::int32_t>& tokens) {
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    total -= std::log(transition(tokens[i], tokens[i + 1]));
  }
  return total / static_cast<double>(tokens.size() - 1);
}

// Settings that fit an 8-token chain: with few rows, each gets a large share of a batch.
train::BigramTrainOptions chain_options(int steps) {
  train::BigramTrainOptions options;
  options.steps = steps;
  options.batch_size = 1024;
  options.learning_rate = 5.0f;
  return options;
}
}  // namespace

TEST_CASE("a trained bigram reaches the cross-entropy of the true chain", "[step01][bigram]") {
  const auto train_tokens = sample_chain(60000, 0);
  const auto validation_tokens = sample_chain(20000, 1);
  models::BigramModel model(kStates);
  const train::BigramTrainOptions options = chain_options(300);
  std::ostringstream log;
  const auto report = train::train_bigram(model, train_tokens, validation_tokens,
                                          /*validation_bytes=*/20000, options, log);
  INFO(log.str());
  CHECK_THAT(report.initial_validation_loss, WithinAbs(std::log(double{kStates}), 1e-5));
  const double optimum = true_loss(validation_tokens);
  CHECK(report.validation_loss < optimum + 0.01);
  CHECK(report.validation_loss > optimum - 0.03);  // no model beats the truth by much
  const double counted = models::count_bigram_loss(train_tokens, validation_tokens, kStates, 0.1);
  CHECK_THAT(report.validation_loss, WithinAbs(counted, 0.01));
  CHECK_THAT(report.validation_perplexity, WithinAbs(std::exp(report.validation_loss), 1e-9));
  // One byte per token here, so bits per byte is the loss in bits.
  CHECK_THAT(report.validation_bits_per_byte,
             WithinAbs(report.validation_loss * 19999.0 / 20000.0 / std::log(2.0), 1e-9));
}

TEST_CASE("a trained bigram generates the chain's likely successors", "[step01][bigram]") {
  const auto tokens = sample_chain(30000, 2);
  models::BigramModel model(kStates);
  std::ostringstream log;
  train::train_bigram(model, tokens, tokens, 30000, chain_options(100), log);
  const std::vector<std::int32_t> prompt = {3};
  CHECK(model.generate(prompt, 6, 0.0f, 1) == std::vector<std::int32_t>{3, 4, 5, 6, 7, 0, 1});
  CHECK(model.generate(prompt, 50, 1.0f, 9) == model.generate(prompt, 50, 1.0f, 9));
  CHECK(model.generate(prompt, 50, 1.0f, 9) != model.generate(prompt, 50, 1.0f, 10));
}

TEST_CASE("bigram training is a pure function of the seed", "[step01][bigram]") {
  const auto tokens = sample_chain(5000, 3);
  train::BigramTrainOptions options;
  options.steps = 20;
  options.batch_size = 256;
  options.log_every = 0;
  std::ostringstream log;
  models::BigramModel first(kStates), second(kStates);
  const auto a = train::train_bigram(first, tokens, tokens, 5000, options, log);
  const auto b = train::train_bigram(second, tokens, tokens, 5000, options, log);
  CHECK(a.validation_loss == b.validation_loss);
  CHECK(first.parameters().at("table").value == second.parameters().at("table").value);
}

TEST_CASE("the bigram model rejects bad input, naming it", "[step01][bigram]") {
  REQUIRE_THROWS_WITH(models::BigramModel(0),
                      contains("vocabulary size must be at least 1, got 0"));
  models::BigramModel model(4);
  REQUIRE_THROWS_WITH(model.evaluate(std::vector<std::int32_t>{1}),
                      contains("needs at least 2 tokens, got 1"));
  REQUIRE_THROWS_WITH(model.generate(std::vector<std::int32_t>{9}, 1, 1.0f, 1),
                      contains("token 9 is outside [0, 4)"));
  Tape tape;
  REQUIRE_THROWS_WITH(
      model.loss(tape, std::vector<std::int32_t>{1, 2}, std::vector<std::int32_t>{1}),
      contains("2 inputs but 1 targets"));
}
