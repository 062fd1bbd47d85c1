// Classification figures (eval/classification.h) against scikit-learn 1.2.1: every case of
// reference/fixtures/classification_sklearn.json, written by
// reference/classification_sklearn.py (accuracy_score, confusion_matrix and
// precision_recall_fscore_support for every average, zero_division 0 and 1, and the binary
// positive labels scikit-learn refuses); then values worked out by hand and the errors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/classification.h"
#include "tinygpt/tune/metrics.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using nlohmann::json;
using tinygpt::testing::contains;

namespace {

// Bound on |ours - scikit-learn| for every figure. Measured on this fixture (x86-64,
// Release, -march=native): every count, accuracy, per-class, micro, macro and binary figure
// equal to the bit; 6 weighted precisions 1 ulp apart (1.1e-16), where the compiler fuses
// sum += P_k * support_k into one multiply-add and numpy rounds the product first. The
// bound leaves room for other compilers and summation orders (numpy sums eight or more
// values pairwise); a wrong formula (F1 of the averaged P and R instead of the average F1,
// say) is off by 1e-3 or more on these cases.
constexpr double kTolerance = 1e-12;

const json& fixture() {
  static const json document = [] {
    const std::filesystem::path path =
        std::filesystem::path(TINYGPT_STEP06_FIXTURES) / "classification_sklearn.json";
    std::ifstream in(path);
    REQUIRE(in.good());
    return json::parse(in);
  }();
  return document;
}

// Largest |ours - scikit-learn| seen so far, over every figure of the parity test.
double largest_difference = 0.0;

void check_close(double ours, double sklearn, const std::string& what) {
  INFO(what << ": ours " << ours << ", scikit-learn " << sklearn);
  largest_difference = std::max(largest_difference, std::abs(ours - sklearn));
  CHECK(std::abs(ours - sklearn) <= kTolerance);
}

void check_scores(const AveragedScores& ours, const json& expected, const std::string& what) {
  check_close(ours.precision, expected.at("precision"), what + " precision");
  check_close(ours.recall, expected.at("recall"), what + " recall");
  check_close(ours.f1, expected.at("f1"), what + " f1");
}

void check_case(const json& item) {
  const std::string name = item.at("name");
  const auto predicted = item.at("predicted").get<std::vector<std::int32_t>>();
  const auto gold = item.at("gold").get<std::vector<std::int32_t>>();
  std::vector<std::int32_t> labels;
  if (!item.at("labels").is_null()) labels = item.at("labels").get<std::vector<std::int32_t>>();
  INFO("case " << name);

  check_close(accuracy(predicted, gold), item.at("accuracy"), "accuracy");
  const ConfusionMatrix matrix = confusion_matrix(predicted, gold, labels);
  CHECK(matrix.labels == item.at("confusion_matrix").at("labels").get<std::vector<std::int32_t>>());
  const auto counts = item.at("confusion_matrix").at("counts");
  REQUIRE(counts.size() == matrix.size());
  for (std::size_t t = 0; t < matrix.size(); ++t) {
    for (std::size_t p = 0; p < matrix.size(); ++p) {
      CHECK(matrix.counts(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(p)) ==
            counts[t][p].get<std::int64_t>());
    }
  }

  for (const ZeroDivision zero_division : {ZeroDivision::kZero, ZeroDivision::kOne}) {
    const bool one = zero_division == ZeroDivision::kOne;
    const json& expected = item.at(one ? "zero_division_1" : "zero_division_0");
    const std::string setting = one ? "zero_division=1 " : "zero_division=0 ";
    const std::vector<ClassScores> per_class = class_scores(matrix, zero_division);
    const json& classes = expected.at("per_class");
    REQUIRE(per_class.size() == classes.at("support").size());
    for (std::size_t k = 0; k < per_class.size(); ++k) {
      const std::string label = setting + "label " + std::to_string(per_class[k].label);
      CHECK(per_class[k].label == matrix.labels[k]);
      CHECK(per_class[k].support == classes.at("support")[k].get<std::int64_t>());
      check_close(per_class[k].precision, classes.at("precision")[k], label + " precision");
      check_close(per_class[k].recall, classes.at("recall")[k], label + " recall");
      check_close(per_class[k].f1, classes.at("f1")[k], label + " f1");
    }
    check_scores(average_scores(matrix, Average::kMicro, zero_division), expected.at("micro"),
                 setting + "micro");
    check_scores(average_scores(matrix, Average::kMacro, zero_division), expected.at("macro"),
                 setting + "macro");
    check_scores(average_scores(matrix, Average::kWeighted, zero_division), expected.at("weighted"),
                 setting + "weighted");
    for (const json& binary : expected.at("binary")) {
      const auto positive = binary.at("positive_label").get<std::int32_t>();
      const std::string what = setting + "binary, positive label " + std::to_string(positive);
      INFO(what);
      if (binary.contains("refused")) {
        CHECK_THROWS_AS(binary_scores(matrix, positive, zero_division), Error);
        continue;
      }
      const ClassScores ours = binary_scores(matrix, positive, zero_division);
      CHECK(ours.label == positive);
      check_scores({ours.precision, ours.recall, ours.f1}, binary, what);
    }
  }
}

}  // namespace

