// The linear layer, built on matmul (exercise 01.1): known values, bias or none,
// accumulation, gradients, bad shapes.
#include <cmath>

#include "test_support.hpp"
#include "tinygpt/nn/linear.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

TEST_CASE("linear forward gives hand-computed values, with and without bias", "[step02][linear]") {
  const Matrix x = matrix_of({{1, 2, 3}, {-1, 0, 1}});         // (N, C_in) = (2, 3)
  const Matrix weight = matrix_of({{1, 0}, {0, 1}, {2, -1}});  // (C_in, C_out) = (3, 2)
  const Matrix bias = matrix_of({{10, 20}});
  Matrix out(2, 2);
  nn::linear_forward(out, x, weight, bias);
  CHECK(out == matrix_of({{17, 19}, {11, 19}}));
  nn::linear_forward(out, x, weight, Matrix());
  CHECK(out == matrix_of({{7, -1}, {1, -1}}));
}

TEST_CASE("linear backward gives hand-computed gradients and accumulates", "[step02][linear]") {
  const Matrix x = matrix_of({{1, 2}, {3, 4}});
  const Matrix weight = matrix_of({{5, 6, 7}, {8, 9, 10}});
  const Matrix dout = matrix_of({{1, 0, 1}, {0, 1, 0}});
  Matrix dx = Matrix::Zero(2, 2), dweight = Matrix::Zero(2, 3), dbias = Matrix::Zero(1, 3);
  nn::linear_backward(dx, dweight, dbias, dout, x, weight);
  CHECK(dx == matrix_of({{12, 18}, {6, 9}}));           // dout W^T
  CHECK(dweight == matrix_of({{1, 3, 1}, {2, 4, 2}}));  // x^T dout
  CHECK(dbias == matrix_of({{1, 1, 1}}));               // column sums of dout
  nn::linear_backward(dx, dweight, dbias, dout, x, weight);
  CHECK(dx == matrix_of({{24, 36}, {12, 18}}));
  CHECK(dbias == matrix_of({{2, 2, 2}}));
  Matrix no_bias;
  nn::linear_backward(dx, dweight, no_bias, dout, x, weight);  // a layer without bias
  CHECK(dweight == matrix_of({{3, 9, 3}, {6, 12, 6}}));
}

TEST_CASE("linear gradients match finite differences, with and without bias", "[step02][linear]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 3, 4}, 501);
  const Tensor weight = testing::random_parameter(parameters, "weight", Shape{4, 5}, 502);
  const Tensor bias = testing::random_parameter(parameters, "bias", Shape{5}, 503);
  const Tensor with_bias[] = {x, weight, bias};
  const auto result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) { return nn::linear(tape, in[0], in[1], in[2]); },
      with_bias, testing::kGradStep);
  INFO("with bias: " << result.str());
  CHECK(result.relative_error < testing::kGradTolerance);

  const Tensor without_bias[] = {x, weight};
  const auto plain = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) { return nn::linear(tape, in[0], in[1]); },
      without_bias, testing::kGradStep);
  INFO("without bias: " << plain.str());
  CHECK(plain.relative_error < testing::kGradTolerance);
}

TEST_CASE("linear's threaded backward equals one linear_backward call on the whole",
          "[step02][linear]") {
  // 600 rows (blocks of 256, 256, 88 for dx) and C_out = 300 (blocks of 128, 128, 44 for
  // dW and db): enough work for threads, and last blocks that are cut short.
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{600, 40}, 505);
  const Tensor weight = testing::random_parameter(parameters, "weight", Shape{40, 300}, 506);
  const Tensor bias = testing::random_parameter(parameters, "bias", Shape{300}, 507);
  Tape tape;
  const Tensor out = nn::linear(tape, x, weight, bias);
  const Matrix dout = Matrix::Random(600, 300);
  tape.backward(out, {dout.data(), static_cast<std::size_t>(dout.size())});

  Matrix dx = Matrix::Zero(600, 40), dweight = Matrix::Zero(40, 300), dbias = Matrix::Zero(1, 300);
  nn::linear_backward(dx, dweight, dbias, dout, x.matrix(), weight.matrix());
  const auto close = [](const Matrix& got, const Matrix& expected) {
    return (got - expected).cwiseAbs().maxCoeff() <=
           1e-5f * (1.0f + expected.cwiseAbs().maxCoeff());
  };
  CHECK(close(x.grad_matrix(), dx));
  CHECK(close(weight.grad_matrix(), dweight));
  CHECK(close(bias.grad_matrix(), dbias));
}

