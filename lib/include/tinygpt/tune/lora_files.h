/// @file lora_files.h
/// @brief A LoRA adapter on disk, in the layout Hugging Face PEFT reads, apart from the
/// base model folder it was trained on.
///
/// A folder with two files:
///
///   - `adapter_config.json`: PEFT's LoraConfig: {"peft_type": "LORA", "task_type":
///     "CAUSAL_LM" (a GPT) or "SEQ_CLS" / "TOKEN_CLS" (a task head), "r", "lora_alpha",
///     "lora_dropout", "target_modules" (e.g. ["attn.c_attn"]), "fan_in_fan_out": true
///     (GPT-2's Conv1D layers keep W as (C_in, C_out)), "bias": "none",
///     "modules_to_save" (["head"] with a task head, ["wte"] with chat markers, else null),
///     "inference_mode": true,
///     "base_model_name_or_path"};
///   - `adapter_model.safetensors`: per layer `base_model.model.<module>.lora_A.weight`
///     (r, C_in) and `...lora_B.weight` (C_out, r), PyTorch's nn.Linear layout, so A and B
///     are stored transposed from tinygpt's (C_in, r) and (r, C_out); the module of a GPT
///     is named as in transformers' GPT2LMHeadModel ("transformer.h.0.attn.c_attn"), of
///     other families as in tinygpt. A task head is stored as `base_model.model.head.weight`
///     and `.bias`; with chat markers, the token embedding (whose new rows, the markers,
///     trained beside the adapter) as `base_model.model.transformer.wte.weight`. The metadata holds
///     "format": "pt" and tinygpt's own fields: the base's family and `base_hash` (weights_hash()
///     of the base), `base_format` ("float32", or "nf4" for an adapter trained by QLoRA on a 4-bit
///     base), the head and chat markers when there are some, and the vocabulary size after the
///     markers were added.
///
/// Loading checks the adapter against the base before anything changes: the family, the
/// hash of its weights, every tensor's shape. Files are written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "tinygpt/core/parameters.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/lora.h"

namespace tinygpt::tune {

/// @brief FNV-1a 64 over every parameter's name, shape and values, in the set's order: what
/// an adapter keeps to recognise its base.
/// @param parameters a model's parameters.
/// @return the hash.
std::uint64_t weights_hash(const ParameterSet& parameters);

/// @brief Writes a LoRA adapter folder (see the file).
/// @param folder the folder (created when missing).
/// @param lora the adapter; it must not be merged.
/// @param model the model folder it is attached to (family, head, chat markers; the head's
///        parameters are saved with the adapter's).
/// @param base_hash weights_hash() of the base, taken before the adapter was attached (and
///        before a head or chat markers were added).
/// @param base_folder the base model folder, written as base_model_name_or_path.
void save_lora_adapter(const std::filesystem::path& folder, const Lora& lora,
                       models::ModelFolder& model, std::uint64_t base_hash,
                       const std::filesystem::path& base_folder);

/// @brief A base model folder with a saved LoRA adapter attached.
struct AdaptedModel {
  models::ModelFolder folder;  ///< the base, with the adapter's head and chat markers added
  std::unique_ptr<Lora> lora;  ///< the adapter, its weights loaded
};

/// @brief Loads a base model folder and attaches the adapter saved in `adapter`.
///
/// Error naming the folder and the problem, before the model changes: no adapter files, a
/// config that is not LoRA's or has a bad value, an adapter of another family or of other
/// base weights ("the adapter was trained on another base: ... hash ..."), a tensor missing
/// or of the wrong shape.
/// @param base the base model folder.
/// @param adapter the adapter folder.
/// @return the model and its adapter (pass the adapter in RunOptions::adapter).
AdaptedModel load_lora_adapter(const std::filesystem::path& base,
                               const std::filesystem::path& adapter);

/// @brief Writes the base with the adapter merged in as a plain model folder (W + (alpha / r)
/// A B for every adapted layer, with the adapter's head and chat markers), which loads and
/// runs without the adapter at the base's speed.
/// @param base the base model folder.
/// @param adapter the adapter folder.
/// @param out the new model folder; its files are written atomically.
void merge_lora_adapter(const std::filesystem::path& base, const std::filesystem::path& adapter,
                        const std::filesystem::path& out);

/// @brief Reads an adapter folder's settings (adapter_config.json) without the weights.
/// @param adapter the adapter folder.
/// @return the settings; Error as load_lora_adapter().
LoraSettings read_lora_settings(const std::filesystem::path& adapter);

}  // namespace tinygpt::tune
