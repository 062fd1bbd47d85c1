// What corpus BLEU and chrF share: references given as streams (one per reference file, as
// sacreBLEU takes them), read one sentence at a time. Private to lib/src/eval.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/check.h"

namespace tinygpt::eval::detail {

/// @brief Reference streams checked against the hypotheses, handed out per sentence.
class ReferenceStreams {
 public:
  /// @brief Throws Error naming `metric` unless there is at least one stream and each has
  /// one segment per hypothesis.
  /// @param metric "corpus_bleu", say, for the messages.
  /// @param hypotheses how many hypotheses there are.
  /// @param streams streams[k][i] is the k-th reference of sentence i.
  ReferenceStreams(std::string_view metric, std::size_t hypotheses,
                   std::span<const std::vector<std::string>> streams)
      : streams_(streams), sentence_(streams.size()) {
    TINYGPT_CHECK(!streams.empty(), metric, ": no reference stream");
    for (std::size_t k = 0; k < streams.size(); ++k) {
      TINYGPT_CHECK(streams[k].size() == hypotheses, metric, ": reference stream ", k, " has ",
                    streams[k].size(), " segments but there are ", hypotheses, " hypotheses");
    }
  }

  /// @param i a sentence.
  /// @return its references, one per stream (valid until the next call).
  std::span<const std::string_view> sentence(std::size_t i) {
    for (std::size_t k = 0; k < streams_.size(); ++k) sentence_[k] = streams_[k][i];
    return sentence_;
  }

  /// @return references per sentence (the signatures' nrefs).
  int count() const { return static_cast<int>(streams_.size()); }

 private:
  std::span<const std::vector<std::string>> streams_;
  std::vector<std::string_view> sentence_;
};

}  // namespace tinygpt::eval::detail