TEST_CASE("linear with a frozen weight or a data input computes only the wanted gradients",
          "[step02][linear]") {
  // A tensor without a gradient (a frozen weight, the data) is recorded as it is: its
  // backward sees an empty view and runs none of that gradient's products.
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{300, 40}, 515);
  const Tensor weight = testing::random_parameter(parameters, "weight", Shape{40, 200}, 516);
  const Tensor bias = testing::random_parameter(parameters, "bias", Shape{200}, 517);
  const Matrix dout = Matrix::Random(300, 200);
  const std::span<const float> seed{dout.data(), static_cast<std::size_t>(dout.size())};
  Tape full_tape;
  full_tape.backward(nn::linear(full_tape, x, weight, bias), seed);
  const Matrix dx = x.grad_matrix(), dweight = weight.grad_matrix(), dbias = bias.grad_matrix();

  parameters.zero_grad();
  Tape frozen_tape;
  const Tensor frozen_weight{weight.shape, weight.data, nullptr};
  const Tensor frozen_bias{bias.shape, bias.data, nullptr};
  frozen_tape.backward(nn::linear(frozen_tape, x, frozen_weight, frozen_bias), seed);
  CHECK(x.grad_matrix() == dx);
  CHECK(weight.grad_matrix().isZero());  // never touched

  parameters.zero_grad();
  Tape data_tape;
  const Tensor data{x.shape, x.data, nullptr};
  data_tape.backward(nn::linear(data_tape, data, weight, bias), seed);
  CHECK(weight.grad_matrix() == dweight);
  CHECK(bias.grad_matrix() == dbias);
  CHECK(x.grad_matrix().isZero());
  // No scratch gradient stands in for the frozen weight and bias: the frozen run's tape is
  // no larger than the full one's.
  CHECK(frozen_tape.arena().bytes_in_use() == full_tape.arena().bytes_in_use());
}

TEST_CASE("linear keeps the leading dimensions and adds the bias to every row",
          "[step02][linear]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 3, 4}, 511);
  const Tensor weight = testing::random_parameter(parameters, "weight", Shape{4, 5}, 512);
  const Tensor bias = testing::random_parameter(parameters, "bias", Shape{1, 5}, 513);
  Tape tape;
  const Tensor out = nn::linear(tape, x, weight, bias);
  CHECK(out.shape == Shape{2, 3, 5});
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 5; ++j) {
      float expected = bias.data[j];
      for (int k = 0; k < 4; ++k) expected += x.matrix()(i, k) * weight.matrix()(k, j);
      CHECK(std::abs(out.matrix()(i, j) - expected) < 1e-5f);
    }
  }
}

TEST_CASE("linear rejects shapes that do not fit, naming them", "[step02][linear]") {
  ParameterSet parameters;
  const Tensor x = parameters.add("x", Shape{2, 3});
  const Tensor weight = parameters.add("weight", Shape{3, 4});
  const Tensor bias = parameters.add("bias", Shape{5});
  const Tensor flat = parameters.add("flat", Shape{12});
  Tape tape;
  REQUIRE_THROWS_AS(nn::linear(tape, x, flat), Error);
  REQUIRE_THROWS_WITH(nn::linear(tape, x, flat),
                      contains("linear: weight must be (C_in, C_out), its shape is (12)"));
  REQUIRE_THROWS_WITH(nn::linear(tape, weight, weight),
                      contains("linear: x (3, 4) does not fit weight (3, 4)"));
  REQUIRE_THROWS_WITH(
      nn::linear(tape, x, weight, bias),
      contains("linear: bias (5) does not fit weight (3, 4): expected (4) or (1, 4)"));
}
