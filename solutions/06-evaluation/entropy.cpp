// Exercise 06.6 (reference): the entropy of each row of a classifier's probabilities (the
// checks of the rows are acquisition_scores', in lib/src/eval/active_learning.cpp).
#include <cmath>

#include "tinygpt/eval/active_learning.h"

namespace tinygpt::eval {

std::vector<double> entropy_scores(ConstMatrixRef probabilities) {
  // H(p) = -sum_k p_k ln p_k: the expected surprise of the label the classifier draws, 0
  // when it is certain (one p_k = 1) and largest, ln K, when every label is as likely. A
  // p_k of 0 adds nothing: p ln p -> 0 as p -> 0, while 0 * ln 0 would be 0 * -inf = NaN.
  std::vector<double> scores(static_cast<std::size_t>(probabilities.rows()), 0.0);
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    double entropy = 0.0;
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k) {
      const double p = probabilities(i, k);
      if (p > 0.0) entropy -= p * std::log(p);
    }
    scores[static_cast<std::size_t>(i)] = entropy;
  }
  return scores;
}

}  // namespace tinygpt::eval
