// Fused softmax + cross-entropy (exercise 01.3): known values, stability, ignore index,
// gradients, bad targets.
#include <cmath>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/softmax.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

TEST_CASE("cross-entropy gives the hand-computed loss and probabilities",
          "[step01][cross_entropy][ex01.3]") {
  const Matrix logits = matrix_of({{1, 2, 3}, {0, 0, 0}});
  const std::vector<std::int32_t> targets = {2, 0};
  Matrix loss(1, 1), probs(2, 3);
  nn::softmax_cross_entropy_forward(loss, probs, logits, targets, -1);
  // Row 0: log(e^1 + e^2 + e^3) - 3 = 0.40760596; row 1: log 3 = 1.0986123.
  CHECK_THAT(loss(0, 0), WithinAbs((0.40760596 + 1.0986123) / 2, 1e-6));
  CHECK_THAT(probs(0, 2),
             WithinAbs(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)), 1e-6));
  CHECK_THAT(probs(1, 1), WithinAbs(1.0 / 3.0, 1e-6));
}

TEST_CASE("cross-entropy is stable for huge logits", "[step01][cross_entropy][ex01.3]") {
  const Matrix logits = matrix_of({{1000, 0, -1000}, {-1000, 1000, 999}});
  const std::vector<std::int32_t> targets = {1, 2};
  Matrix loss(1, 1), probs(2, 3);
  nn::softmax_cross_entropy_forward(loss, probs, logits, targets, -1);
  // Row 0: -log softmax = 1000 exactly (up to e^-1000); row 1: log(1 + e^-1) + 1 = 1.3132617.
  CHECK_THAT(loss(0, 0), WithinAbs((1000.0 + 1.3132617) / 2, 1e-3));
  CHECK(probs.allFinite());
}

TEST_CASE("cross-entropy ignores rows whose target is the ignore index",
          "[step01][cross_entropy][ex01.3]") {
  const Matrix logits = matrix_of({{1, 2, 3}, {5, -5, 0}});
  Matrix loss(1, 1), probs(2, 3);
  nn::softmax_cross_entropy_forward(loss, probs, logits, std::vector<std::int32_t>{2, -100}, -100);
  CHECK_THAT(loss(0, 0), WithinAbs(0.40760596, 1e-6));  // only row 0 counts, n = 1

  Matrix dlogits = Matrix::Zero(2, 3);
  nn::softmax_cross_entropy_backward(dlogits, Matrix::Constant(1, 1, 1.0f), probs,
                                     std::vector<std::int32_t>{2, -100}, -100);
  CHECK(dlogits.row(1).isZero());
  CHECK_THAT(dlogits(0, 2), WithinAbs(probs(0, 2) - 1.0, 1e-6));

  nn::softmax_cross_entropy_forward(loss, probs, logits, std::vector<std::int32_t>{-100, -100},
                                    -100);
  CHECK(loss(0, 0) == 0.0f);
}

TEST_CASE("cross-entropy equals the mean negative log-softmax of the targets",
          "[step01][cross_entropy][ex01.3]") {
  ParameterSet parameters;
  const Tensor logits = testing::random_parameter(parameters, "logits", Shape{2, 3, 6}, 41);
  const std::vector<std::int32_t> targets = {0, 5, 3, 3, 1, 2};
  Tape tape;
  const float loss = nn::softmax_cross_entropy(tape, logits, targets).item();
  const Tensor log_probs = nn::log_softmax(tape, logits);
  double expected = 0.0;
  for (int i = 0; i < 6; ++i) expected -= log_probs.matrix()(i, targets[i]) / 6.0;
  CHECK_THAT(loss, WithinAbs(expected, 1e-5));
}

TEST_CASE("cross-entropy gradients match finite differences", "[step01][cross_entropy][ex01.3]") {
  ParameterSet parameters;
  const Tensor logits = testing::random_parameter(parameters, "logits", Shape{5, 7}, 42);
  const std::vector<std::int32_t> targets = {3, -1, 0, 6, -1};
  const Tensor inputs[] = {logits};
  const auto result = gradient_check(
      [&](Tape& tape, std::span<const Tensor> in) {
        return nn::softmax_cross_entropy(tape, in[0], targets);
      },
      inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("cross-entropy rejects bad targets, naming position and value",
          "[step01][cross_entropy]") {
  ParameterSet parameters;
  const Tensor logits = parameters.add("logits", Shape{2, 4});
  Tape tape;
  REQUIRE_THROWS_WITH(nn::softmax_cross_entropy(tape, logits, std::vector<std::int32_t>{1}),
                      contains("logits (2, 4) have 2 rows but there are 1 targets"));
  REQUIRE_THROWS_WITH(nn::softmax_cross_entropy(tape, logits, std::vector<std::int32_t>{1, 4}),
                      contains("target 1 is 4, outside [0, 4)"));
  REQUIRE_THROWS_WITH(nn::softmax_cross_entropy(tape, logits, std::vector<std::int32_t>{-7, 0}),
                      contains("target 0 is -7"));
}
