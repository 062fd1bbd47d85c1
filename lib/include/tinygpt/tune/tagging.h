/// @file tagging.h
/// @brief Token classification (named entities) with an encoder: BIO tags on byte-level BPE
/// tokens, and span-level precision, recall and F1 as CoNLL-2003 defines them.
///
/// A name such as "Ossel" is a span of bytes in the sentence; the model tags tokens. BIO
/// tags make the two meet: the first token of a name gets B-label ("begin"), the tokens
/// after it inside the same name I-label ("inside"), every other token O. A byte-level BPE
/// token knows its bytes exactly (its text is a run of the sentence's bytes), so a token
/// belongs to a name when their byte ranges overlap: a leading space (" Ossel") or a split
/// inside a word ("Oss" + "el") changes nothing, and "café" before a name cannot shift it,
/// as character offsets would.
///
/// Scoring (Tjong Kim Sang and De Meulder, 2003): a predicted entity counts only when its
/// first token, last token and label all equal a gold entity's; precision = right /
/// predicted, recall = right / gold, F1 their harmonic mean.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune {

/// @brief A half-open range of bytes [start, end) of a sentence.
struct ByteRange {
  int start = 0;  ///< the first byte
  int end = 0;    ///< just after the last byte
};

/// @brief The BIO tag of every token from the labelled spans.
///
/// The body is exercise 04.4: the reference is solutions/04-finetuning/bio_tags.cpp, the
/// learner's stub exercises/04-finetuning/bio_tags.cpp.
/// @param tokens each token's bytes in the sentence, in order, not overlapping.
/// @param spans the names, in order, not overlapping.
/// @return one tag per token: "B-" + label for the first token that overlaps a span, "I-" +
///         label for the later tokens that overlap the same span, "O" for the rest.
std::vector<std::string> bio_tags(std::span<const ByteRange> tokens,
                                  std::span<const TaggedSpan> spans);

/// @brief An entity as the tags show it: tokens [first, end) with a label.
struct TokenSpan {
  int first = 0;      ///< the first token
  int end = 0;        ///< just after the last token
  std::string label;  ///< e.g. "person"
  /// @return whether two spans are the same entity.
  bool operator==(const TokenSpan&) const = default;
};

/// @brief The entities of a tag sequence, read as CoNLL's scorer reads them: B-x starts
/// an entity, I-x continues one of label x, and an I-x that follows O or another label
/// starts a new entity too.
/// @param tags one tag per token ("O", "B-x", "I-x").
/// @return the entities, in order.
std::vector<TokenSpan> entities_of(std::span<const std::string> tags);

/// @brief Span-level figures of one label or of all.
struct SpanScores {
  std::int64_t gold = 0;       ///< entities in the reference
  std::int64_t predicted = 0;  ///< entities predicted
  std::int64_t right = 0;      ///< predicted entities equal to a reference one
  /// @return right / predicted (0 when nothing was predicted).
  double precision() const { return predicted == 0 ? 0.0 : static_cast<double>(right) / predicted; }
  /// @return right / gold (0 when there is nothing to find).
  double recall() const { return gold == 0 ? 0.0 : static_cast<double>(right) / gold; }
  /// @return 2 P R / (P + R) (0 when both are 0).
  double f1() const {
    const double p = precision();
    const double r = recall();
    return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
  }
};

/// @brief Adds one sentence's entities to the scores of `label` ("" for all labels).
/// @param predicted the predicted tags.
/// @param gold the reference tags (same length).
/// @param label the label to count, or "" for every entity.
/// @param scores the running totals.
void add_span_scores(std::span<const std::string> predicted, std::span<const std::string> gold,
                     const std::string& label, SpanScores& scores);

/// @brief The tag set of entity labels: "O", then "B-x" and "I-x" for each label, in order.
/// @param labels entity labels, e.g. {"organisation", "person", "place", "product"}.
/// @return the tags, output index order.
std::vector<std::string> bio_tag_set(std::span<const std::string> labels);

}  // namespace tinygpt::tune
