// Element-wise add, sub and mul with row broadcast: known values, gradients, bad shapes.
#include "tinygpt/nn/elementwise.h"
#include "test_support.hpp"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

TEST_CASE("add, sub and mul give known values, with and without broadcast",
          "[step01][elementwise]") {
  const Matrix a = matrix_of({{1, 2}, {3, 4}});
  const Matrix b = matrix_of({{10, 20}, {30, 40}});
  const Matrix row = matrix_of({{10, 20}});
  Matrix out(2, 2);
  nn::add_forward(out, a, b);
  CHECK(out == matrix_of({{11, 22}, {33, 44}}));
  nn::add_forward(out, a, row);
  CHECK(out == matrix_of({{11, 22}, {13, 24}}));
  nn::sub_forward(out, a, row);
  CHECK(out == matrix_of({{-9, -18}, {-7, -16}}));
  nn::mul_forward(out, a, b);
  CHECK(out == matrix_of({{10, 40}, {90, 160}}));
  nn::mul_forward(out, a, row);
  CHECK(out == matrix_of({{10, 40}, {30, 80}}));
}

TEST_CASE("the gradient of a broadcast row sums over the rows", "[step01][elementwise]") {
  const Matrix dout = matrix_of({{1, 2}, {3, 4}});
  Matrix da = Matrix::Zero(2, 2), drow = Matrix::Zero(1, 2);
  nn::add_backward(da, drow, dout);
  CHECK(da == dout);
  CHECK(drow == matrix_of({{4, 6}}));
  nn::sub_backward(da, drow, dout);
  CHECK(da == 2 * dout);
  CHECK(drow == matrix_of({{0, 0}}));
}

TEST_CASE("add, sub and mul gradients match finite differences", "[step01][elementwise]") {
  using BinaryOp = Tensor (*)(Tape&, const Tensor&, const Tensor&);
  const std::pair<const char*, BinaryOp> ops[] = {
      {"add", &nn::add}, {"sub", &nn::sub}, {"mul", &nn::mul}};
  for (const auto& [name, op] : ops) {
    for (const bool broadcast : {false, true}) {
      ParameterSet parameters;
      const Tensor a = testing::random_parameter(parameters, "a", Shape{2, 3, 4}, 61);
      const Tensor b =
          testing::random_parameter(parameters, "b", broadcast ? Shape{4} : Shape{2, 3, 4}, 62);
      const Tensor inputs[] = {a, b};
      const auto result = gradient_check(
          [op = op](Tape& tape, std::span<const Tensor> in) { return op(tape, in[0], in[1]); },
          inputs, testing::kGradStep);
      INFO(name << (broadcast ? " broadcast: " : ": ") << result.str());
      CHECK(result.relative_error < testing::kGradTolerance);
    }
  }
}

TEST_CASE("add rejects a b that neither matches nor broadcasts", "[step01][elementwise]") {
  ParameterSet parameters;
  const Tensor a = parameters.add("a", Shape{2, 3});
  const Tensor b = parameters.add("b", Shape{3, 2});
  const Tensor row = parameters.add("row", Shape{2});
  Tape tape;
  REQUIRE_THROWS_WITH(nn::add(tape, a, b),
                      contains("add: b (3, 2) is neither a's shape (2, 3) nor a row of 3 values"));
  REQUIRE_THROWS_WITH(nn::mul(tape, a, row), contains("mul: b (2) is neither"));
}
