/// @file bigram.h
/// @brief The neural bigram language model: the next token's scores depend only on the
/// current token, through one learned (V, V) table.
///
/// P(next = j | current = i) = softmax(table[i])_j. Trained with cross-entropy, the table
/// converges to the log of the bigram counts, so it is the simplest model that learns from
/// data: the baseline every later model must beat on the same corpus, tokenizer and split.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"

namespace tinygpt::models {

/// @brief A (V, V) table of next-token scores, one row per current token.
class BigramModel {
 public:
  /// @brief A model that starts uniform (all scores 0, loss = log V).
  /// @param vocab_size V, at least 1.
  explicit BigramModel(std::int32_t vocab_size);

  /// @brief Records the scores of the token after each of `tokens`.
  /// @param tape the tape.
  /// @param tokens N current tokens in [0, V).
  /// @return (N, V) logits: row n scores the token that follows tokens[n].
  Tensor logits(Tape& tape, std::span<const std::int32_t> tokens);
  /// @brief Records the mean cross-entropy of predicting `targets` from `inputs`.
  /// @param tape the tape.
  /// @param inputs N current tokens.
  /// @param targets N next tokens.
  /// @return the mean loss in nats, a scalar.
  Tensor loss(Tape& tape, std::span<const std::int32_t> inputs,
              std::span<const std::int32_t> targets);
  /// @brief Mean cross-entropy of every consecutive pair of `tokens`, without gradients.
  /// @param tokens a token stream of at least 2 tokens.
  /// @return the mean loss in nats per predicted token.
  double evaluate(std::span<const std::int32_t> tokens);
  /// @brief Continues `prompt` by sampling one token at a time.
  /// @param prompt at least one token; only the last one matters to a bigram.
  /// @param count how many tokens to add.
  /// @param temperature 0 (greedy) or positive.
  /// @param seed seed of the sampling stream (the same seed gives the same text).
  /// @return the prompt followed by `count` sampled tokens.
  std::vector<std::int32_t> generate(std::span<const std::int32_t> prompt, int count,
                                     float temperature, std::uint64_t seed);

  /// @return the parameters (one: "table", shape (V, V)).
  ParameterSet& parameters() { return parameters_; }
  /// @return V.
  std::int32_t vocab_size() const { return vocab_size_; }

 private:
  std::int32_t vocab_size_;
  ParameterSet parameters_;
  Tensor table_;  // (V, V)
};

/// @brief The cross-entropy of a count-based bigram with add-alpha smoothing: the optimum
/// the neural bigram approaches, as a check of its training.
/// @param train training token stream (counts come from its consecutive pairs).
/// @param evaluation token stream to score.
/// @param vocab_size V.
/// @param alpha pseudo-count added to every pair.
/// @return the mean loss in nats per predicted token of `evaluation`.
double count_bigram_loss(std::span<const std::int32_t> train,
                         std::span<const std::int32_t> evaluation, std::int32_t vocab_size,
                         double alpha);

}  // namespace tinygpt::models