TEST_CASE("classification figures equal scikit-learn's on every reference case",
          "[step06][classification][parity]") {
  const json& cases = fixture().at("cases");
  REQUIRE(cases.size() >= 10);
  for (const json& item : cases) check_case(item);
  INFO("largest |ours - scikit-learn|: " << largest_difference);
  CHECK(largest_difference <= kTolerance);
}

TEST_CASE("a confusion matrix and its per-class figures by hand",
          "[step06][classification][ex06.1]") {
  // Items:   gold 0 0 0 1 1 2,  predicted 0 0 1 1 2 2.
  const std::vector<std::int32_t> gold = {0, 0, 0, 1, 1, 2};
  const std::vector<std::int32_t> predicted = {0, 0, 1, 1, 2, 2};
  const ConfusionMatrix matrix = confusion_matrix(predicted, gold);
  CHECK(matrix.labels == std::vector<std::int32_t>{0, 1, 2});
  ConfusionMatrix::Counts expected(3, 3);
  expected << 2, 1, 0,  // gold 0: twice right, once taken for 1
      0, 1, 1,          // gold 1
      0, 0, 1;          // gold 2
  CHECK(matrix.counts == expected);
  CHECK(matrix.total() == 6);
  // Label 0: P 2/2, R 2/3, F1 0.8; label 1: P 1/2, R 1/2, F1 0.5; label 2: P 1/2, R 1, F1 2/3.
  const std::vector<ClassScores> scores = class_scores(matrix);
  CHECK(scores[0].precision == 1.0);
  CHECK(scores[0].recall == Approx(2.0 / 3.0));
  CHECK(scores[0].f1 == Approx(0.8));
  CHECK(scores[0].support == 3);
  CHECK(scores[1].f1 == Approx(0.5));
  CHECK(scores[2].f1 == Approx(2.0 / 3.0));
  CHECK(scores[2].support == 1);
  const double accuracy_value = accuracy(predicted, gold);
  CHECK(accuracy_value == Approx(4.0 / 6.0));
  // Micro figures pool the counts: all three are the accuracy.
  const AveragedScores micro = average_scores(matrix, Average::kMicro);
  CHECK(micro.precision == Approx(accuracy_value));
  CHECK(micro.recall == Approx(accuracy_value));
  CHECK(micro.f1 == Approx(accuracy_value));
  CHECK(average_scores(matrix, Average::kMacro).f1 == Approx((0.8 + 0.5 + 2.0 / 3.0) / 3.0));
  CHECK(average_scores(matrix, Average::kWeighted).f1 ==
        Approx((3 * 0.8 + 2 * 0.5 + 1 * 2.0 / 3.0) / 6.0));
  // With every label occurring, macro F1 is step 04's tune::macro_f1.
  CHECK(average_scores(matrix, Average::kMacro).f1 == Approx(tune::macro_f1(predicted, gold, 3)));
  // Given labels set the order of rows and columns.
  const std::vector<std::int32_t> order = {2, 0, 1};
  const ConfusionMatrix reordered = confusion_matrix(predicted, gold, order);
  CHECK(reordered.counts(0, 0) == 1);  // gold 2 predicted 2
  CHECK(reordered.counts(1, 2) == 1);  // gold 0 predicted 1
  CHECK(class_scores(reordered)[0].label == 2);
}

