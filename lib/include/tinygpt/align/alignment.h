/// @file alignment.h
/// @brief Aligning a chat model with preference pairs (`tinygpt align`): a method, the
/// world's pairs, and the one training loop (train/loop.h).
///
/// Methods:
///   - reward: a reward model, the model with a "reward" head (one score, read at the last
///     token) trained by the Bradley-Terry loss to score each pair's chosen answer above its
///     rejected one (preference_loss.h). Every weight trains.
///   - dpo: the model itself trained by DPO's loss against a frozen copy of itself, the
///     reference (Rafailov et al., 2023).
///
/// The model folder must be instruction-tuned (it has the chat markers: `tinygpt finetune
/// --task instruct`). The run's folder is the loop's (checkpoints with exact resume,
/// metrics.jsonl, loss.svg, train_config.json) plus model/ (a model folder every command
/// loads; a reward model's has its head) and report.json: the test pairs ordered right,
/// overall and per reason, by the reward model's scores or DPO's implicit rewards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "tinygpt/train/distributed.h"
#include "tinygpt/train/loop.h"

namespace tinygpt::align {

/// @brief What an alignment run does: how to train (LoopConfig) and what.
struct AlignConfig : train::LoopConfig {
  std::filesystem::path model;  ///< the instruction-tuned model folder
  std::filesystem::path data;   ///< a world folder with preferences.jsonl
  std::string method = "dpo";   ///< reward or dpo
  float beta = 0.1f;            ///< dpo: the implicit reward's scale (larger: nearer the reference)
  std::int64_t context = 0;     ///< T, tokens per conversation; 0: the model's context_length
  /// The report scores the first N test pairs and asks their questions (0: all).
  std::int64_t test_pairs = 0;
};

/// @brief Parses an alignment config file: a JSON object with AlignConfig's fields (`model`
/// and `data` relative to the file's folder) and the loop's. Unknown fields and wrong types
/// are Errors naming the file and field.
/// @param json_text the JSON text.
/// @param origin the file's path.
/// @return the config (checked by run_align()).
AlignConfig parse_align_config(std::string_view json_text, const std::filesystem::path& origin);

/// @param config a config.
/// @return it as a one-line JSON object (train_config.json).
std::string to_json(const AlignConfig& config);

/// @brief Checks a config before any training: the method known, beta positive, the model
/// folder a GPT with the chat markers, the data with preferences.jsonl. Each Error names the
/// setting.
/// @param config the config.
void check_align_config(const AlignConfig& config);

/// @brief What an alignment run measured on the test pairs.
struct AlignResult {
  train::TrainResult training;      ///< the loop's result
  std::filesystem::path model_dir;  ///< out/model
  std::filesystem::path report;     ///< out/report.json
  std::string summary;              ///< the report as a small Markdown table
};

/// @brief Aligns as the config says (check_align_config() first), scores the test pairs
/// and writes report.json. Resumes with config.resume.
/// @param config the run.
/// @param callbacks progress hooks.
/// @param communicator the ranks that train together.
/// @return what happened.
AlignResult run_align(const AlignConfig& config, const train::TrainCallbacks& callbacks = {},
                      train::Communicator& communicator = train::world_communicator());

}  // namespace tinygpt::align
