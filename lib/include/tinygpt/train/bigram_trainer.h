/// @file bigram_trainer.h
/// @brief Training the bigram model with minibatch SGD, and the figures that describe it.
#pragma once

#include <cstdint>
#include <ostream>
#include <span>

#include "tinygpt/models/bigram.h"

namespace tinygpt::train {

/// @brief Settings of a bigram training run.
struct BigramTrainOptions {
  std::uint64_t seed = 1;  ///< chooses the training pairs of every step
  int steps = 1500;        ///< SGD steps
  int batch_size = 4096;   ///< token pairs per step
  /// Large, because a row of the table gets only its token's share of a batch's gradient:
  /// on fortunes with 1024 BPE tokens, 300 reaches the count-based optimum's neighbourhood
  /// fastest (100 and 1000 are slower, 3000 diverges).
  float learning_rate = 300.0f;
  int log_every = 200;  ///< print the training loss every this many steps (0: never)
};

/// @brief What a run measured.
struct BigramReport {
  double initial_validation_loss = 0.0;   ///< before training: log V for the uniform start
  double train_loss = 0.0;                ///< mean over every training pair, after training
  double validation_loss = 0.0;           ///< mean over every validation pair, after training
  double validation_perplexity = 0.0;     ///< exp(validation_loss)
  double validation_bits_per_byte = 0.0;  ///< validation nats per byte / ln 2
  double seconds = 0.0;                   ///< wall time of the SGD steps
};

/// @brief Trains `model` on random pairs of the training stream.
///
/// Step s uses pairs (t[p], t[p + 1]) at positions p drawn from CounterRng(seed, kData,
/// s, i) for the batch's examples i, so a run is a pure function of its seed.
/// @param model the model, trained in place.
/// @param train training tokens (at least 2).
/// @param validation validation tokens (at least 2).
/// @param validation_bytes bytes of text the validation tokens encode (for bits per byte).
/// @param options the settings.
/// @param log progress lines go here.
/// @return the figures.
BigramReport train_bigram(models::BigramModel& model, std::span<const std::int32_t> train,
                          std::span<const std::int32_t> validation, std::int64_t validation_bytes,
                          const BigramTrainOptions& options, std::ostream& log);

}  // namespace tinygpt::train
