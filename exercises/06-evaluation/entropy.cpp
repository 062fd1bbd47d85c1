// Exercise 06.6: the entropy of each row of a classifier's probabilities, the acquisition
// function that asks the oracle about the reviews the classifier is least sure of.
// Lesson: steps/06-evaluation/README.md, "Active learning".
// Check your work: tinygpt course check 06        Stuck? tinygpt course hint 06.6
#include "tinygpt/core/check.h"
#include "tinygpt/eval/active_learning.h"

namespace tinygpt::eval {

std::vector<double> entropy_scores(ConstMatrixRef probabilities) {
  // H(p) = -sum_k p_k ln p_k per row, in double, with 0 ln 0 = 0.
  throw NotImplemented("exercise 06.6 (entropy_scores)");
}

}  // namespace tinygpt::eval
