/// @file config.h
/// @brief The one configuration format of the three transformer families.
///
/// A config is a JSON object:
///
///     {"family": "gpt", "vocab_size": 4096, "context_length": 128, "width": 256,
///      "layers": 4, "heads": 4, "dropout": 0.1, "bias": true}
///
/// with optional "positions" ("learned", the default of gpt and encoder, or "sinusoidal",
/// the default of seq2seq) and, for the encoder, "type_vocab_size" (default 2). Every
/// field is checked; an error names the file, the field and the value. Hugging Face's GPT-2
/// config.json (n_embd, n_head, n_layer, n_positions, ...) is read as well.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tinygpt::models {

/// @brief Which transformer: decoder-only, encoder-only, or encoder-decoder.
enum class Family {
  kGpt,      ///< decoder-only, causal (GPT-2): generation
  kEncoder,  ///< encoder-only, bidirectional (BERT-style): classification, tagging, MLM
  kSeq2Seq,  ///< encoder-decoder with cross-attention (the original Transformer): translation
};

/// @brief How positions are encoded.
enum class Positions {
  kLearned,     ///< a (context_length, width) parameter, wpe.weight
  kSinusoidal,  ///< the fixed sine/cosine table; no parameter
};

/// @brief Sizes and options of a model.
struct ModelConfig {
  Family family = Family::kGpt;               ///< the architecture
  std::int64_t vocab_size = 0;                ///< V
  std::int64_t context_length = 0;            ///< P, the longest sequence
  std::int64_t width = 0;                     ///< C, the residual stream's width
  std::int64_t layers = 0;                    ///< L, blocks per stack
  std::int64_t heads = 0;                     ///< H; width % heads == 0
  float dropout = 0.0f;                       ///< drop probability in [0, 1) when training
  bool bias = true;                           ///< linear layers have biases
  Positions positions = Positions::kLearned;  ///< position encoding
  std::int64_t type_vocab_size = 2;           ///< encoder: number of segment (token type) ids

  /// @return width / heads, the size of one head.
  std::int64_t head_size() const { return width / heads; }
};

/// @param family a family.
/// @return its name in configs: "gpt", "encoder" or "seq2seq".
const char* family_name(Family family);

/// @brief Parses and validates a config.
///
/// Throws Error naming `origin` and the field when a field is missing, has the wrong type
/// or an impossible value (e.g. "width: 100 is not divisible by heads: 3"), or is unknown
/// (a typo would otherwise be ignored silently).
/// @param json_text the JSON text: our format or Hugging Face's GPT-2 config.json.
/// @param origin a name for error messages (the file's path, usually).
/// @return the config.
ModelConfig parse_model_config(std::string_view json_text, const std::string& origin);

/// @brief Reads and parses a config file (see parse_model_config()).
/// @param path a JSON file.
/// @return the config.
ModelConfig load_model_config(const std::filesystem::path& path);

/// @param config a config.
/// @return it in our JSON format, one line, fields in a fixed order.
std::string to_json(const ModelConfig& config);

}  // namespace tinygpt::models
