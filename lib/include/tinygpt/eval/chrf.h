/// @file chrf.h
/// @brief chrF (Popović, 2015) and chrF++ (Popović, 2017) exactly as sacreBLEU 2.x computes
/// them (Post, 2018): an F-score of character n-grams, optionally with word n-grams.
///
/// Characters are Unicode code points of the segment with its white space removed (Python's
/// ''.join(line.split())), unless `whitespace` keeps it. For each character order
/// n = 1 .. 6 (and, for chrF++, each word order n = 1 .. 2) one counts the hypothesis'
/// n-grams, the reference's and their clipped matches sum_g min(count_h(g), count_r(g)).
/// A corpus sums these counts over its sentences. Then, per order,
///
///     P_n = matches / hypothesis n-grams      R_n = matches / reference n-grams
///
/// averaged over the orders where both counts are non-zero (the "effective order"; orders
/// a short segment does not have are left out rather than counted as 0), and
///
///     chrF_beta = 100 (1 + beta^2) P R / (beta^2 P + R)
///
/// with beta = 2: recall counts twice as much as precision, which is what made chrF
/// correlate with human judgements (Popović, 2016). With `eps_smoothing` (chrF++.py's,
/// NLTK's and Moses' way) the F-score of each order is computed instead, with 1e-16 for
/// missing precisions and recalls, and averaged over all orders.
///
/// With several references, each sentence keeps the counts of the reference whose own
/// F-score is best (the first on a tie). chrF++'s words are Python's split words, with
/// one ASCII punctuation mark split off a word's end, or else its start.
///
/// Signature: `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:tinygpt`, sacreBLEU's
/// fields with `tinygpt` in place of its version number; the score's name is `chrF2`, or
/// `chrF2++` with word order 2.
///
/// References: M. Popović, "chrF: character n-gram F-score for automatic MT evaluation",
/// WMT 2015; "chrF++: words helping character n-grams", WMT 2017. M. Post, "A call for
/// clarity in reporting BLEU scores", WMT 2018.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::eval {

/// @brief How chrF is computed: sacreBLEU's CHRF() arguments, with its defaults.
struct ChrfOptions {
  int char_order = 6;          ///< character n-gram orders 1 .. char_order, at least 1
  int word_order = 0;          ///< word n-gram orders 1 .. word_order (2 for chrF++)
  int beta = 2;                ///< recall weighs beta times as much as precision
  bool lowercase = false;      ///< lowercase every segment first (Python's str.lower())
  bool whitespace = false;     ///< keep white space in the character n-grams
  bool eps_smoothing = false;  ///< average per-order F-scores with 1e-16 for missing values
};

/// @brief chrF's counts: for each order (the character orders, then the word orders) the
/// hypothesis n-grams, the reference n-grams and their matches.
struct ChrfStatistics {
  /// (3 (char_order + word_order)): counts[3 i], [3 i + 1], [3 i + 2] are order i's
  /// hypothesis n-grams (0 when the reference has none), reference n-grams and matches.
  std::vector<std::int64_t> counts;

  /// @brief Adds another sentence's counts to these.
  /// @param other counts of the same orders.
  void add(const ChrfStatistics& other);
};

/// @brief A chrF score with its name and signature.
struct ChrfScore {
  double score = 0.0;     ///< chrF, in [0, 100]
  std::string name;       ///< "chrF2", or "chrF2++" with word order 2
  std::string signature;  ///< e.g. "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:tinygpt"

  /// @brief The line sacreBLEU's command line prints (`--format text`), e.g.
  /// "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:tinygpt = 64.1".
  /// @param width digits after the point (sacreBLEU's --width, 1 by default).
  /// @return the line, without a newline.
  std::string format(int width = 1) const;
};

/// @brief The counts of one segment against its best reference (see the file). Throws
/// Error on invalid UTF-8 or when there is no reference.
/// @param hypothesis one hypothesis segment.
/// @param references its references, at least one.
/// @param options orders, beta (to choose the best reference), case and white space.
/// @return the counts of the best reference.
ChrfStatistics chrf_statistics(std::string_view hypothesis, std::span<const std::string> references,
                               const ChrfOptions& options);

/// @brief chrF from counts (sacreBLEU's _compute_f_score).
/// @param counts (3 (char_order + word_order)) as in ChrfStatistics.
/// @param options beta, the orders and eps_smoothing.
/// @return the score in [0, 100].
double chrf_from_counts(std::span<const std::int64_t> counts, const ChrfOptions& options);

/// @brief Corpus chrF (sacreBLEU's corpus_chrf): counts summed over the sentences. Throws
/// Error unless there is at least one reference stream and each has one line per hypothesis.
/// @param hypotheses one segment per sentence.
/// @param references reference streams: references[k][i] is the k-th reference of
///        sentence i.
/// @param options how to compute it.
/// @return the score.
ChrfScore corpus_chrf(std::span<const std::string> hypotheses,
                      std::span<const std::vector<std::string>> references,
                      const ChrfOptions& options = {});

/// @brief Sentence chrF (sacreBLEU's sentence_chrf): chrF of one hypothesis.
/// @param hypothesis one segment.
/// @param references its references, at least one.
/// @param options how to compute it.
/// @return the score.
ChrfScore sentence_chrf(std::string_view hypothesis, std::span<const std::string> references,
                        const ChrfOptions& options = {});

/// @brief sacreBLEU's signature of chrF, e.g.
/// "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:tinygpt".
/// @param options the settings it describes.
/// @param references references per sentence.
/// @return the signature.
std::string chrf_signature(const ChrfOptions& options, int references);

}  // namespace tinygpt::eval
