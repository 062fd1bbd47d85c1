// chrF and chrF++ as sacreBLEU 2.x computes them (eval/chrf.h).
#include "tinygpt/eval/chrf.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "reference_streams_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/eval/mt_text.h"

namespace tinygpt::eval {
namespace {

// chrF++.py's stand-in for a missing precision, recall or F-score.
constexpr double kEpsilon = 1e-16;

// Python's string.punctuation, which chrF++ splits off a word's ends.
bool is_punctuation(char c) {
  return std::string_view("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").find(c) != std::string_view::npos;
}

// The n-grams of one order of a sentence, sorted, so that two sentences' clipped matches
// are one merge of two sorted lists. T is a code point (characters) or a word.
template <typename T>
std::vector<std::span<const T>> sorted_ngrams(std::span<const T> items, std::size_t n) {
  std::vector<std::span<const T>> ngrams;
  for (std::size_t i = 0; i + n <= items.size(); ++i) ngrams.push_back(items.subspan(i, n));
  std::sort(ngrams.begin(), ngrams.end(), [](const auto& a, const auto& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  });
  return ngrams;
}

// sum over n-grams g of min(count_h(g), count_r(g)), both lists sorted.
template <typename T>
std::int64_t clipped_matches(const std::vector<std::span<const T>>& hyp,
                             const std::vector<std::span<const T>>& ref) {
  const auto less = [](const std::span<const T>& a, const std::span<const T>& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  };
  std::int64_t matches = 0;
  std::size_t i = 0, j = 0;
  while (i < hyp.size() && j < ref.size()) {
    if (less(hyp[i], ref[j])) {
      ++i;
    } else if (less(ref[j], hyp[i])) {
      ++j;
    } else {  // equal: count both runs
      std::size_t hi = i + 1, rj = j + 1;
      while (hi < hyp.size() && !less(hyp[i], hyp[hi])) ++hi;
      while (rj < ref.size() && !less(ref[j], ref[rj])) ++rj;
      matches += static_cast<std::int64_t>(std::min(hi - i, rj - j));
      i = hi;
      j = rj;
    }
  }
  return matches;
}

// A segment as chrF reads it: its code points (without white space unless kept) and, for
// chrF++, its words with punctuation split off. Views point into `text`.
struct Segment {
  std::string text;
  std::vector<char32_t> characters;
  std::vector<std::string_view> words;
  std::vector<std::vector<std::span<const char32_t>>> char_ngrams;          // per order
  std::vector<std::vector<std::span<const std::string_view>>> word_ngrams;  // per order
};

void append_code_points(std::vector<char32_t>& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const std::int32_t c = next_code_point(text, i);
    TINYGPT_CHECK(c >= 0, "chrF: invalid UTF-8 at byte ", start, " of \"", text, "\"");
    out.push_back(static_cast<char32_t>(c));
  }
}

// sacreBLEU's _remove_punctuation: a word of one character stays; otherwise a punctuation
// mark at its end is split off, or else one at its start. So "(hi)" gives "(hi" and ")".
std::vector<std::string_view> words_without_punctuation(std::string_view text) {
  std::vector<std::string_view> words;
  for (std::string_view word : python_split(text)) {
    std::vector<char32_t> code_points;
    append_code_points(code_points, word);
    if (code_points.size() > 1 && is_punctuation(word.back())) {
      words.push_back(word.substr(0, word.size() - 1));
      words.push_back(word.substr(word.size() - 1));
    } else if (code_points.size() > 1 && is_punctuation(word.front())) {
      words.push_back(word.substr(0, 1));
      words.push_back(word.substr(1));
    } else {
      words.push_back(word);
    }
  }
  return words;
}

void prepare(Segment& segment, std::string_view text, const ChrfOptions& options) {
  segment.text = options.lowercase ? python_lower(text) : std::string(text);
  if (options.whitespace) {
    append_code_points(segment.characters, segment.text);
  } else {
    for (std::string_view word : python_split(segment.text)) {
      append_code_points(segment.characters, word);
    }
  }
  for (int n = 1; n <= options.char_order; ++n) {
    segment.char_ngrams.push_back(sorted_ngrams<char32_t>(segment.characters, n));
  }
  if (options.word_order > 0) segment.words = words_without_punctuation(segment.text);
  for (int n = 1; n <= options.word_order; ++n) {
    segment.word_ngrams.push_back(sorted_ngrams<std::string_view>(segment.words, n));
  }
}

// [hypothesis n-grams (0 when the reference has none), reference n-grams, matches].
template <typename T>
void add_order(std::vector<std::int64_t>& counts, const std::vector<std::span<const T>>& hyp,
               const std::vector<std::span<const T>>& ref) {
  counts.push_back(ref.empty() ? 0 : static_cast<std::int64_t>(hyp.size()));
  counts.push_back(static_cast<std::int64_t>(ref.size()));
  counts.push_back(clipped_matches(hyp, ref));
}

void check_options(const ChrfOptions& options) {
  TINYGPT_CHECK(options.char_order >= 1 && options.word_order >= 0 && options.beta >= 0,
                "chrF: char_order ", options.char_order, ", word_order ", options.word_order,
                " and beta ", options.beta, " need to be at least 1, 0 and 0");
}

ChrfStatistics segment_statistics(std::string_view hypothesis,
                                  std::span<const std::string_view> references,
                                  const ChrfOptions& options) {
  TINYGPT_CHECK(!references.empty(), "chrF: a hypothesis needs at least one reference");
  Segment hyp;
  prepare(hyp, hypothesis, options);
  ChrfStatistics best;
  double best_score = -1.0;
  for (std::string_view reference : references) {
    Segment ref;
    prepare(ref, reference, options);
    ChrfStatistics statistics;
    for (std::size_t n = 0; n < hyp.char_ngrams.size(); ++n) {
      add_order(statistics.counts, hyp.char_ngrams[n], ref.char_ngrams[n]);
    }
    for (std::size_t n = 0; n < hyp.word_ngrams.size(); ++n) {
      add_order(statistics.counts, hyp.word_ngrams[n], ref.word_ngrams[n]);
    }
    const double score = chrf_from_counts(statistics.counts, options);
    if (score > best_score) {
      best_score = score;
      best = std::move(statistics);
    }
  }
  return best;
}

std::string chrf_name(const ChrfOptions& options) {
  return "chrF" + std::to_string(options.beta) +
         std::string(static_cast<std::size_t>(options.word_order), '+');
}

ChrfScore make_score(const ChrfStatistics& statistics, const ChrfOptions& options, int references) {
  return {chrf_from_counts(statistics.counts, options), chrf_name(options),
          chrf_signature(options, references)};
}

}  // namespace

