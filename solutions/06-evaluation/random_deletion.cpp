// Exercise 06.7: EDA's random deletion, given its draws (eval/augment.h).
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/eval/augment.h"
#include "tinygpt/eval/perturb.h"

namespace tinygpt::eval {

std::vector<std::string> random_deletion(std::span<const std::string> words, double p,
                                         std::span<const float> draws, float u_keep) {
  TINYGPT_CHECK(p >= 0.0 && p <= 1.0, "random_deletion: p must be in [0, 1], got ", p);
  TINYGPT_CHECK(draws.size() == words.size(), "random_deletion: ", words.size(), " words and ",
                draws.size(), " draws");
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < words.size(); ++i) {
    // A structural word stays: deleting "not" would flip the review's label.
    if (draws[i] >= p || is_structural_word(words[i])) kept.push_back(words[i]);
  }
  if (kept.empty() && !words.empty()) {
    const auto keep =
        static_cast<std::size_t>(std::floor(u_keep * static_cast<float>(words.size())));
    kept.push_back(words[std::min(keep, words.size() - 1)]);
  }
  return kept;
}

}  // namespace tinygpt::eval
