// `tinygpt attention --multihead` (attention_multihead.cpp), and the small helpers every
// part of `tinygpt attention` shares: token labels and one head's weights.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/models/pretrained.h"

namespace tinygpt::cli {

/// @return each token's text, for a picture's labels.
inline std::vector<std::string> token_texts(const text::BpeTokenizer& tokenizer,
                                            std::span<const std::int32_t> ids) {
  std::vector<std::string> texts;
  for (std::int32_t id : ids) texts.push_back(tokenizer.decode({&id, 1}));
  return texts;
}

/// @return the (T, S) weights of one head of an attention map whose batch is 1.
inline Eigen::Map<const Matrix> head_weights(const models::AttentionMap& map, std::int64_t head) {
  return {map.weights.data() + head * map.queries * map.keys, map.queries, map.keys};
}

/// What the multi-head picture shows and where it goes.
struct MultiheadPicture {
  std::string prompt;         ///< the text, for the title
  std::int64_t dims = 8;      ///< dimensions shown of each head's output
  std::filesystem::path out;  ///< the SVG to write
};

/// @brief Recomputes a GPT's first layer on `ids` with the library's ops (each head's
/// weights and output, their concatenation, the output projection, each head's share of
/// it), checks the weights against the ones the model recorded, writes the SVG and prints
/// what it measured.
/// @param folder a GPT's model folder.
/// @param ids the prompt's tokens.
/// @param recorded the model's own attention map of layer 0 for them.
/// @param picture_args title, dimensions shown, output file.
void write_multihead(models::ModelFolder& folder, std::span<const std::int32_t> ids,
                     const models::AttentionMap& recorded, const MultiheadPicture& picture_args);

}  // namespace tinygpt::cli
