/// @file bleu.h
/// @brief BLEU (Papineni et al., 2002) exactly as sacreBLEU 2.x computes it (Post, 2018):
/// corpus and sentence BLEU with one or more references per sentence, its four smoothing
/// methods (Chen and Cherry, 2014), lowercasing, the effective order, and its signature.
///
/// A hypothesis h is scored against references r_1 .. r_R, all split into words by a
/// tokeniser (mt_text.h: 13a by default). For each order n = 1 .. N (N = 4), with
/// count_x(g) the number of times the n-gram g occurs in x:
///
///     total_n   = number of n-grams of h                        (its length - n + 1, or 0)
///     matches_n = sum over the distinct n-grams g of h of min(count_h(g), max_k count_rk(g))
///
/// The min is the "clipping" that stops "the the the the" from scoring on a reference with
/// one "the". A corpus adds these up over its sentences before dividing, so BLEU is not a
/// mean of sentence scores:
///
///     p_n = sum matches_n / sum total_n                 the modified n-gram precision
///     c   = sum of hypothesis lengths
///     r   = sum of, per sentence, the reference length closest to the hypothesis length
///           (the shorter one on a tie)
///     BP  = 1 if c >= r, else exp(1 - r / c)  (and 0 when c = 0)
///     BLEU = 100 BP exp((1/N) sum_n log p_n)
///
/// The brevity penalty BP stands in for recall: precision alone would reward a hypothesis
/// of three safe words.
///
/// A precision of 0 makes BLEU 0 (sacreBLEU takes log 0 as -9999999999). **Smoothing**
/// changes the precisions first, as sacreBLEU defines its methods after Chen and Cherry
/// (2014):
///
///     none   nothing
///     floor  (method 1) a precision with matches_n = 0 becomes value / total_n (value 0.1)
///     add-k  (method 2) for n >= 2, matches_n + k over total_n + k (k = 1)
///     exp    (method 3, mteval-v13a's, sacreBLEU's default) the i-th order with no match
///            gets 1 / (2^i total_n)
///
/// and every method gives 0 when no unigram matches at all. The **effective order**, meant
/// for single sentences, stops at the first order n with total_n = 0 and averages the logs
/// over the orders before it, so a hypothesis of two words is not 0 for having no
/// trigrams. (With add-k, total_n + k is never 0: every order counts.)
///
/// The **signature** says how a score was made, in sacreBLEU 2.x's words and order:
/// `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:tinygpt`, where sacreBLEU writes
/// its own version number in the last field and tinygpt writes `tinygpt`; smoothing with a
/// value reads `floor[0.10]` or `add-k[1.00]`. Two scores with the same signature, apart
/// from the version, are comparable with each other and with sacreBLEU's.
///
/// Before tokenising, each segment is lowercased (when asked) and loses its trailing white
/// space, as in sacreBLEU. The bodies of the two functions that count, bleu_ngram_matches()
/// and bleu_brevity_penalty(), are exercise 06.2 (solutions/06-evaluation/bleu_statistics.cpp).
///
/// References: K. Papineni, S. Roukos, T. Ward, W.-J. Zhu, "BLEU: a method for automatic
/// evaluation of machine translation", ACL 2002. M. Post, "A call for clarity in reporting
/// BLEU scores", WMT 2018. B. Chen, C. Cherry, "A systematic comparison of smoothing
/// techniques for sentence-level BLEU", WMT 2014.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/eval/mt_text.h"

namespace tinygpt::eval {

/// @brief BLEU's smoothing methods, as sacreBLEU names them (see the file).
enum class BleuSmoothing {
  kNone,   ///< "none": no smoothing
  kFloor,  ///< "floor": a zero precision becomes value / total_n (value 0.1 by default)
  kAddK,   ///< "add-k": k added to matches_n and total_n for n >= 2 (k = 1 by default)
  kExp,    ///< "exp": the i-th zero precision becomes 1 / (2^i total_n); the default
};

/// @param smoothing a method.
/// @return its name in sacreBLEU's options and signatures: "none", "floor", "add-k", "exp".
std::string bleu_smoothing_name(BleuSmoothing smoothing);

/// @brief The smoothing method of a name; throws Error listing the names for any other.
/// @param name "none", "floor", "add-k" or "exp".
/// @return the method.
BleuSmoothing parse_bleu_smoothing(std::string_view name);

/// @brief How BLEU is computed: sacreBLEU's BLEU() arguments, with its defaults.
struct BleuOptions {
  BleuTokenizer tokenizer = BleuTokenizer::k13a;  ///< how segments become words
  BleuSmoothing smoothing = BleuSmoothing::kExp;  ///< how zero precisions are treated
  /// floor's value or add-k's k; empty for the method's default (0.1 and 1).
  std::optional<double> smooth_value;
  bool lowercase = false;        ///< lowercase every segment first (Python's str.lower())
  bool effective_order = false;  ///< average only the orders the hypothesis has (sentences)
  int max_order = 4;             ///< N, the highest n-gram order, at least 1
};

/// @brief The counts BLEU is made of, for one sentence or summed over a corpus.
struct BleuStatistics {
  std::int64_t hyp_len = 0;           ///< c: hypothesis words
  std::int64_t ref_len = 0;           ///< r: words of the closest reference (summed)
  std::vector<std::int64_t> matches;  ///< (N) clipped n-gram matches, n = 1 .. N
  std::vector<std::int64_t> totals;   ///< (N) hypothesis n-grams, n = 1 .. N

