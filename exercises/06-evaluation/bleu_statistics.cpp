// Exercise 06.2: BLEU's clipped n-gram matches and its brevity penalty.
// Lesson: steps/06-evaluation/README.md, "Machine translation: BLEU and chrF".
// Check your work: tinygpt course check 06        Stuck? tinygpt course hint 06.2
#include <cmath>
#include <map>

#include "tinygpt/core/check.h"
#include "tinygpt/eval/bleu.h"

namespace tinygpt::eval {

void bleu_ngram_matches(std::span<const std::string_view> hypothesis,
                        std::span<const std::vector<std::string_view>> references,
                        std::span<std::int64_t> matches, std::span<std::int64_t> totals) {
  // For each order n: the hypothesis' n-grams (totals) and their clipped matches, each
  // distinct n-gram counting at most as often as in the one reference that has it most.
  throw NotImplemented("exercise 06.2 (bleu_ngram_matches)");
}

double bleu_brevity_penalty(std::int64_t hyp_len, std::int64_t ref_len) {
  // 1 when the hypothesis is at least as long as the reference, else exp(1 - r / c).
  throw NotImplemented("exercise 06.2 (bleu_brevity_penalty)");
}

}  // namespace tinygpt::eval
