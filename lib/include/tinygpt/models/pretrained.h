/// @file pretrained.h
/// @brief A GPT with its tokenizer from one folder: ours, or Hugging Face's GPT-2.
///
/// The folder holds
///   - config.json: our config format or Hugging Face's GPT-2 config.json;
///   - model.safetensors: the weights (ours, or Hugging Face's names; see weights.h);
///   - the tokenizer: GPT-2's vocab.json + merges.txt, or ours as tokenizer.bpe.
/// A Hugging Face GPT-2 download (e.g. the "gpt2" model's files) is such a folder as it is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "tinygpt/models/gpt.h"
#include "tinygpt/text/bpe.h"

namespace tinygpt::models {

/// @brief A loaded GPT and its tokenizer.
struct PretrainedGpt {
  Gpt model;                                ///< the model, weights loaded
  text::BpeTokenizer tokenizer;             ///< its tokenizer
  std::optional<std::int32_t> end_of_text;  ///< the id of "<|endoftext|>" when it has one
};

/// @brief Loads a model folder.
///
/// Throws Error naming the folder and the missing or bad file; a tokenizer whose vocabulary
/// is larger than the model's is refused (its ids would be out of range).
/// @param folder the folder.
/// @return the model and tokenizer.
PretrainedGpt load_pretrained_gpt(const std::filesystem::path& folder);

/// @brief Writes a model folder that load_pretrained_gpt() reads: config.json,
/// model.safetensors and tokenizer.bpe, each written atomically.
/// @param folder the folder (created when missing).
/// @param model the model.
/// @param tokenizer its tokenizer.
void save_pretrained_gpt(const std::filesystem::path& folder, Gpt& model,
                         const text::BpeTokenizer& tokenizer);

}  // namespace tinygpt::models
