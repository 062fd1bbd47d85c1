/// @file classification.h
/// @brief Classification figures as scikit-learn defines them: the confusion matrix,
/// accuracy, and precision, recall and F1 per class and averaged (binary, micro, macro,
/// weighted).
///
/// Definitions (scikit-learn's `confusion_matrix`, `accuracy_score` and
/// `precision_recall_fscore_support`, user guide section "Precision, recall and
/// F-measures"): for a class k with TP_k items rightly predicted k, FP_k items wrongly
/// predicted k and FN_k items of class k predicted something else,
///
///     P_k = TP_k / (TP_k + FP_k)    R_k = TP_k / (TP_k + FN_k)    F1_k = 2 P_k R_k / (P_k + R_k)
///
/// and its support is TP_k + FN_k, the number of gold items of class k. When a denominator is
/// 0 (a class never predicted has no precision, one never in the gold labels no recall) the
/// value is the `zero_division` setting, 0 by default, as scikit-learn's default "warn" gives
/// (without its warning); F1 is then 2 P R / (P + R) of those values, and 0 when P + R is 0.
/// Averages:
/// - binary: the positive label's own P, R and F1;
/// - micro: P, R and F1 of the summed counts (sum TP / sum (TP + FP), ...); with every
///   label counted, micro P = micro R = micro F1 = accuracy;
/// - macro: the unweighted mean over the labels, so a rare class weighs as much as a
///   frequent one (and a label that never occurs adds a 0 component);
/// - weighted: the mean weighted by support, which leans towards the frequent classes and
///   can give an F1 outside [P, R].
///
/// One difference from scikit-learn, on purpose: scikit-learn lets `labels` leave out labels
/// that occur (and then ignores those items' gold or predicted side); here every label that
/// occurs must be among the given labels, or the call fails, because a mistyped label list
/// would otherwise change the figures without a word.
///
/// Legend: K = number of labels, N = number of items.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "tinygpt/tune/metrics.h"

namespace tinygpt::eval {

/// @brief What a ratio with a zero denominator is worth (scikit-learn's `zero_division`).
enum class ZeroDivision {
  kZero,  ///< 0, scikit-learn's default ("warn" acts as 0 and warns)
  kOne,   ///< 1
};

/// @brief How per-class figures become one figure (scikit-learn's `average`; binary is
/// binary_scores()).
enum class Average {
  kMicro,     ///< P, R, F1 of the counts summed over the labels
  kMacro,     ///< unweighted mean of the per-class figures
  kWeighted,  ///< mean of the per-class figures weighted by support
};

/// @brief Counts of (gold label, predicted label) pairs.
struct ConfusionMatrix {
  /// Row-major counts: (K, K), row = gold label, column = predicted label, as scikit-learn's
  /// `confusion_matrix` (C[i, j] = items of class labels[i] predicted labels[j]).
  using Counts = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  std::vector<std::int32_t> labels;  ///< (K) the labels, in row and column order
  Counts counts;                     ///< (K, K) counts(gold, predicted)

  /// @return K, the number of labels.
  std::size_t size() const { return labels.size(); }
  /// @return N, the number of items counted.
  std::int64_t total() const { return counts.sum(); }
};

/// @brief Precision, recall and F1 of one class, with its support.
struct ClassScores {
  std::int32_t label = 0;    ///< the class
  double precision = 0.0;    ///< TP / (TP + FP), in [0, 1]
  double recall = 0.0;       ///< TP / (TP + FN), in [0, 1]
  double f1 = 0.0;           ///< 2 P R / (P + R), in [0, 1]
  std::int64_t support = 0;  ///< TP + FN: gold items of this class
};

/// @brief Precision, recall and F1 averaged over the classes.
struct AveragedScores {
  double precision = 0.0;  ///< averaged precision, in [0, 1]
  double recall = 0.0;     ///< averaged recall, in [0, 1]
  double f1 = 0.0;         ///< averaged F1 (the average of the per-class F1), in [0, 1]
};

/// @brief The sorted distinct labels of predictions and gold labels together (what
/// scikit-learn's `unique_labels` infers when no labels are given).
/// @param predicted (N) predicted labels.
/// @param gold (N) gold labels.
/// @return the labels in increasing order.
std::vector<std::int32_t> labels_of(std::span<const std::int32_t> predicted,
                                    std::span<const std::int32_t> gold);

/// @brief Counts every (gold, predicted) pair.
/// @param predicted (N) predicted labels, N >= 1.
/// @param gold (N) gold labels, same length.
/// @param labels the K labels in the order of the rows and columns, each once; every label
///        that occurs must be among them, and labels that never occur give rows and columns
///        of zeros. Empty: inferred, labels_of(predicted, gold).
/// @return the (K, K) matrix.
ConfusionMatrix confusion_matrix(std::span<const std::int32_t> predicted,
                                 std::span<const std::int32_t> gold,
                                 std::span<const std::int32_t> labels = {});

// accuracy(predicted, gold), the share of items predicted right (scikit-learn's
// `accuracy_score`), is step 04's tune::accuracy (tune/metrics.h), the one implementation.
using tune::accuracy;

/// @brief Precision, recall, F1 and support of every class of a confusion matrix
/// (scikit-learn's `precision_recall_fscore_support` with `average=None`). Its body is
/// exercise 06.1 (solutions/06-evaluation/precision_recall.cpp).
/// @param matrix the counts; TP_k is the diagonal, TP_k + FP_k column k's sum, TP_k + FN_k
///        row k's sum.
/// @param zero_division the value of a ratio whose denominator is 0.
/// @return (K) one entry per label, in the matrix's order.
std::vector<ClassScores> class_scores(const ConfusionMatrix& matrix,
                                      ZeroDivision zero_division = ZeroDivision::kZero);

/// @brief Precision, recall and F1 averaged over every label of the matrix
/// (scikit-learn's `precision_recall_fscore_support` with `average="micro"`, `"macro"` or
/// `"weighted"`).
/// @param matrix the counts.
/// @param average how to average (see the file).
/// @param zero_division the value of a ratio whose denominator is 0.
/// @return the three averaged figures.
AveragedScores average_scores(const ConfusionMatrix& matrix, Average average,
                              ZeroDivision zero_division = ZeroDivision::kZero);

/// @brief The positive label's precision, recall and F1 (scikit-learn's
/// `average="binary"`). As scikit-learn does, it refuses data with more than two distinct
/// labels (predicted or gold), and data with two where neither is the positive label; with
/// at most one distinct label the positive label may be absent (its figures are then the
/// zero_division value, as its counts are all 0).
/// @param matrix the counts.
/// @param positive_label the class to report (scikit-learn's `pos_label`, 1 by default).
/// @param zero_division the value of a ratio whose denominator is 0.
/// @return the positive label's scores.
ClassScores binary_scores(const ConfusionMatrix& matrix, std::int32_t positive_label = 1,
                          ZeroDivision zero_division = ZeroDivision::kZero);

}  // namespace tinygpt::eval
