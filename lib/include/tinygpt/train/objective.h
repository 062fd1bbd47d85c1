/// @file objective.h
/// @brief What a training run optimises: the one interface every training objective
/// implements, so that each gets the whole training loop (loop.h) by reuse.
///
/// The loop owns everything that is the same for every objective: the schedule, AdamW,
/// gradient accumulation and clipping, data-parallel ranks, validation every so often,
/// metrics, samples, checkpoints with exact resume and the clean stop. An objective owns
/// the rest: its model (or models), its data, which of the parameters train, how a batch
/// becomes a loss, and what its validation reports.
///
/// The pre-training families are three objectives (causal LM, MLM + NSP, seq2seq:
/// src/train/pretraining_objectives.cpp); fine-tuning, PEFT and alignment add theirs.
/// docs/architecture.md ("Training objectives") shows a new one plugging in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/data/batching.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::train {

/// Named figures of one validation batch, "loss" first (accuracy, say, after it). The loop
/// averages each over the validation batches and the ranks.
using Figures = std::vector<std::pair<std::string, double>>;

/// @brief How much training data one pass holds, for `epochs`, and the tokens of a step,
/// for the tokens-per-second figure.
struct DataSize {
  std::int64_t epoch_units = 0;      ///< units in one pass over the training data
  std::int64_t units_per_step = 0;   ///< units one optimizer step consumes
  std::string unit;                  ///< what a unit is, plural ("training tokens")
  std::int64_t tokens_per_step = 0;  ///< tokens one optimizer step reads
};

/// @brief A training objective: the loss of a batch, which parameters train, what
/// validation reports, and what else a checkpoint must keep.
///
/// Everything random must be a pure function of (seed, step, example index) given by the
/// BatchKey and RunOptions the loop passes, so that resume and N ranks stay exact.
class Objective {
 public:
  virtual ~Objective() = default;

  /// @return every parameter of the model, frozen ones included (a checkpoint saves all).
  virtual ParameterSet& parameters() = 0;
  /// @brief Which parameters train. The loop freezes the others before it makes the
  /// optimizer: a frozen parameter has no gradient buffer and no optimizer state, and the
  /// ops skip its gradient work. Default: all.
  /// @param parameter one of parameters().
  /// @return whether it trains.
  virtual bool trains(const Parameter& parameter) const {
    (void)parameter;
    return true;
  }

  /// @brief Records the loss of rows [key.first_example, key.first_example + key.batch)
  /// of training step key.step on the tape (forward only; the loop runs backward). Data
  /// the tape's views point at must stay alive until the next call.
  /// @param tape the tape, reset by the loop.
  /// @param key the batch: seed, step, first example, rows.
  /// @param options training mode and the dropout key for those rows.
  /// @return a one-element loss, the mean over the rows.
  virtual Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) = 0;

  /// @brief The figures of validation rows [first, first + rows), in evaluation mode
  /// (the loop disables gradients).
  /// @param tape the tape, reset by the loop.
  /// @param first the first validation example.
  /// @param rows the examples.
  /// @return "loss" first, then any other figure.
  virtual Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) = 0;

  /// @return the size of the training data (for `epochs` and tokens per second).
  virtual DataSize data_size() const = 0;

  /// @brief State besides the parameters that the objective updates itself and a resumed
  /// run needs (a running statistic, an adaptive coefficient): saved as `state.<name>` in
  /// checkpoints, restored on resume. Its parameters should be frozen (no gradient).
  /// @return the state, or nullptr when there is none (the default).
  virtual ParameterSet* extra_state() { return nullptr; }

  /// @brief A text sample for the log (rank 0, every sample_interval steps).
  /// @param step the steps done.
  /// @return the text, or nothing when the objective has no samples (the default).
  virtual std::optional<std::string> sample(std::int64_t step) {
    (void)step;
    return std::nullopt;
  }

  /// @brief Writes the trained model where a front-end loads it (rank 0, at the end).
  /// @param folder the run's `model` folder.
  virtual void save_model(const std::filesystem::path& folder) { (void)folder; }
};

}  // namespace tinygpt::train
