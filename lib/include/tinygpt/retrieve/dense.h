/// @file dense.h
/// @brief A dense retriever to compare with BM25 (bm25.h): each text becomes one vector,
/// the mean of a model's final hidden states over its tokens, scaled to length 1; a
/// question's passages are those of largest cosine with it, found by exact search (every
/// passage scored). Works with a model folder of the GPT or encoder family.
///
/// Legend: N = passages, C = the model's width.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/models/pretrained.h"
#include "tinygpt/retrieve/bm25.h"

namespace tinygpt::retrieve {

/// Row-major float matrix: one embedding per row.
using Embeddings = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// @brief The embedding of each text: mean over its tokens of the final hidden states
/// (GPT: hidden(), ln_f's output; encoder: EncoderOutput::hidden), L2-normalised. A text is
/// run alone (no padding), cut to the model's context; an empty text reads one token, id 0.
/// @param model a model folder of the GPT or encoder family (Error for seq2seq).
/// @param texts the texts.
/// @return (texts, C) unit rows.
Embeddings embed_texts(models::ModelFolder& model, const std::vector<std::string>& texts);

/// @brief Passages and their embeddings, searched by cosine.
class DenseIndex {
 public:
  /// @brief Embeds every passage with `model` (embed_texts).
  /// @param model the model folder; it must outlive the index.
  /// @param passages the passages.
  DenseIndex(models::ModelFolder& model, std::vector<Passage> passages);

  /// @brief The k passages of largest cosine with the question, best first, ties in
  /// passage order. Exact: every passage is scored.
  /// @param question the question.
  /// @param k the most hits, >= 1.
  /// @return min(k, N) hits; score = the cosine in [-1, 1].
  std::vector<Hit> search(std::string_view question, std::int64_t k) const;

  /// @return the passages.
  const std::vector<Passage>& passages() const { return passages_; }
  /// @return (N, C) the passages' unit embeddings.
  const Embeddings& embeddings() const { return embeddings_; }

 private:
  models::ModelFolder& model_;
  std::vector<Passage> passages_;
  Embeddings embeddings_;  // (N, C)
};

}  // namespace tinygpt::retrieve
