// tanh and ReLU (exercise 01.2): known values and gradients.
#include <cmath>

#include "test_support.hpp"
#include "tinygpt/nn/activations.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::matrix_of;

TEST_CASE("tanh and relu give known values", "[step01][activations][ex01.2]") {
  const Matrix x = matrix_of({{-2.0f, -0.5f, 0.0f, 0.5f, 3.0f}});
  Matrix out(1, 5);
  nn::tanh_forward(out, x);
  for (int j = 0; j < 5; ++j) CHECK_THAT(out(0, j), WithinAbs(std::tanh(x(0, j)), 1e-6));
  nn::relu_forward(out, x);
  CHECK(out == matrix_of({{0.0f, 0.0f, 0.0f, 0.5f, 3.0f}}));
}

TEST_CASE("tanh and relu backward give known values and accumulate",
          "[step01][activations][ex01.2]") {
  const Matrix out = matrix_of({{0.0f, 0.5f, -0.5f}});
  const Matrix dout = matrix_of({{1.0f, 2.0f, 4.0f}});
  Matrix dx = Matrix::Constant(1, 3, 1.0f);
  nn::tanh_backward(dx, dout, out);
  CHECK(dx == matrix_of({{2.0f, 2.5f, 4.0f}}));  // 1 + dout * (1 - out^2)

  Matrix relu_dx = Matrix::Constant(1, 3, 1.0f);
  nn::relu_backward(relu_dx, dout, matrix_of({{0.0f, 0.5f, 0.0f}}));
  CHECK(relu_dx == matrix_of({{1.0f, 3.0f, 1.0f}}));  // the slope at 0 is 0
}

TEST_CASE("tanh and relu gradients match finite differences", "[step01][activations][ex01.2]") {
  ParameterSet parameters;
  // Away from 0: ReLU has a kink there that a finite difference would straddle.
  const Tensor x = testing::random_parameter(parameters, "x", Shape{3, 7}, 31, 0.05f);
  const Tensor inputs[] = {x};
  const auto tanh_result =
      gradient_check([](Tape& tape, std::span<const Tensor> in) { return nn::tanh(tape, in[0]); },
                     inputs, testing::kGradStep);
  INFO("tanh: " << tanh_result.str());
  CHECK(tanh_result.relative_error < testing::kGradTolerance);
  const auto relu_result =
      gradient_check([](Tape& tape, std::span<const Tensor> in) { return nn::relu(tape, in[0]); },
                     inputs, testing::kGradStep);
  INFO("relu: " << relu_result.str());
  CHECK(relu_result.relative_error < testing::kGradTolerance);
}