TEST_CASE("zero division: a class never predicted, a label never present",
          "[step06][classification]") {
  // Class 2 is gold once and never predicted: its precision is 0/0.
  const std::vector<std::int32_t> gold = {0, 1, 2, 1};
  const std::vector<std::int32_t> predicted = {0, 1, 1, 1};
  const std::vector<std::int32_t> labels = {0, 1, 2, 3};  // 3 occurs nowhere: 0/0 twice
  const ConfusionMatrix matrix = confusion_matrix(predicted, gold, labels);
  const std::vector<ClassScores> zero = class_scores(matrix, ZeroDivision::kZero);
  const std::vector<ClassScores> one = class_scores(matrix, ZeroDivision::kOne);
  CHECK(zero[2].precision == 0.0);
  CHECK(one[2].precision == 1.0);
  CHECK(zero[2].recall == 0.0);
  CHECK(one[2].recall == 0.0);  // a real 0/1, not a zero division
  CHECK(one[2].f1 == 0.0);      // harmonic mean with a 0
  // Label 3: precision and recall both 0/0; F1 follows them.
  CHECK(zero[3].f1 == 0.0);
  CHECK(one[3].precision == 1.0);
  CHECK(one[3].recall == 1.0);
  CHECK(one[3].f1 == 1.0);
  CHECK(one[3].support == 0);
  // Unlike tune::macro_f1 (F1 1 for a label that occurs nowhere), the default gives it 0.
  const double macro = average_scores(matrix, Average::kMacro).f1;
  CHECK(macro == Approx((1.0 + 0.8 + 0.0 + 0.0) / 4.0));
  CHECK(tune::macro_f1(predicted, gold, 4) == Approx((1.0 + 0.8 + 0.0 + 1.0) / 4.0));
  // tune::macro_f1 is the macro F1 with zero_division = 1 over the labels 0..K-1.
  CHECK(average_scores(matrix, Average::kMacro, ZeroDivision::kOne).f1 ==
        Approx(tune::macro_f1(predicted, gold, 4)));
}

TEST_CASE("binary scores report the positive label", "[step06][classification]") {
  const std::vector<std::int32_t> gold = {1, 1, 0, 0, 1};
  const std::vector<std::int32_t> predicted = {1, 0, 1, 0, 1};
  const ConfusionMatrix matrix = confusion_matrix(predicted, gold);
  const ClassScores positive = binary_scores(matrix);  // label 1: TP 2, FP 1, FN 1
  CHECK(positive.label == 1);
  CHECK(positive.precision == Approx(2.0 / 3.0));
  CHECK(positive.recall == Approx(2.0 / 3.0));
  CHECK(binary_scores(matrix, 0).precision == Approx(0.5));
  // Nothing positive anywhere: scikit-learn accepts it and reports zero_division.
  const std::vector<std::int32_t> negatives = {0, 0, 0};
  const ConfusionMatrix none = confusion_matrix(negatives, negatives);
  CHECK(binary_scores(none).f1 == 0.0);
  CHECK(binary_scores(none, 1, ZeroDivision::kOne).f1 == 1.0);
}

TEST_CASE("bad input is refused with the problem named", "[step06][classification]") {
  const std::vector<std::int32_t> three = {0, 1, 2};
  const std::vector<std::int32_t> two = {0, 1};
  const std::vector<std::int32_t> empty;
  CHECK_THROWS_WITH(accuracy(three, two), contains("3 predicted labels but 2 gold labels"));
  CHECK_THROWS_WITH(confusion_matrix(two, three), contains("2 predicted labels but 3 gold"));
  CHECK_THROWS_WITH(accuracy(empty, empty), contains("no items"));
  CHECK_THROWS_WITH(confusion_matrix(empty, empty), contains("no items"));
  const std::vector<std::int32_t> labels = {0, 1};
  const std::vector<std::int32_t> gold = {0, 1, 1};
  CHECK_THROWS_WITH(
      confusion_matrix(three, gold, labels),
      contains("predicted label 2 of item 2 is not one of the 2 given labels (0, 1)"));
  CHECK_THROWS_WITH(confusion_matrix(gold, three, labels),
                    contains("gold label 2 of item 2 is not one of the 2 given labels"));
  const std::vector<std::int32_t> twice = {0, 1, 0};
  CHECK_THROWS_WITH(confusion_matrix(two, two, twice), contains("label 0 is given more than once"));
  const ConfusionMatrix multiclass = confusion_matrix(three, three);
  CHECK_THROWS_WITH(
      binary_scores(multiclass),
      contains("the data has 3 distinct labels (0, 1, 2); binary scores need at most 2"));
  const std::vector<std::int32_t> other = {2, 5};
  CHECK_THROWS_WITH(binary_scores(confusion_matrix(other, other)),
                    contains("the positive label 1 is not one of the data's labels (2, 5)"));
  // A matrix of zeros (made by hand): every ratio is 0/0.
  const ConfusionMatrix empty_matrix{{0, 1}, ConfusionMatrix::Counts::Zero(2, 2)};
  CHECK(average_scores(empty_matrix, Average::kWeighted, ZeroDivision::kOne).f1 == 1.0);
  CHECK(average_scores(empty_matrix, Average::kMicro, ZeroDivision::kZero).precision == 0.0);
  const ConfusionMatrix broken{{0, 1}, ConfusionMatrix::Counts::Zero(3, 3)};
  CHECK_THROWS_WITH(class_scores(broken), contains("2 labels but 3x3 counts"));
  CHECK_THROWS_WITH(average_scores(broken, Average::kMacro), contains("2 labels and 3x3 counts"));
}
