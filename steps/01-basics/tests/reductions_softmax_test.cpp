// Sum, mean, softmax and log-softmax: known values, stability, gradients.
#include <cmath>

#include "test_support.hpp"
#include "tinygpt/nn/reductions.h"
#include "tinygpt/nn/softmax.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

TEST_CASE("sum and mean give known values", "[step01][reductions]") {
  const Matrix x = matrix_of({{1, 2, 3}, {4, 5, 6}});
  Matrix out(1, 1);
  nn::sum_forward(out, x);
  CHECK(out(0, 0) == 21.0f);
  nn::mean_forward(out, x);
  CHECK(out(0, 0) == 3.5f);
  Matrix dx = Matrix::Zero(2, 3);
  nn::mean_backward(dx, Matrix::Constant(1, 1, 6.0f));
  CHECK(dx == Matrix::Constant(2, 3, 1.0f));
}

TEST_CASE("softmax and log-softmax give known values and survive huge logits",
          "[step01][softmax]") {
  const Matrix x = matrix_of({{0, std::log(3.0f)}, {1000, 1000}});
  Matrix probs(2, 2), log_probs(2, 2);
  nn::softmax_forward(probs, x);
  nn::log_softmax_forward(log_probs, x);
  CHECK_THAT(probs(0, 0), WithinAbs(0.25, 1e-6));
  CHECK_THAT(probs(0, 1), WithinAbs(0.75, 1e-6));
  CHECK_THAT(probs(1, 0), WithinAbs(0.5, 1e-6));
  CHECK_THAT(log_probs(0, 0), WithinAbs(std::log(0.25), 1e-6));
  CHECK_THAT(log_probs(1, 1), WithinAbs(std::log(0.5), 1e-6));
}

TEST_CASE("sum, mean, softmax and log-softmax gradients match finite differences",
          "[step01][reductions][softmax]") {
  using UnaryOp = Tensor (*)(Tape&, const Tensor&);
  const std::pair<const char*, UnaryOp> ops[] = {{"sum", &nn::sum},
                                                 {"mean", &nn::mean},
                                                 {"softmax", &nn::softmax},
                                                 {"log_softmax", &nn::log_softmax}};
  for (const auto& [name, op] : ops) {
    ParameterSet parameters;
    const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 3, 5}, 71);
    const Tensor inputs[] = {x};
    const auto result = gradient_check(
        [op = op](Tape& tape, std::span<const Tensor> in) { return op(tape, in[0]); }, inputs,
        testing::kGradStep);
    INFO(name << ": " << result.str());
    CHECK(result.relative_error < testing::kGradTolerance);
  }
}

TEST_CASE("mean and softmax reject empty inputs", "[step01][reductions][softmax]") {
  ParameterSet parameters;
  const Tensor empty = parameters.add("empty", Shape{3, 0});
  Tape tape;
  REQUIRE_THROWS_WITH(nn::mean(tape, empty), contains("mean: x (3, 0) has no elements"));
  REQUIRE_THROWS_WITH(nn::softmax(tape, empty), contains("softmax: x (3, 0) needs a non-empty"));
}
