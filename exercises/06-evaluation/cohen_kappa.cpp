// Exercise 06.3: the unweighted Cohen's kappa of a confusion matrix.
// Lesson: steps/06-evaluation/README.md, "Agreement between raters".
// Check your work: tinygpt course check 06        Stuck? tinygpt course hint 06.3
#include "tinygpt/core/check.h"
#include "tinygpt/eval/agreement.h"

namespace tinygpt::eval {

double cohen_kappa_unweighted(const Eigen::Ref<const RatingMatrix>& confusion) {
  // kappa = (p_o - p_e) / (1 - p_e): the observed agreement, and the agreement two raters
  // with the same label frequencies would reach by chance.
  throw NotImplemented("exercise 06.3 (cohen_kappa_unweighted)");
}

}  // namespace tinygpt::eval
