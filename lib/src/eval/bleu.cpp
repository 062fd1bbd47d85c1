// Corpus and sentence BLEU as sacreBLEU 2.x computes them (eval/bleu.h): segments prepared
// and counted here, the counting itself in exercise 06.2's bleu_statistics.cpp.
#include "tinygpt/eval/bleu.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "reference_streams_detail.h"
#include "tinygpt/core/check.h"

namespace tinygpt::eval {
namespace {

// sacreBLEU's my_log: log(0) is taken as this instead of -inf, so a zero precision makes
// the score exp(-huge) = 0 without a special case.
constexpr double kLogOfZero = -9999999999.0;

double log_or_floor(double x) {
  return x == 0.0 ? kLogOfZero : std::log(x);
}

// Python's f"{x:.{digits}f}": printf rounds the exact binary value as Python does.
std::string fixed(double x, int digits) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, x);
  return text;
}

// A segment as BLEU reads it: lowercased if asked, trailing white space removed,
// tokenised. The result views `segment` when nothing had to change, else `storage`.
std::string_view prepare(std::string_view segment, const BleuOptions& options,
                         std::string& storage) {
  std::string_view text = segment;
  if (options.lowercase) {
    storage = python_lower(segment);
    text = storage;
  }
  text = python_rstrip(text);
  if (options.tokenizer == BleuTokenizer::kNone) return text;
  storage = bleu_tokenize(text, options.tokenizer);  // reads `text` before it is replaced
  return storage;
}

double smooth_value_of(const BleuOptions& options) {
  if (options.smooth_value) return *options.smooth_value;
  return options.smoothing == BleuSmoothing::kFloor ? 0.1 : 1.0;
}

BleuStatistics empty_statistics(const BleuOptions& options) {
  BleuStatistics statistics;
  statistics.matches.assign(static_cast<std::size_t>(options.max_order), 0);
  statistics.totals = statistics.matches;
  return statistics;
}

void check_order(const BleuOptions& options) {
  TINYGPT_CHECK(options.max_order >= 1, "BLEU: max_order is ", options.max_order,
                "; it needs to be at least 1");
}

}  // namespace

std::string bleu_smoothing_name(BleuSmoothing smoothing) {
  switch (smoothing) {
    case BleuSmoothing::kNone:
      return "none";
    case BleuSmoothing::kFloor:
      return "floor";
    case BleuSmoothing::kAddK:
      return "add-k";
    case BleuSmoothing::kExp:
      return "exp";
  }
  return "?";
}

BleuSmoothing parse_bleu_smoothing(std::string_view name) {
  for (BleuSmoothing smoothing :
       {BleuSmoothing::kNone, BleuSmoothing::kFloor, BleuSmoothing::kAddK, BleuSmoothing::kExp}) {
    if (name == bleu_smoothing_name(smoothing)) return smoothing;
  }
  throw Error("unknown smoothing method '" + std::string(name) +
              "': expected exp, floor, add-k or none");
}

void BleuStatistics::add(const BleuStatistics& other) {
  TINYGPT_CHECK(other.matches.size() == matches.size() && other.totals.size() == totals.size(),
                "BleuStatistics::add: orders ", other.matches.size(), " and ", matches.size(),
                " differ");
  hyp_len += other.hyp_len;
  ref_len += other.ref_len;
  for (std::size_t n = 0; n < matches.size(); ++n) {
    matches[n] += other.matches[n];
    totals[n] += other.totals[n];
  }
}

std::string BleuScore::verbose() const {
  std::string text;
  for (std::size_t n = 0; n < precisions.size(); ++n) {
    if (n > 0) text += '/';
    text += fixed(precisions[n], 1);
  }
  return text + " (BP = " + fixed(brevity_penalty, 3) + " ratio = " + fixed(ratio, 3) +
         " hyp_len = " + std::to_string(hyp_len) + " ref_len = " + std::to_string(ref_len) + ")";
}

std::string BleuScore::format(int width) const {
  return "BLEU|" + signature + " = " + fixed(score, width) + " " + verbose();
}

std::int64_t closest_reference_length(std::int64_t hyp_len,
                                      std::span<const std::int64_t> ref_lens) {
  TINYGPT_CHECK(!ref_lens.empty(), "closest_reference_length: no reference");
  std::int64_t best = ref_lens[0];
  for (std::int64_t length : ref_lens) {
    const std::int64_t distance = std::abs(hyp_len - length);
    const std::int64_t best_distance = std::abs(hyp_len - best);
    if (distance < best_distance || (distance == best_distance && length < best)) best = length;
  }
  return best;
}

