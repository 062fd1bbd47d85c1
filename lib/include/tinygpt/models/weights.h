/// @file weights.h
/// @brief Model weights in safetensors files: ours, and Hugging Face's GPT-2.
///
/// Our files hold every parameter under its name, as F32, with the model's config in the
/// metadata ("config", our JSON format). Hugging Face's GPT-2 files are read too: names may
/// carry a "transformer." prefix, the attention buffers h.N.attn.bias and
/// h.N.attn.masked_bias are skipped, an lm_head.weight is accepted when it equals
/// wte.weight (GPT-2 ties them), and F16/BF16 values are converted.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/models/config.h"

namespace tinygpt::models {

/// @brief Writes every parameter and the config to a safetensors file, atomically.
/// @param path the file.
/// @param config the model's config, stored as metadata "config".
/// @param parameters the parameters, written in their order.
/// @param metadata more metadata strings (e.g. the tokenizer's file name).
void save_weights(const std::filesystem::path& path, const ModelConfig& config,
                  const ParameterSet& parameters,
                  const std::map<std::string, std::string>& metadata = {});

/// @brief The config stored in a file written by save_weights().
/// @param file the file; throws Error naming it when there is no "config" metadata.
/// @return the config.
ModelConfig config_from_weights(const SafetensorsFile& file);

/// @brief Fills every parameter from the file, by name.
///
/// Throws Error, naming the file and the tensor, when a parameter is missing, a tensor's
/// shape differs from the parameter's (both shapes in the message), a tensor matches no
/// parameter, or an lm_head.weight differs from wte.weight. Nothing is partly loaded: the
/// parameters change only when every check passed.
/// @param file a validated safetensors file.
/// @param parameters the model's parameters.
void load_weights(const SafetensorsFile& file, ParameterSet& parameters);

}  // namespace tinygpt::models