  /// @brief Adds another sentence's (or corpus') counts to these.
  /// @param other counts of the same order N.
  void add(const BleuStatistics& other);
};

/// @brief A BLEU score with everything sacreBLEU reports about it.
struct BleuScore {
  double score = 0.0;                 ///< BLEU, in [0, 100]
  std::vector<double> precisions;     ///< (N) p_n in percent, after smoothing
  double brevity_penalty = 0.0;       ///< BP, in [0, 1]
  double ratio = 0.0;                 ///< hyp_len / ref_len (0 when ref_len is 0)
  std::int64_t hyp_len = 0;           ///< c
  std::int64_t ref_len = 0;           ///< r
  std::vector<std::int64_t> matches;  ///< (N) matches_n before smoothing
  std::vector<std::int64_t> totals;   ///< (N) total_n before smoothing
  std::string signature;  ///< e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:tinygpt"

  /// @brief The line sacreBLEU's command line prints (`--format text`), e.g.
  /// "BLEU|nrefs:2|...|version:tinygpt = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944
  /// hyp_len = 17 ref_len = 18)".
  /// @param width digits after the point of the score (sacreBLEU's --width, 1 by default);
  ///        precisions always have 1, BP and ratio 3.
  /// @return the line, without a newline.
  std::string format(int width = 1) const;

  /// @return the part after the score: "82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944
  /// hyp_len = 17 ref_len = 18)", sacreBLEU's "verbose_score".
  std::string verbose() const;
};

/// @brief Clipped n-gram counts of one hypothesis against its references, n = 1 .. N (see
/// the file): totals[n-1] is the number of n-grams of the hypothesis, matches[n-1] the sum
/// over its distinct n-grams of min(count in the hypothesis, largest count in any one
/// reference). Papineni et al. (2002), section 2.1, "modified n-gram precision".
///
/// Example: hypothesis "the the the", reference "the cat": 1 of 3 unigrams match (the
/// reference has one "the"), 0 of 2 bigrams.
/// @param hypothesis the hypothesis' words.
/// @param references each reference's words; may be empty (then nothing matches).
/// @param matches (N) out: matches_n.
/// @param totals (N) out: total_n; N = matches.size() = totals.size(), at least 1.
void bleu_ngram_matches(std::span<const std::string_view> hypothesis,
                        std::span<const std::vector<std::string_view>> references,
                        std::span<std::int64_t> matches, std::span<std::int64_t> totals);

/// @brief BLEU's brevity penalty (Papineni et al., 2002, section 2.2.2): 1 when the
/// hypotheses are at least as long as the references, exp(1 - r / c) when shorter, 0 when
/// there are no hypothesis words (and some reference words).
/// @param hyp_len c, the hypothesis words (summed over a corpus), at least 0.
/// @param ref_len r, the closest references' words (summed), at least 0.
/// @return BP, in [0, 1].
double bleu_brevity_penalty(std::int64_t hyp_len, std::int64_t ref_len);

/// @brief The reference length BLEU compares a hypothesis with: the closest to hyp_len, the
/// shorter of two equally close.
/// @param hyp_len the hypothesis' words.
/// @param ref_lens each reference's words, not empty.
/// @return the chosen length.
std::int64_t closest_reference_length(std::int64_t hyp_len, std::span<const std::int64_t> ref_lens);

/// @brief Counts of one segment: lowercased (if asked), right-stripped and tokenised as the
/// options say, then bleu_ngram_matches() and the closest reference length. Throws Error on
/// invalid UTF-8 or when there is no reference.
/// @param hypothesis one hypothesis segment.
/// @param references its references, at least one.
/// @param options tokeniser, lowercasing and N (smoothing does not matter here).
/// @return the segment's counts.
BleuStatistics bleu_statistics(std::string_view hypothesis, std::span<const std::string> references,
                               const BleuOptions& options);

/// @brief BLEU from counts (sacreBLEU's compute_bleu): smoothing, effective order, BP, and
/// the signature.
/// @param statistics the counts of a sentence or a corpus, of order options.max_order.
/// @param options smoothing, effective order and the signature's fields.
/// @param references how many references each sentence had (the signature's nrefs).
/// @return the score.
BleuScore bleu_score(const BleuStatistics& statistics, const BleuOptions& options, int references);

/// @brief Corpus BLEU (sacreBLEU's corpus_bleu): counts summed over the sentences, then
/// bleu_score(). Throws Error unless there is at least one reference stream and every stream
/// has one line per hypothesis.
/// @param hypotheses one segment per sentence.
/// @param references reference streams: references[k][i] is the k-th reference of sentence
///        i, as sacreBLEU's `refs` (one stream per reference file).
/// @param options how to compute it.
/// @return the score.
BleuScore corpus_bleu(std::span<const std::string> hypotheses,
                      std::span<const std::vector<std::string>> references,
                      const BleuOptions& options = {});

/// @brief Sentence BLEU (sacreBLEU's sentence_bleu): BLEU of one hypothesis. sacreBLEU turns
/// the effective order on for it, and so does the default here.
/// @param hypothesis one segment.
/// @param references its references, at least one.
/// @param options how to compute it.
/// @return the score.
BleuScore sentence_bleu(std::string_view hypothesis, std::span<const std::string> references,
                        const BleuOptions& options = {.effective_order = true});

/// @brief sacreBLEU's signature of BLEU, e.g.
/// "nrefs:2|case:lc|eff:no|tok:none|smooth:floor[0.10]|version:tinygpt".
/// @param options the settings it describes.
/// @param references references per sentence.
/// @return the signature.
std::string bleu_signature(const BleuOptions& options, int references);

}  // namespace tinygpt::eval