namespace {

// bleu_statistics() on views, so that a corpus need not copy its references per sentence.
BleuStatistics segment_statistics(std::string_view hypothesis,
                                  std::span<const std::string_view> references,
                                  const BleuOptions& options) {
  TINYGPT_CHECK(!references.empty(), "BLEU: a hypothesis needs at least one reference");
  std::string hyp_storage;
  const std::vector<std::string_view> hyp_words =
      python_split(prepare(hypothesis, options, hyp_storage));
  std::vector<std::string> ref_storage(references.size());
  std::vector<std::vector<std::string_view>> ref_words;
  std::vector<std::int64_t> ref_lens;
  ref_words.reserve(references.size());
  for (std::size_t k = 0; k < references.size(); ++k) {
    ref_words.push_back(python_split(prepare(references[k], options, ref_storage[k])));
    ref_lens.push_back(static_cast<std::int64_t>(ref_words.back().size()));
  }
  BleuStatistics statistics = empty_statistics(options);
  statistics.hyp_len = static_cast<std::int64_t>(hyp_words.size());
  statistics.ref_len = closest_reference_length(statistics.hyp_len, ref_lens);
  bleu_ngram_matches(hyp_words, ref_words, statistics.matches, statistics.totals);
  return statistics;
}

}  // namespace

BleuStatistics bleu_statistics(std::string_view hypothesis, std::span<const std::string> references,
                               const BleuOptions& options) {
  check_order(options);
  const std::vector<std::string_view> views(references.begin(), references.end());
  return segment_statistics(hypothesis, views, options);
}

BleuScore bleu_score(const BleuStatistics& statistics, const BleuOptions& options, int references) {
  check_order(options);
  const auto order = static_cast<std::size_t>(options.max_order);
  TINYGPT_CHECK(statistics.matches.size() == order && statistics.totals.size() == order,
                "bleu_score: the counts have ", statistics.matches.size(), " and ",
                statistics.totals.size(), " orders but max_order is ", order);
  BleuScore result;
  result.hyp_len = statistics.hyp_len;
  result.ref_len = statistics.ref_len;
  result.matches = statistics.matches;
  result.totals = statistics.totals;
  result.ratio = statistics.ref_len > 0 ? static_cast<double>(statistics.hyp_len) /
                                              static_cast<double>(statistics.ref_len)
                                        : 0.0;
  result.brevity_penalty = bleu_brevity_penalty(statistics.hyp_len, statistics.ref_len);
  result.precisions.assign(order, 0.0);
  result.signature = bleu_signature(options, references);

  bool any_match = false;
  for (std::int64_t m : statistics.matches) any_match = any_match || m != 0;
  if (!any_match) return result;  // every method gives 0 (sacreBLEU's issue #141)

  // The precisions in percent, smoothed as sacreBLEU's compute_bleu does it, in the same
  // order of operations so that the doubles come out the same.
  const double value = smooth_value_of(options);
  double mteval_factor = 1.0;  // exp: 2^i for the i-th order without a match
  std::size_t effective = order;
  for (std::size_t n = 1; n <= order; ++n) {
    double correct = static_cast<double>(statistics.matches[n - 1]);
    double total = static_cast<double>(statistics.totals[n - 1]);
    if (options.smoothing == BleuSmoothing::kAddK && n > 1) {
      correct += value;
      total += value;
    }
    if (total == 0.0) break;  // no n-grams of this order, nor of any higher one
    if (options.effective_order) effective = n;
    double& precision = result.precisions[n - 1];
    if (correct == 0.0) {
      if (options.smoothing == BleuSmoothing::kExp) {
        mteval_factor *= 2.0;
        precision = 100.0 / (mteval_factor * total);
      } else if (options.smoothing == BleuSmoothing::kFloor) {
        precision = 100.0 * value / total;
      }
    } else {
      precision = 100.0 * correct / total;
    }
  }
  double sum = 0.0;
  for (std::size_t n = 0; n < effective; ++n) sum += log_or_floor(result.precisions[n]);
  result.score = result.brevity_penalty * std::exp(sum / static_cast<double>(effective));
  return result;
}

BleuScore corpus_bleu(std::span<const std::string> hypotheses,
                      std::span<const std::vector<std::string>> references,
                      const BleuOptions& options) {
  check_order(options);
  const detail::ReferenceStreams streams("corpus_bleu", hypotheses.size(), references);
  const BleuStatistics corpus = detail::corpus_statistics(
      hypotheses, streams, empty_statistics(options),
      [&](std::string_view hypothesis, std::span<const std::string_view> refs) {
        return segment_statistics(hypothesis, refs, options);
      });
  return bleu_score(corpus, options, streams.count());
}

BleuScore sentence_bleu(std::string_view hypothesis, std::span<const std::string> references,
                        const BleuOptions& options) {
  return bleu_score(bleu_statistics(hypothesis, references, options), options,
                    static_cast<int>(references.size()));
}

std::string bleu_signature(const BleuOptions& options, int references) {
  std::string smooth = bleu_smoothing_name(options.smoothing);
  if (options.smoothing == BleuSmoothing::kFloor || options.smoothing == BleuSmoothing::kAddK) {
    // (appended piece by piece: "[" + std::string + "]" trips GCC 12's -Wrestrict)
    smooth += '[';
    smooth += fixed(smooth_value_of(options), 2);
    smooth += ']';
  }
  return "nrefs:" + std::to_string(references) + "|case:" + (options.lowercase ? "lc" : "mixed") +
         "|eff:" + (options.effective_order ? "yes" : "no") +
         "|tok:" + bleu_tokenizer_name(options.tokenizer) + "|smooth:" + smooth +
         "|version:tinygpt";
}

}  // namespace tinygpt::eval
