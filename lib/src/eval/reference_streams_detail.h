// What corpus BLEU and chrF share: references given as streams (one per reference file, as
// sacreBLEU takes them), read one sentence at a time. Private to lib/src/eval.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/parallel.h"
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
      : streams_(streams) {
    TINYGPT_CHECK(!streams.empty(), metric, ": no reference stream");
    for (std::size_t k = 0; k < streams.size(); ++k) {
      TINYGPT_CHECK(streams[k].size() == hypotheses, metric, ": reference stream ", k, " has ",
                    streams[k].size(), " segments but there are ", hypotheses, " hypotheses");
    }
  }

  /// @param i a sentence.
  /// @param references out: its references, one per stream (a vector each thread reuses).
  void sentence(std::size_t i, std::vector<std::string_view>& references) const {
    references.resize(streams_.size());
    for (std::size_t k = 0; k < streams_.size(); ++k) references[k] = streams_[k][i];
  }

  /// @return references per sentence (the signatures' nrefs).
  int count() const { return static_cast<int>(streams_.size()); }

 private:
  std::span<const std::vector<std::string>> streams_;
};

/// Sentences per block when a corpus is scored across threads, and about how much work a
/// sentence is in detail::kParallelMinWork's units (so a handful of sentences stays on one
/// thread).
inline constexpr std::int64_t kSentencesPerBlock = 256;
inline constexpr std::int64_t kWorkPerSentence = 256;

/// @brief A corpus' counts: the sum over sentences of segment(hypothesis, references).
/// Sentences are independent, so blocks of them run across threads, each block summing its
/// own counts, and the blocks are added in order: integer counts, so the result is the
/// same on any number of threads.
/// @param hypotheses one segment per sentence.
/// @param streams their references (checked).
/// @param zero the counts of nothing (sized for the options).
/// @param segment (hypothesis, references) -> the counts of one sentence, which have an
///        add(other) member.
/// @return the summed counts.
template <typename Statistics, typename Segment>
Statistics corpus_statistics(std::span<const std::string> hypotheses,
                             const ReferenceStreams& streams, const Statistics& zero,
                             const Segment& segment) {
  const auto sentences = static_cast<std::int64_t>(hypotheses.size());
  std::vector<Statistics> blocks(
      static_cast<std::size_t>(tinygpt::detail::blocks_of(sentences, kSentencesPerBlock)), zero);
  tinygpt::detail::parallel_for_blocks(
      sentences, kSentencesPerBlock, sentences * kWorkPerSentence,
      [&](std::int64_t first, std::int64_t count) {
        Statistics& block = blocks[static_cast<std::size_t>(first / kSentencesPerBlock)];
        std::vector<std::string_view> references;
        for (auto i = static_cast<std::size_t>(first); i < static_cast<std::size_t>(first + count);
             ++i) {
          streams.sentence(i, references);
          block.add(segment(hypotheses[i], references));
        }
      });
  Statistics corpus = zero;
  for (const Statistics& block : blocks) corpus.add(block);
  return corpus;
}

}  // namespace tinygpt::eval::detail