void ChrfStatistics::add(const ChrfStatistics& other) {
  TINYGPT_CHECK(other.counts.size() == counts.size(), "ChrfStatistics::add: ", other.counts.size(),
                " and ", counts.size(), " counts");
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
}

std::string ChrfScore::format(int width) const {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", width, score);
  return name + "|" + signature + " = " + text;
}

double chrf_from_counts(std::span<const std::int64_t> counts, const ChrfOptions& options) {
  check_options(options);
  const auto orders = static_cast<std::size_t>(options.char_order + options.word_order);
  TINYGPT_CHECK(counts.size() == 3 * orders, "chrF: ", counts.size(), " counts for ", orders,
                " orders; expected ", 3 * orders);
  // sacreBLEU's _compute_f_score, in its order of operations.
  const double factor = static_cast<double>(options.beta) * options.beta;
  double eps_score = 0.0, average_precision = 0.0, average_recall = 0.0;
  int effective_order = 0;
  for (std::size_t i = 0; i < orders; ++i) {
    const auto hyp = static_cast<double>(counts[3 * i]);
    const auto ref = static_cast<double>(counts[3 * i + 1]);
    const auto match = static_cast<double>(counts[3 * i + 2]);
    const double precision = hyp > 0 ? match / hyp : kEpsilon;
    const double recall = ref > 0 ? match / ref : kEpsilon;
    const double denominator = factor * precision + recall;
    eps_score += denominator > 0 ? (1 + factor) * precision * recall / denominator : kEpsilon;
    if (hyp > 0 && ref > 0) {
      average_precision += precision;
      average_recall += recall;
      ++effective_order;
    }
  }
  if (options.eps_smoothing) return 100 * eps_score / static_cast<double>(orders);
  if (effective_order == 0) {
    average_precision = average_recall = 0.0;
  } else {
    average_precision /= effective_order;
    average_recall /= effective_order;
  }
  if (average_precision + average_recall == 0.0) return 0.0;
  double score = (1 + factor) * average_precision * average_recall;
  score /= factor * average_precision + average_recall;
  return 100 * score;
}

ChrfStatistics chrf_statistics(std::string_view hypothesis, std::span<const std::string> references,
                               const ChrfOptions& options) {
  check_options(options);
  const std::vector<std::string_view> views(references.begin(), references.end());
  return segment_statistics(hypothesis, views, options);
}

ChrfScore corpus_chrf(std::span<const std::string> hypotheses,
                      std::span<const std::vector<std::string>> references,
                      const ChrfOptions& options) {
  check_options(options);
  const detail::ReferenceStreams streams("corpus_chrf", hypotheses.size(), references);
  ChrfStatistics zero;
  zero.counts.assign(3 * static_cast<std::size_t>(options.char_order + options.word_order), 0);
  const ChrfStatistics corpus = detail::corpus_statistics(
      hypotheses, streams, zero,
      [&](std::string_view hypothesis, std::span<const std::string_view> refs) {
        return segment_statistics(hypothesis, refs, options);
      });
  return make_score(corpus, options, streams.count());
}

ChrfScore sentence_chrf(std::string_view hypothesis, std::span<const std::string> references,
                        const ChrfOptions& options) {
  return make_score(chrf_statistics(hypothesis, references, options), options,
                    static_cast<int>(references.size()));
}

std::string chrf_signature(const ChrfOptions& options, int references) {
  return "nrefs:" + std::to_string(references) + "|case:" + (options.lowercase ? "lc" : "mixed") +
         "|eff:" + (options.eps_smoothing ? "no" : "yes") +
         "|nc:" + std::to_string(options.char_order) + "|nw:" + std::to_string(options.word_order) +
         "|space:" + (options.whitespace ? "yes" : "no") + "|version:tinygpt";
}

}  // namespace tinygpt::eval
