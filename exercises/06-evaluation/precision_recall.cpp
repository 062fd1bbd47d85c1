// Exercise 06.1: per-class precision, recall and F1 from a confusion matrix.
// Lesson: steps/06-evaluation/README.md, "Classification metrics".
// Check your work: tinygpt course check 06        Stuck? tinygpt course hint 06.1
#include "tinygpt/eval/classification.h"

#include "tinygpt/core/check.h"

namespace tinygpt::eval {

std::vector<ClassScores> class_scores(const ConfusionMatrix& matrix, ZeroDivision zero_division) {
  // For each label k (rows of the counts are gold labels, columns predictions): TP, the
  // predictions of k, the gold items of k (the support); P, R and F1, with zero_division
  // where a ratio would be 0/0.
  throw NotImplemented("exercise 06.1 (class_scores)");
}

}  // namespace tinygpt::eval
