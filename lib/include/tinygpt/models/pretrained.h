/// @file pretrained.h
/// @brief Model folders: a model of any family, its tokenizer, and what fine-tuning added
/// (a task head, a chat template), saved and loaded as one.
///
/// The folder holds
///   - config.json: the model config (config.h; or Hugging Face's GPT-2 config.json) with,
///     optionally, "head" (a task head: task, labels, pooling) and "chat" (the markers of
///     the chat template, which are special tokens of the tokenizer);
///   - model.safetensors: the weights (ours, or Hugging Face's names; see weights.h), the
///     head's as head.weight (C, K) and head.bias (K);
///   - the tokenizer: ours as tokenizer.bpe (with its special tokens), or GPT-2's
///     vocab.json + merges.txt.
/// A Hugging Face GPT-2 download (e.g. the "gpt2" model's files) is such a folder as it is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tinygpt/models/encoder.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/seq2seq.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/chat_template.h"

namespace tinygpt::models {

/// @brief A task head: a linear layer from the hidden states to K labels.
struct TaskHead {
  /// "classification" (one label per sequence, read from one pooled position),
  /// "tagging" (one label per token) or "reward" (one score per sequence, read as a
  /// classification head reads; its one label names the score, step 05's reward models).
  std::string task;
  std::vector<std::string> labels;  ///< K label names: output index i is labels[i]
  /// classification and reward: which position stands for the sequence: "last" (the last token that
  /// is not padding: a GPT sees the whole text only there) or "first" (an encoder's
  /// first token); "" for tagging.
  std::string pooling;
};

/// @param head a task head.
/// @return it as the JSON object config.json's "head" holds.
std::string to_json(const TaskHead& head);
/// @param json_text a JSON object as to_json(TaskHead) writes it.
/// @param origin where it comes from, for messages.
/// @return the head; Error naming origin and the field when it is not a valid head.
TaskHead parse_task_head(std::string_view json_text, const std::string& origin);
/// @param chat chat markers.
/// @return them as the JSON object config.json's "chat" holds.
std::string to_json(const text::ChatTemplate& chat);
/// @param json_text a JSON object as to_json(ChatTemplate) writes it.
/// @param origin where it comes from, for messages.
/// @return the markers; Error naming origin and the field when they are not valid.
text::ChatTemplate parse_chat_template(std::string_view json_text, const std::string& origin);

/// @brief Adds a head's parameters to a model's: head.weight (C, K) drawn N(0, 0.02^2)
/// from the seed, head.bias (K) zero.
/// @param parameters the model's parameters.
/// @param width C.
/// @param head the head (K = labels).
/// @param seed the seed of the weights.
void add_head_parameters(ParameterSet& parameters, std::int64_t width, const TaskHead& head,
                         std::uint64_t seed);

/// @brief What a model folder's config.json says.
struct FolderConfig {
  ModelConfig model;                       ///< the backbone's config
  std::optional<TaskHead> head;            ///< its task head, if any
  std::optional<text::ChatTemplate> chat;  ///< its chat markers, if any
};

/// @brief Reads a model folder's config.json without loading the weights (to check a
/// folder fits a command before the work starts). Errors as load_model_folder().
/// @param folder the folder.
/// @return the config, head and chat markers.
FolderConfig read_folder_config(const std::filesystem::path& folder);

/// @brief A loaded model folder.
struct ModelFolder {
  ModelConfig config;                         ///< the backbone's config
  std::variant<Gpt, Encoder, Seq2Seq> model;  ///< the model its family says
  text::BpeTokenizer tokenizer;               ///< its tokenizer
  std::optional<std::int32_t> end_of_text;    ///< the id of "<|endoftext|>" when it has one
  std::optional<TaskHead> head;  ///< a fine-tuned task head (its parameters are in the model's)
  std::optional<text::ChatTemplate> chat;  ///< the chat markers of an instruction-tuned model

  /// @return the model's parameters (the head's included).
  ParameterSet& parameters();
};

/// @brief Loads a model folder of any family.
///
/// Throws Error naming the folder and the missing or bad file or field: no such folder,
/// no config, no weights, no tokenizer, a tokenizer larger than the model's vocabulary
/// (its ids would be out of range), a head with no labels or an unknown task, chat markers
/// the tokenizer lacks, weights that do not match the config and head.
/// @param folder the folder.
/// @return the model, tokenizer, head and chat template.
ModelFolder load_model_folder(const std::filesystem::path& folder);

/// @brief Writes a model folder that load_model_folder() reads: config.json,
/// model.safetensors and tokenizer.bpe, each written atomically.
/// @param folder the folder (created when missing).
/// @param config the model's config.
/// @param parameters its parameters (the head's included when there is one).
/// @param tokenizer its tokenizer.
/// @param head the task head, if any.
/// @param chat the chat markers, if any (special tokens of the tokenizer).
void save_model_folder(const std::filesystem::path& folder, const ModelConfig& config,
                       const ParameterSet& parameters, const text::BpeTokenizer& tokenizer,
                       const std::optional<TaskHead>& head = std::nullopt,
                       const std::optional<text::ChatTemplate>& chat = std::nullopt);

/// @brief A loaded GPT and its tokenizer.
struct PretrainedGpt {
  Gpt model;                                ///< the model, weights loaded
  text::BpeTokenizer tokenizer;             ///< its tokenizer
  std::optional<std::int32_t> end_of_text;  ///< the id of "<|endoftext|>" when it has one
  std::optional<TaskHead> head;             ///< a classification head, if fine-tuned with one
  std::optional<text::ChatTemplate> chat;   ///< the chat markers, if instruction-tuned
};

/// @brief Loads a model folder that holds a GPT (load_model_folder(); a folder of
/// another family is an Error that names it).
/// @param folder the folder.
/// @return the model and tokenizer.
PretrainedGpt load_pretrained_gpt(const std::filesystem::path& folder);

/// @brief The GPT of a loaded model folder (a folder of another family is an Error that
/// names it).
/// @param loaded the folder's contents, e.g. from load_model_folder().
/// @param folder where it came from, for the message.
/// @return the model and tokenizer.
PretrainedGpt pretrained_gpt(ModelFolder loaded, const std::filesystem::path& folder);

/// @brief Writes a GPT's model folder (save_model_folder()).
/// @param folder the folder (created when missing).
/// @param model the model.
/// @param tokenizer its tokenizer.
void save_pretrained_gpt(const std::filesystem::path& folder, Gpt& model,
                         const text::BpeTokenizer& tokenizer);

}  // namespace tinygpt::models
