// BLEU's two counting functions (eval/bleu.h): clipped n-gram matches and the brevity
// penalty (Papineni et al., 2002).
#include <algorithm>
#include <cmath>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/eval/bleu.h"

namespace tinygpt::eval {
namespace {

// An n-gram is a view of n consecutive words of a sentence.
using Ngram = std::span<const std::string_view>;

bool ngram_less(const Ngram& a, const Ngram& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

// All n-grams of a sentence, sorted, so that equal ones sit next to each other and an
// n-gram's count is the length of its run (std::equal_range finds it).
std::vector<Ngram> sorted_ngrams(std::span<const std::string_view> words, std::size_t n) {
  std::vector<Ngram> ngrams;
  if (words.size() >= n) {
    ngrams.reserve(words.size() - n + 1);
    for (std::size_t i = 0; i + n <= words.size(); ++i) ngrams.push_back(words.subspan(i, n));
  }
  std::sort(ngrams.begin(), ngrams.end(), ngram_less);
  return ngrams;
}

std::int64_t count_of(const std::vector<Ngram>& sorted, const Ngram& ngram) {
  const auto [first, last] = std::equal_range(sorted.begin(), sorted.end(), ngram, ngram_less);
  return last - first;
}

}  // namespace

void bleu_ngram_matches(std::span<const std::string_view> hypothesis,
                        std::span<const std::vector<std::string_view>> references,
                        std::span<std::int64_t> matches, std::span<std::int64_t> totals) {
  TINYGPT_CHECK(!matches.empty() && matches.size() == totals.size(),
                "bleu_ngram_matches: matches has ", matches.size(), " orders and totals ",
                totals.size(), "; both need N >= 1");
  for (std::size_t n = 1; n <= matches.size(); ++n) {
    const std::vector<Ngram> hyp = sorted_ngrams(hypothesis, n);
    std::vector<std::vector<Ngram>> refs;
    refs.reserve(references.size());
    for (const std::vector<std::string_view>& reference : references) {
      refs.push_back(sorted_ngrams(reference, n));
    }
    // Each distinct hypothesis n-gram g (a run [i, j) of equal ones) earns
    // min(count_h(g), max_k count_rk(g)): clipped by the reference that has it most often.
    std::int64_t clipped = 0;
    for (std::size_t i = 0; i < hyp.size();) {
      std::size_t j = i + 1;
      while (j < hyp.size() && !ngram_less(hyp[i], hyp[j])) ++j;
      std::int64_t most = 0;
      for (const std::vector<Ngram>& ref : refs) most = std::max(most, count_of(ref, hyp[i]));
      clipped += std::min(static_cast<std::int64_t>(j - i), most);
      i = j;
    }
    matches[n - 1] = clipped;
    totals[n - 1] = static_cast<std::int64_t>(hyp.size());
  }
}

double bleu_brevity_penalty(std::int64_t hyp_len, std::int64_t ref_len) {
  // BLEU has no recall (which reference words would a hypothesis have to cover?); a
  // hypothesis shorter than its references pays for it here instead:
  //   BP = 1 if c >= r, exp(1 - r/c) if 0 < c < r, 0 if c = 0 < r.
  if (hyp_len >= ref_len) return 1.0;
  if (hyp_len == 0) return 0.0;
  return std::exp(1.0 - static_cast<double>(ref_len) / static_cast<double>(hyp_len));
}

}  // namespace tinygpt::eval
