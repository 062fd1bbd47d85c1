// Exercise 06.3 (reference): the unweighted Cohen's kappa of a confusion matrix (the checks
// of the raters' labels are cohen_kappa's, in lib/src/eval/agreement.cpp).
#include "tinygpt/eval/agreement.h"

namespace tinygpt::eval {

double cohen_kappa_unweighted(const Eigen::Ref<const RatingMatrix>& confusion) {
  // O (K, K): rows are rater a's labels, columns rater b's. The raters agree on the
  // diagonal: p_o = trace(O) / n. Had they labelled independently, each keeping their own
  // label frequencies r_k / n and c_k / n, they would agree on label k with probability
  // (r_k / n) (c_k / n): p_e = sum_k r_k c_k / n^2. Kappa is the share of the agreement
  // possible beyond chance that they reached: (p_o - p_e) / (1 - p_e).
  const double n = confusion.sum();
  const double observed = confusion.trace() / n;
  double chance = 0.0;
  for (Eigen::Index k = 0; k < confusion.rows(); ++k) {
    chance += (confusion.row(k).sum() / n) * (confusion.col(k).sum() / n);
  }
  return (observed - chance) / (1.0 - chance);
}

}  // namespace tinygpt::eval
