// Positional encodings: the sinusoidal table, adding table rows (with a start offset),
// accumulation, gradients, bad shapes.
#include <cmath>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/positions.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

TEST_CASE("the sinusoidal table holds sin and cos of t / 10000^(2i / C)", "[step02][positions]") {
  for (const Eigen::Index width : {6, 7}) {  // an odd width ends with a sine
    Matrix table(50, width);
    nn::sinusoidal_positions(table);
    for (Eigen::Index t = 0; t < 50; ++t) {
      for (Eigen::Index j = 0; j < width; ++j) {
        const double frequency = std::pow(10000.0, -double(j / 2 * 2) / double(width));
        const double expected = j % 2 == 0 ? std::sin(t * frequency) : std::cos(t * frequency);
        CHECK_THAT(table(t, j), WithinAbs(expected, 1e-6));
      }
    }
    CHECK(table(0, 0) == 0.0f);
    CHECK(table(0, 1) == 1.0f);
    CHECK_THAT(table(1, 0), WithinAbs(std::sin(1.0), 1e-7));
  }
}

TEST_CASE("add_positions adds row start + t of the table to position t of every sequence",
          "[step02][positions]") {
  const Matrix x = matrix_of({{1, 1}, {2, 2}, {3, 3}, {4, 4}});  // B = 2 sequences of T = 2
  const Matrix table = matrix_of({{0, 0}, {10, 20}, {30, 40}, {50, 60}});
  Matrix out(4, 2);
  nn::add_positions_forward(out, x, table, 2, 1);
  CHECK(out == matrix_of({{11, 21}, {32, 42}, {13, 23}, {34, 44}}));

  const Matrix dout = matrix_of({{1, 2}, {3, 4}, {5, 6}, {7, 8}});
  Matrix dx = Matrix::Zero(4, 2), dtable = Matrix::Zero(4, 2);
  nn::add_positions_backward(dx, dtable, dout, 2, 1);
  CHECK(dx == dout);
  CHECK(dtable == matrix_of({{0, 0}, {6, 8}, {10, 12}, {0, 0}}));  // summed over the batch
  nn::add_positions_backward(dx, dtable, dout, 2, 1);
  CHECK(dx == 2 * dout);
  CHECK(dtable == matrix_of({{0, 0}, {12, 16}, {20, 24}, {0, 0}}));
}

TEST_CASE("add_positions gradients match finite differences", "[step02][positions]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 3, 4}, 701);
  const Tensor table = testing::random_parameter(parameters, "table", Shape{6, 4}, 702);
  const Tensor inputs[] = {x, table};
  const auto result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        return nn::add_positions(tape, in[0], in[1], 2);
      },
      inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("add_positions with a fixed sinusoidal table passes the gradient to x only",
          "[step02][positions]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 3, 4}, 711);
  Matrix sinusoids(8, 4);
  nn::sinusoidal_positions(sinusoids);
  Tape tape;
  const Tensor table = tape.constant(Shape{8, 4}, {sinusoids.data(), 32});
  const Tensor out = nn::add_positions(tape, x, table);
  CHECK(out.matrix().topRows(3) == x.matrix().topRows(3) + sinusoids.topRows(3));
  const std::vector<float> ones(24, 1.0f);
  tape.backward(out, ones);
  CHECK(x.grad_matrix() == Matrix::Ones(6, 4));
}

TEST_CASE("add_positions rejects shapes that do not fit, naming the context length",
          "[step02][positions]") {
  ParameterSet parameters;
  const Tensor x = parameters.add("x", Shape{2, 5, 4});
  const Tensor table = parameters.add("table", Shape{6, 4});
  const Tensor narrow = parameters.add("narrow", Shape{6, 3});
  const Tensor flat = parameters.add("flat", Shape{10, 4});
  Tape tape;
  REQUIRE_THROWS_AS(nn::add_positions(tape, x, table, 2), Error);
  REQUIRE_THROWS_WITH(nn::add_positions(tape, x, table, 2),
                      contains("positions 2..6 are beyond the context length 6"));
  REQUIRE_THROWS_WITH(nn::add_positions(tape, x, narrow),
                      contains("table (6, 3) does not fit x (2, 5, 4): expected (P, 4)"));
  REQUIRE_THROWS_WITH(nn::add_positions(tape, flat, table),
                      contains("x must be (B, T, C), its shape is (10, 4)"));
}
