/// @file adapter_files.h
/// @brief A PEFT adapter on disk (LoRA, a soft prompt, a prefix), in the layout Hugging
/// Face PEFT reads, apart from the base model folder it was trained on.
///
/// A folder with two files:
///
///   - `adapter_config.json`: PEFT's config of the method. Every method: "peft_type"
///     ("LORA", "PROMPT_TUNING", "PREFIX_TUNING"), "task_type" ("CAUSAL_LM" for a GPT,
///     "SEQ_CLS" / "TOKEN_CLS" with a task head), "base_model_name_or_path",
///     "modules_to_save" (["head"] with a task head, ["wte"] with chat markers, else null),
///     "inference_mode": true.
///       - LORA: "r", "lora_alpha", "lora_dropout", "target_modules" (e.g. ["attn.c_attn"]),
///         "fan_in_fan_out": true (GPT-2's Conv1D layers keep W as (C_in, C_out)), "bias":
///         "none".
///       - PROMPT_TUNING and PREFIX_TUNING: "num_virtual_tokens", "token_dim" (C),
///         "num_layers", "num_attention_heads", "num_transformer_submodules": 1; a soft
///         prompt's "prompt_tuning_init" ("RANDOM" or "TEXT") and "prompt_tuning_init_text";
///         a prefix's "prefix_projection" (whether it trained through the MLP) and
///         "encoder_hidden_size".
///   - `adapter_model.safetensors`:
///       - LORA: per layer `base_model.model.<module>.lora_A.weight` (r, C_in) and
///         `...lora_B.weight` (C_out, r), PyTorch's nn.Linear layout, so A and B are stored
///         transposed from tinygpt's (C_in, r) and (r, C_out); the module of a GPT is named
///         as in transformers' GPT2LMHeadModel ("transformer.h.0.attn.c_attn"), of other
///         families as in tinygpt.
///       - PROMPT_TUNING: `prompt_embeddings` (n, C).
///       - PREFIX_TUNING: `prompt_embeddings` (n, L 2C), the prefixes with the MLP folded
///         away (as PEFT saves them): row i holds layer 0's key and value of virtual token i,
///         then layer 1's, and so on.
///     A task head is stored as `base_model.model.head.weight` and `.bias`; with chat markers,
///     the token embedding (whose new rows, the markers, trained beside the adapter) as
///     `base_model.model.transformer.wte.weight`. The metadata holds "format": "pt" and
///     tinygpt's own fields: the base's family and `base_hash` (weights_hash() of the base),
///     `base_format` ("float32", or "nf4" for LoRA trained by QLoRA on a 4-bit base), the head
///     and chat markers when there are some, and the vocabulary size after the markers.
///
/// Loading checks the adapter against the base before anything changes: the family, the
/// hash of its weights, every tensor's shape. Files are written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "tinygpt/core/parameters.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/peft_adapter.h"

namespace tinygpt::tune {

/// @brief FNV-1a 64 over every parameter's name, shape and values, in the set's order: what
/// an adapter keeps to recognise its base.
/// @param parameters a model's parameters.
/// @return the hash.
std::uint64_t weights_hash(const ParameterSet& parameters);

/// @brief Writes an adapter folder (see the file).
/// @param folder the folder (created when missing).
/// @param adapter a tune::Lora (not merged), tune::SoftPrompt or tune::Prefix (its MLP is
///        folded into the saved prefixes).
/// @param model the model folder it is attached to (family, head, chat markers; the head's
///        parameters are saved with the adapter's).
/// @param base_hash weights_hash() of the base, taken before the adapter was attached (and
///        before a head or chat markers were added).
/// @param base_folder the base model folder, written as base_model_name_or_path.
void save_adapter(const std::filesystem::path& folder, PeftAdapter& adapter,
                  models::ModelFolder& model, std::uint64_t base_hash,
                  const std::filesystem::path& base_folder);

/// @brief A base model folder with a saved adapter attached.
struct AdaptedModel {
  models::ModelFolder folder;            ///< the base, with the adapter's head and chat markers
  std::unique_ptr<PeftAdapter> adapter;  ///< the adapter, its weights loaded
};

/// @brief Loads a base model folder and attaches the adapter saved in `adapter`.
///
/// Error naming the folder and the problem, before the model changes: no adapter files, a
/// method tinygpt does not know or a bad value in its config, an adapter of another family
/// or of other base weights ("the adapter was trained on another base: ... hash ..."), a
/// tensor missing or of the wrong shape.
/// @param base the base model folder.
/// @param adapter the adapter folder.
/// @return the model and its adapter (pass the adapter in RunOptions::adapter).
AdaptedModel load_adapter(const std::filesystem::path& base, const std::filesystem::path& adapter);

/// @brief Writes the base with a LoRA adapter merged in as a plain model folder (W + (alpha /
/// r) A B for every adapted layer, with the adapter's head and chat markers), which loads and
/// runs without the adapter at the base's speed. Error for a soft prompt or a prefix: virtual
/// tokens are no weights to merge into.
/// @param base the base model folder.
/// @param adapter the adapter folder.
/// @param out the new model folder; its files are written atomically.
void merge_adapter(const std::filesystem::path& base, const std::filesystem::path& adapter,
                   const std::filesystem::path& out);

}  // namespace tinygpt::tune
