/// @file finetune.h
/// @brief Fine-tuning a pre-trained model folder (`tinygpt finetune`): a task, a method,
/// and the one training loop (train/loop.h).
///
/// Tasks:
///   - classify: a sequence classifier on reviews.jsonl (3 sentiments). A GPT reads the
///     review and a head reads its last token, or an encoder reads "[CLS] review [SEP]" and
///     the head reads [CLS] (classifier.h); the label set comes from the data.
///   - instruct: supervised fine-tuning on instructions.jsonl and dialogues.jsonl in the
///     chat format (chat_template.h), the loss on the assistant's tokens only
///     (instruction_tuning.h). The chat markers are added to the tokenizer and the model.
///   - tokens: named-entity tagging on entities.jsonl with an encoder (tagging.h): BIO tags
///     on the byte-level tokens from a head on every position.
///
/// Methods say which parameters train (an encoder's pre-training heads, mlm, pooler and
/// nsp, never do: no task reads them); the rest are frozen (no gradient buffer, no
/// optimizer state, bit-identical after training):
///   - full: every parameter;
///   - head: the head only (a linear probe of the frozen model; classify and tokens);
///   - top_k_blocks: the last `top_k` blocks, ln_f and the head;
///   - lora, qlora (lora.h, qlora.h), soft_prompt and prefix (prompt_tuning.h): an adapter
///     and the head (for instruct also the token embedding when the run adds the chat
///     markers, its new rows; a chat model's embedding stays frozen);
///     the run saves the adapter alone (adapter_files.h), in `adapter/` beside `model/`.
///
/// The run's folder is the loop's (checkpoints with exact resume, metrics.jsonl, loss.svg,
/// train_config.json) plus model/ (a model folder every command loads) and report.json
/// (the test split's figures: FinetuneResult::summary as JSON).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/train/distributed.h"
#include "tinygpt/train/loop.h"
#include "tinygpt/tune/lora.h"
#include "tinygpt/tune/prompt_tuning.h"

namespace tinygpt::tune {

/// @brief What a fine-tuning run does: how to train (LoopConfig) and what.
struct FinetuneConfig : train::LoopConfig {
  std::filesystem::path model;    ///< the pre-trained model folder
  std::filesystem::path data;     ///< a folder made by `tinygpt data generate`
  std::string task = "classify";  ///< classify, instruct or tokens
  /// full, head, top_k_blocks, lora, qlora, soft_prompt or prefix
  std::string method = "full";
  std::int64_t top_k = 1;  ///< top_k_blocks: blocks that train, counted from the top
  /// Training examples read (the first N of the train split, for data-efficiency curves);
  /// 0: all.
  std::int64_t train_examples = 0;
  /// instruct: a skill left out of training, to measure transfer to an unseen instruction
  /// ("" keeps every skill).
  std::string hold_out_skill;
  /// Start from randomly initialised weights of the same architecture instead of the
  /// folder's (the baseline of the data-efficiency curve).
  bool from_scratch = false;
  std::int64_t context = 0;  ///< T, tokens per sequence; 0: the model's context_length
  /// instruct: the report asks at most this many test instructions of each skill (the
  /// first ones of the split; 0: all), before and after training.
  std::int64_t test_per_skill = 0;
  /// lora and qlora: rank, alpha, dropout and target layers (lora.h), with the task's head
  /// training beside them when it has one; qlora keeps the base in NF4 (qlora.h).
  LoraSettings lora;
  /// soft_prompt and prefix: virtual tokens, the soft prompt's init, the prefix's MLP
  /// (prompt_tuning.h), with the task's head training beside them when it has one.
  PromptSettings prompt;
};

/// @param method a fine-tuning method.
/// @return whether it trains an adapter (lora, qlora, soft_prompt, prefix), which the run
/// saves apart from the base.
bool trains_adapter(std::string_view method);

/// @return the fields of a fine-tuning config file besides the loop's.
std::vector<std::string_view> finetune_config_fields();

/// @brief Parses a fine-tuning config file: a JSON object with the fields of
/// FinetuneConfig (`model` and `data` relative to the file's folder). Unknown fields and
/// wrong types are Errors naming the file and field.
/// @param json_text the JSON text.
/// @param origin the file's path.
/// @return the config (checked by run_finetune()).
FinetuneConfig parse_finetune_config(std::string_view json_text,
                                     const std::filesystem::path& origin);

/// @param config a config.
/// @return its own fields (not the loop's) as the members of a one-line JSON object,
/// without the braces: what the checkpoints record and train_config.json starts with.
std::string settings_json(const FinetuneConfig& config);

/// @brief Checks a config before any training: task and method known and compatible,
/// model folder of a family the task takes, the data present with the task's file, a
/// held-out skill that exists. Each Error names the setting.
/// @param config the config.
void check_finetune_config(const FinetuneConfig& config);

/// @brief What a fine-tuning run measured on the test split.
struct FinetuneResult {
  train::TrainResult training;      ///< the loop's result
  std::filesystem::path model_dir;  ///< out/model
  std::filesystem::path report;     ///< out/report.json
  std::string summary;              ///< the report as a small Markdown table
};

/// @brief Fine-tunes as the config says (check_finetune_config() first), evaluates the
/// result on the test split and writes report.json. Resumes with config.resume.
/// @param config the run.
/// @param callbacks progress hooks.
/// @param communicator the ranks that train together.
/// @return what happened.
FinetuneResult run_finetune(const FinetuneConfig& config,
                            const train::TrainCallbacks& callbacks = {},
                            train::Communicator& communicator = train::world_communicator());

}  // namespace tinygpt::tune
