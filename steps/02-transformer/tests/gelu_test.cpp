// GELU, tanh approximation (exercise 02.4): known values, derivative, accumulation,
// gradients, the threaded driver.
#include <cmath>
#include <numbers>

#include "test_support.hpp"
#include "tinygpt/nn/gelu.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::matrix_of;

namespace {
// The approximation GPT-2 uses, in double.
double gelu_naive(double x) {
  return 0.5 * x *
         (1.0 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
}
}  // namespace

TEST_CASE("gelu gives known values", "[step02][gelu][ex02.4]") {
  const Matrix x = matrix_of({{-3.0f, -1.0f, -0.1f, 0.0f}, {0.5f, 1.0f, 2.0f, 6.0f}});
  Matrix out(2, 4);
  nn::gelu_forward(out, x);
  // Published values of the tanh approximation: gelu(1) = 0.841192, gelu(-1) = -0.158808.
  CHECK_THAT(out(1, 1), WithinAbs(0.841192, 1e-6));
  CHECK_THAT(out(0, 1), WithinAbs(-0.158808, 1e-6));
  CHECK(out(0, 3) == 0.0f);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 4; ++j) CHECK_THAT(out(i, j), WithinAbs(gelu_naive(x(i, j)), 1e-6));
  }
}

TEST_CASE("gelu backward gives the derivative and accumulates", "[step02][gelu][ex02.4]") {
  const Matrix x = matrix_of({{-3.0f, -1.0f, -0.1f, 0.0f, 0.5f, 1.0f, 2.0f}});
  const Matrix dout = matrix_of({{1.0f, 2.0f, -1.0f, 1.0f, 0.5f, 1.0f, 3.0f}});
  Matrix dx = Matrix::Constant(1, 7, 1.0f);
  nn::gelu_backward(dx, dout, x);
  for (int j = 0; j < 7; ++j) {
    // Central difference of the double formula: accurate to ~1e-10 at h = 1e-5.
    const double h = 1e-5;
    const double slope = (gelu_naive(x(0, j) + h) - gelu_naive(x(0, j) - h)) / (2 * h);
    CHECK_THAT(dx(0, j), WithinAbs(1.0 + dout(0, j) * slope, 1e-5));
  }
  CHECK_THAT(dx(0, 3), WithinAbs(1.5, 1e-6));  // gelu'(0) = 0.5

  Matrix again = Matrix::Zero(1, 7);
  nn::gelu_backward(again, dout, x);
  nn::gelu_backward(again, dout, x);
  CHECK(((again - 2 * (dx.array() - 1.0f).matrix()).cwiseAbs().maxCoeff()) < 1e-6f);
}

TEST_CASE("gelu gradients match finite differences", "[step02][gelu][ex02.4]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 19, 3}, 401);
  const Tensor inputs[] = {x};
  const auto result =
      gradient_check([](Tape& tape, std::span<const Tensor> in) { return nn::gelu(tape, in[0]); },
                     inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("gelu's row-block driver gives the op function's result", "[step02][gelu][ex02.4]") {
  ParameterSet parameters;
  // 50 * 256 values: enough work for the driver to use threads; 50 rows leave a short block.
  const Tensor x = testing::random_parameter(parameters, "x", Shape{50, 256}, 411);
  Tape tape;
  const Tensor out = nn::gelu(tape, x);
  const Matrix dout = Matrix::Constant(50, 256, 0.5f);
  tape.backward(out, {dout.data(), static_cast<std::size_t>(dout.size())});

  Matrix expected(50, 256);
  nn::gelu_forward(expected, x.matrix());
  CHECK(out.matrix() == expected);
  Matrix dx = Matrix::Zero(50, 256);
  nn::gelu_backward(dx, dout, x.matrix());
  CHECK(x.grad_matrix() == dx);
}
