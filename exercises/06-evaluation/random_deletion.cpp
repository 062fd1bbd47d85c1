// Exercise 06.7: EDA's random deletion, given its draws.
// Lesson: steps/06-evaluation/README.md, "Data augmentation: EDA".
// Check your work: tinygpt course check 06        Stuck? tinygpt course hint 06.7
#include "tinygpt/core/check.h"
#include "tinygpt/eval/augment.h"
#include "tinygpt/eval/perturb.h"

namespace tinygpt::eval {

std::vector<std::string> random_deletion(std::span<const std::string> words, double p,
                                         std::span<const float> draws, float u_keep) {
  // Word i stays when draws[i] >= p, or when it is a structural word (is_structural_word):
  // deleting "not" would flip a review's label. Never return nothing for a text that had
  // words: keep words[floor(u_keep * n)] then.
  throw NotImplemented("exercise 06.7 (random_deletion)");
}

}  // namespace tinygpt::eval
