#include "tinygpt/eval/classification.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <unordered_map>

#include "tinygpt/core/check.h"

namespace tinygpt::eval {

namespace {

void check_items(std::span<const std::int32_t> predicted, std::span<const std::int32_t> gold,
                 const char* what) {
  TINYGPT_CHECK(predicted.size() == gold.size(), what, ": ", predicted.size(),
                " predicted labels but ", gold.size(),
                " gold labels; they must pair up, one prediction per item");
  TINYGPT_CHECK(!gold.empty(), what, ": no items (the predicted and gold labels are empty)");
}

// "(0, 1, 2)", at most the first 20 labels.
std::string label_list(std::span<const std::int32_t> labels) {
  std::ostringstream out;
  out << "(";
  for (std::size_t i = 0; i < labels.size() && i < 20; ++i) out << (i > 0 ? ", " : "") << labels[i];
  if (labels.size() > 20) out << ", ... " << labels.size() - 20 << " more";
  out << ")";
  return out.str();
}

void check_matrix(const ConfusionMatrix& matrix, const char* what) {
  const auto k = static_cast<Eigen::Index>(matrix.size());
  TINYGPT_CHECK(k > 0 && matrix.counts.rows() == k && matrix.counts.cols() == k, what,
                ": the confusion matrix has ", matrix.size(), " labels and ", matrix.counts.rows(),
                "x", matrix.counts.cols(), " counts; it needs at least one label and K x K counts");
}

// The labels that occur in the data: a row or column with a count.
std::vector<std::int32_t> present_labels(const ConfusionMatrix& matrix) {
  std::vector<std::int32_t> present;
  for (Eigen::Index k = 0; k < static_cast<Eigen::Index>(matrix.size()); ++k) {
    if (matrix.counts.row(k).sum() + matrix.counts.col(k).sum() > 0) {
      present.push_back(matrix.labels[static_cast<std::size_t>(k)]);
    }
  }
  return present;
}

}  // namespace

std::vector<std::int32_t> labels_of(std::span<const std::int32_t> predicted,
                                    std::span<const std::int32_t> gold) {
  std::vector<std::int32_t> labels(predicted.begin(), predicted.end());
  labels.insert(labels.end(), gold.begin(), gold.end());
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return labels;
}

ConfusionMatrix confusion_matrix(std::span<const std::int32_t> predicted,
                                 std::span<const std::int32_t> gold,
                                 std::span<const std::int32_t> labels) {
  check_items(predicted, gold, "confusion_matrix");
  ConfusionMatrix matrix;
  matrix.labels = labels.empty() ? labels_of(predicted, gold)
                                 : std::vector<std::int32_t>(labels.begin(), labels.end());
  std::unordered_map<std::int32_t, Eigen::Index> index;
  for (std::size_t k = 0; k < matrix.labels.size(); ++k) {
    const bool fresh = index.emplace(matrix.labels[k], static_cast<Eigen::Index>(k)).second;
    TINYGPT_CHECK(fresh, "confusion_matrix: label ", matrix.labels[k],
                  " is given more than once in the labels ", label_list(matrix.labels));
  }
  const auto k_labels = static_cast<Eigen::Index>(matrix.labels.size());
  matrix.counts = ConfusionMatrix::Counts::Zero(k_labels, k_labels);
  for (std::size_t i = 0; i < gold.size(); ++i) {
    const auto row = index.find(gold[i]);
    TINYGPT_CHECK(row != index.end(), "confusion_matrix: gold label ", gold[i], " of item ", i,
                  " is not one of the ", matrix.labels.size(), " given labels ",
                  label_list(matrix.labels));
    const auto column = index.find(predicted[i]);
    TINYGPT_CHECK(column != index.end(), "confusion_matrix: predicted label ", predicted[i],
                  " of item ", i, " is not one of the ", matrix.labels.size(), " given labels ",
                  label_list(matrix.labels));
    matrix.counts(row->second, column->second) += 1;
  }
  return matrix;
}

AveragedScores average_scores(const ConfusionMatrix& matrix, Average average,
                              ZeroDivision zero_division) {
  check_matrix(matrix, "average_scores");
  const double zero_value = zero_division == ZeroDivision::kOne ? 1.0 : 0.0;
  if (average == Average::kMicro) {
    // Summed over the labels: TP = the trace, and both TP + FP and TP + FN are every item.
    // A two-label matrix with those sums for its first label divides exactly as
    // scikit-learn does on the summed counts (0/0 included).
    const std::int64_t right = matrix.counts.trace();
    const std::int64_t wrong = matrix.total() - right;
    ConfusionMatrix pooled{{0, 1}, ConfusionMatrix::Counts(2, 2)};
    pooled.counts << right, wrong, wrong, 0;
    const ClassScores s = class_scores(pooled, zero_division)[0];
    return {s.precision, s.recall, s.f1};
  }
  const std::vector<ClassScores> scores = class_scores(matrix, zero_division);
  if (average == Average::kMacro) {
    AveragedScores mean;
    for (const ClassScores& s : scores) {
      mean.precision += s.precision;
      mean.recall += s.recall;
      mean.f1 += s.f1;
    }
    const auto k = static_cast<double>(scores.size());
    return {mean.precision / k, mean.recall / k, mean.f1 / k};
  }
  // Weighted by support. With no items at all (a hand-made matrix of zeros) every ratio is
  // 0/0 and scikit-learn returns the zero_division value for all three.
  std::int64_t support = 0;
  AveragedScores sum;
  for (const ClassScores& s : scores) {
    support += s.support;
    sum.precision += s.precision * static_cast<double>(s.support);
    sum.recall += s.recall * static_cast<double>(s.support);
    sum.f1 += s.f1 * static_cast<double>(s.support);
  }
  if (support == 0) return {zero_value, zero_value, zero_value};
  const auto w = static_cast<double>(support);
  return {sum.precision / w, sum.recall / w, sum.f1 / w};
}

ClassScores binary_scores(const ConfusionMatrix& matrix, std::int32_t positive_label,
                          ZeroDivision zero_division) {
  check_matrix(matrix, "binary_scores");
  const std::vector<std::int32_t> present = present_labels(matrix);
  TINYGPT_CHECK(present.size() <= 2, "binary_scores: the data has ", present.size(),
                " distinct labels ", label_list(present),
                "; binary scores need at most 2 (use average_scores: micro, macro or weighted)");
  const bool occurs = std::find(present.begin(), present.end(), positive_label) != present.end();
  TINYGPT_CHECK(occurs || present.size() < 2, "binary_scores: the positive label ", positive_label,
                " is not one of the data's labels ", label_list(present));
  const auto at = std::find(matrix.labels.begin(), matrix.labels.end(), positive_label);
  if (at != matrix.labels.end()) {
    return class_scores(matrix,
                        zero_division)[static_cast<std::size_t>(at - matrix.labels.begin())];
  }
  // The positive label is not among the matrix's labels and nothing was counted for it.
  const ConfusionMatrix absent{{positive_label}, ConfusionMatrix::Counts::Zero(1, 1)};
  return class_scores(absent, zero_division)[0];
}

}  // namespace tinygpt::eval
