// Exercise 06.1 (reference): per-class precision, recall and F1 from a confusion matrix (its
// driver, the averages and the checks of the data are in lib/src/eval/classification.cpp).
#include "tinygpt/eval/classification.h"

#include "tinygpt/core/check.h"

namespace tinygpt::eval {

namespace {

// numerator / denominator, or the zero_division value when there is nothing to divide by
// (scikit-learn's _prf_divide).
double ratio(std::int64_t numerator, std::int64_t denominator, ZeroDivision zero_division) {
  if (denominator == 0) return zero_division == ZeroDivision::kOne ? 1.0 : 0.0;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace

std::vector<ClassScores> class_scores(const ConfusionMatrix& matrix, ZeroDivision zero_division) {
  // Rows are gold labels, columns predictions. For class k:
  //   TP = C[k, k]
  //   TP + FP = sum of column k (everything predicted k)
  //   TP + FN = sum of row k    (everything whose gold label is k: the support)
  // P = TP / (TP + FP), R = TP / (TP + FN), F1 = 2 P R / (P + R), the harmonic mean,
  // which is 0 as soon as either is 0. A 0/0 ratio takes the zero_division value before F1
  // is formed from P and R, as in scikit-learn 1.2.
  const auto k_labels = static_cast<Eigen::Index>(matrix.size());
  TINYGPT_CHECK(matrix.counts.rows() == k_labels && matrix.counts.cols() == k_labels,
                "class_scores: ", k_labels, " labels but ", matrix.counts.rows(), "x",
                matrix.counts.cols(), " counts; the matrix must be K x K");
  std::vector<ClassScores> scores;
  scores.reserve(matrix.size());
  for (Eigen::Index k = 0; k < k_labels; ++k) {
    const std::int64_t true_positive = matrix.counts(k, k);
    const std::int64_t predicted = matrix.counts.col(k).sum();
    const std::int64_t support = matrix.counts.row(k).sum();
    ClassScores s;
    s.label = matrix.labels[static_cast<std::size_t>(k)];
    s.precision = ratio(true_positive, predicted, zero_division);
    s.recall = ratio(true_positive, support, zero_division);
    const double sum = s.precision + s.recall;
    s.f1 = sum == 0.0 ? 0.0 : 2.0 * s.precision * s.recall / sum;
    s.support = support;
    scores.push_back(s);
  }
  return scores;
}

}  // namespace tinygpt::eval
