// Exercise 06.4: a typo, one character edit of one word, given its random draws.
// Lesson: steps/06-evaluation/README.md, "Robustness: perturbations".
// Check your work: tinygpt course check 06        Stuck? tinygpt course hint 06.4
#include <algorithm>
#include <string>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/eval/perturb.h"

namespace tinygpt::eval {

std::string perturb_word_characters(std::string_view word, CharEdit edit, float u_position,
                                    float u_letter) {
  // The candidate positions (ASCII letters; for a swap, a letter before a different
  // letter), the one u_position picks, then the edit; u_letter picks a QWERTY neighbour.
  throw NotImplemented("exercise 06.4 (perturb_word_characters)");
}

}  // namespace tinygpt::eval
