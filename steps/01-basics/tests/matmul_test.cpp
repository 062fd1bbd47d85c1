// Matrix multiplication (exercise 01.1): known values, accumulation, gradients, bad shapes.
#include "tinygpt/nn/matmul.h"
#include "test_support.hpp"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

TEST_CASE("matmul forward gives hand-computed products for every transpose",
          "[step01][matmul][ex01.1]") {
  const Matrix a = matrix_of({{1, 2, 3}, {4, 5, 6}});     // (2, 3)
  const Matrix b = matrix_of({{1, 0}, {0, 1}, {2, -1}});  // (3, 2)
  const Matrix expected = matrix_of({{7, -1}, {16, -1}});
  Matrix out(2, 2);

  nn::matmul_forward(out, a, b, false, false);
  CHECK(out == expected);
  nn::matmul_forward(out, a.transpose(), b, true, false);
  CHECK(out == expected);
  nn::matmul_forward(out, a, b.transpose(), false, true);
  CHECK(out == expected);
  nn::matmul_forward(out, a.transpose(), b.transpose(), true, true);
  CHECK(out == expected);
}

TEST_CASE("matmul backward gives hand-computed gradients and accumulates",
          "[step01][matmul][ex01.1]") {
  const Matrix a = matrix_of({{1, 2}, {3, 4}});
  const Matrix b = matrix_of({{5, 6}, {7, 8}});
  const Matrix dout = matrix_of({{1, 0}, {0, 1}});
  Matrix da = Matrix::Zero(2, 2), db = Matrix::Zero(2, 2);

  nn::matmul_backward(da, db, dout, a, b, false, false);
  CHECK(da == matrix_of({{5, 7}, {6, 8}}));  // dout b^T
  CHECK(db == matrix_of({{1, 3}, {2, 4}}));  // a^T dout
  nn::matmul_backward(da, db, dout, a, b, false, false);
  CHECK(da == matrix_of({{10, 14}, {12, 16}}));
  CHECK(db == matrix_of({{2, 6}, {4, 8}}));
}

TEST_CASE("matmul backward skips an empty gradient and still computes the other",
          "[step01][matmul][ex01.1]") {
  const Matrix a = matrix_of({{1, 2}, {3, 4}});
  const Matrix b = matrix_of({{5, 6}, {7, 8}});
  const Matrix dout = matrix_of({{1, 0}, {0, 1}});
  Matrix none;  // no elements: the caller does not want this gradient
  Matrix da = Matrix::Zero(2, 2), db = Matrix::Zero(2, 2);

  nn::matmul_backward(da, none, dout, a, b, false, false);
  CHECK(da == matrix_of({{5, 7}, {6, 8}}));
  nn::matmul_backward(none, db, dout, a, b, false, true);  // B = b^T: db = dout^T a
  CHECK(db == a);
  CHECK(none.size() == 0);
}

TEST_CASE("matmul gradients match finite differences for every transpose",
          "[step01][matmul][ex01.1]") {
  for (const bool transpose_a : {false, true}) {
    for (const bool transpose_b : {false, true}) {
      ParameterSet parameters;
      const Tensor a =
          testing::random_parameter(parameters, "a", transpose_a ? Shape{4, 3} : Shape{3, 4}, 11);
      const Tensor b =
          testing::random_parameter(parameters, "b", transpose_b ? Shape{5, 4} : Shape{4, 5}, 12);
      const Tensor inputs[] = {a, b};
      const auto result = gradient_check(
          [&](Tape& tape, std::span<const Tensor> x) {
            return nn::matmul(tape, x[0], x[1], transpose_a, transpose_b);
          },
          inputs, testing::kGradStep);
      INFO("transpose_a " << transpose_a << " transpose_b " << transpose_b << ": " << result.str());
      CHECK(result.relative_error < testing::kGradTolerance);
    }
  }
}

TEST_CASE("matmul multiplies a (B, T, C) activation as a (B*T, C) matrix",
          "[step01][matmul][ex01.1]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 3, 4}, 21);
  const Tensor w = testing::random_parameter(parameters, "w", Shape{4, 5}, 22);
  Tape tape;
  const Tensor y = nn::matmul(tape, x, w);
  CHECK(y.shape == Shape{2, 3, 5});
  const Matrix expected = x.matrix() * w.matrix();
  CHECK(y.matrix().isApprox(expected));

  const Tensor inputs[] = {x, w};
  const auto result = gradient_check(
      [](Tape& t, std::span<const Tensor> in) { return nn::matmul(t, in[0], in[1]); }, inputs,
      testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("matmul rejects shapes that do not fit, naming them", "[step01][matmul]") {
  ParameterSet parameters;
  const Tensor a = parameters.add("a", Shape{2, 3});
  const Tensor b = parameters.add("b", Shape{4, 5});
  const Tensor v = parameters.add("v", Shape{3});
  Tape tape;
  REQUIRE_THROWS_AS(nn::matmul(tape, a, b), Error);
  REQUIRE_THROWS_WITH(nn::matmul(tape, a, b),
                      contains("matmul: inner dimensions differ: a (2, 3) has 3, b (4, 5) has 4"));
  REQUIRE_THROWS_WITH(nn::matmul(tape, a, v), contains("b must be a matrix, its shape is (3)"));
  REQUIRE_THROWS_WITH(nn::matmul(tape, a, b, true, false), contains("a (2, 3) (transposed) has 2"));
}

TEST_CASE("matmul's threaded backward equals one matmul_backward call on the whole",
          "[step01][matmul][ex01.1]") {
  // out = a b^T, as GPT's LM head: 600 rows (blocks of 256, 256, 88 for da) and 1,500
  // output columns (blocks of 1,024 and 476 for db), enough work for threads.
  ParameterSet parameters;
  const Tensor a = testing::random_parameter(parameters, "a", Shape{600, 40}, 21);
  const Tensor b = testing::random_parameter(parameters, "b", Shape{1500, 40}, 22);
  Tape tape;
  const Tensor out = nn::matmul(tape, a, b, false, true);
  const Matrix dout = Matrix::Random(600, 1500);
  tape.backward(out, {dout.data(), static_cast<std::size_t>(dout.size())});

  Matrix da = Matrix::Zero(600, 40), db = Matrix::Zero(1500, 40);
  nn::matmul_backward(da, db, dout, a.matrix(), b.matrix(), false, true);
  const auto close = [](const Matrix& got, const Matrix& expected) {
    return (got - expected).cwiseAbs().maxCoeff() <=
           1e-5f * (1.0f + expected.cwiseAbs().maxCoeff());
  };
  CHECK(close(a.grad_matrix(), da));
  CHECK(close(b.grad_matrix(), db));
}
