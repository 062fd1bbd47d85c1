/// @file trainer.h
/// @brief Pre-training a person runs (`tinygpt train`): the three families' data and
/// objectives in the training loop (loop.h).
///
/// Each family is an objective (objective.h) whose loss of a batch of B rows is:
///   - GPT (causal language modelling): rows = causal_lm_batch(train tokens, key, T);
///     loss = cross_entropy(gpt(rows.inputs), rows.targets).
///   - encoder (BERT): rows = nsp_batch(sentence pairs of the training documents), then
///     mlm_mask_batch (15%, 80/10/10, never [CLS]/[SEP]/[PAD]); loss = MLM + NSP. Its
///     tokenizer needs the specials [CLS], [SEP], [PAD] and [MASK].
///   - seq2seq: rows = seq2seq_batch(translation pairs), S = T = context; loss = the
///     decoder's cross-entropy on the shifted target. The data is a folder with
///     translation.txt (`tinygpt data generate --kinds translation`); the tokenizer needs
///     [BOS], [EOS] and [PAD]. A tokenizer the trainer trains gets the family's specials.
///
/// Everything random is a pure function of (seed, step, example), so the same config gives
/// bit-identical losses, and a run resumed from a checkpoint continues exactly as if it
/// had never stopped.
///
/// The loop itself (schedule, accumulation, clipping, data-parallel ranks, validation,
/// metrics, checkpoints, resume, stopping) is loop.h's, shared with every other objective;
/// this front-end prepares the data, makes the family's objective and records the run:
///   - data/: the tokenizer and token files, when the trainer tokenised a text corpus;
///   - model/: the final model as a model folder (models/pretrained.h): a GPT's is what
///     `tinygpt generate` reads, an encoder's what `tinygpt finetune --task tokens` tunes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "tinygpt/models/config.h"
#include "tinygpt/train/distributed.h"
#include "tinygpt/train/loop.h"

namespace tinygpt::train {

/// @brief Everything a pre-training run needs to know: how to train (LoopConfig) and what.
struct TrainConfig : LoopConfig {
  models::ModelConfig model;           ///< the model's sizes (its family picks the objective)
  std::filesystem::path model_config;  ///< the file the model config came from (for records)
  /// The data: a folder with train.tokens and validation.tokens (data::write_corpus_token_files)
  /// and tokenizer.bpe; a folder made by `tinygpt data generate` (stories.txt); or a UTF-8
  /// text file. Text is tokenised into `out`/data first.
  std::filesystem::path data;
  std::filesystem::path tokenizer;  ///< a tokenizer.bpe to use; empty: the data's or a new one
  std::int64_t context = 0;         ///< T, tokens per sequence; 0: the model's context_length
  std::int64_t sample_tokens = 48;  ///< length of a sample in tokens

  /// @return T: context, or the model's context_length when context is 0.
  std::int64_t time() const { return context > 0 ? context : model.context_length; }
};

/// @brief Parses a training config file: a JSON object with the fields of TrainConfig
/// (`model_config` a path, relative to the file's folder; `family`, when present, must be
/// the model config's). Unknown fields and wrong types are Errors naming the file and field.
/// @param json_text the JSON text.
/// @param origin the file's path, for messages and relative paths.
/// @return the config (not yet checked: see check_train_config()).
TrainConfig parse_train_config(std::string_view json_text, const std::filesystem::path& origin);

/// @param config a config.
/// @return it as a one-line JSON object (what checkpoints store and train_config.json holds).
std::string to_json(const TrainConfig& config);

/// @brief Checks a config before anything is trained: check_loop_config(), the context,
/// the data present. Each Error names the setting and what to do.
/// @param config the config.
void check_train_config(const TrainConfig& config);

/// @brief Trains as the config says (check_train_config() first). Resumes from the latest
/// checkpoint when config.resume is set; a fresh run into a folder that already holds
/// checkpoints is an Error (resume, or pick another folder). Stops after the step during
/// which stop_requested() became true on any rank, saving a checkpoint.
///
/// With several ranks every rank calls it with the same config; the batch must be
/// divisible by ranks x micro_batches. An Error on one rank leaves the others waiting in a
/// collective: the program should end the job (DistributedSession::abort_job()).
/// @param config the run.
/// @param callbacks progress hooks.
/// @param communicator the ranks that train together (default: every process of the job).
/// @return what happened (the same on every rank).
TrainResult run_training(const TrainConfig& config, const TrainCallbacks& callbacks = {},
                         Communicator& communicator = world_communicator());

}  // namespace tinygpt::train
