// Embedding lookup (exercise 01.4): known values, repeated ids, gradients, bad ids.
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/embedding.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

TEST_CASE("embedding copies the rows named by the ids", "[step01][embedding][ex01.4]") {
  const Matrix table = matrix_of({{0, 1}, {10, 11}, {20, 21}});
  Matrix out(4, 2);
  nn::embedding_forward(out, table, std::vector<std::int32_t>{2, 0, 2, 1});
  CHECK(out == matrix_of({{20, 21}, {0, 1}, {20, 21}, {10, 11}}));
}

TEST_CASE("embedding backward sums the gradients of repeated ids", "[step01][embedding][ex01.4]") {
  Matrix dtable = Matrix::Zero(3, 2);
  const Matrix dout = matrix_of({{1, 2}, {3, 4}, {5, 6}});
  nn::embedding_backward(dtable, dout, std::vector<std::int32_t>{2, 0, 2});
  CHECK(dtable == matrix_of({{3, 4}, {0, 0}, {6, 8}}));
}

TEST_CASE("embedding gradients match finite differences", "[step01][embedding][ex01.4]") {
  ParameterSet parameters;
  const Tensor table = testing::random_parameter(parameters, "table", Shape{6, 4}, 51);
  const std::vector<std::int32_t> ids = {1, 5, 1, 0, 3, 1};
  const Tensor inputs[] = {table};
  const auto result = gradient_check(
      [&](Tape& tape, std::span<const Tensor> in) { return nn::embedding(tape, in[0], ids); },
      inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("embedding rejects ids outside the table", "[step01][embedding]") {
  ParameterSet parameters;
  const Tensor table = parameters.add("table", Shape{6, 4});
  Tape tape;
  REQUIRE_THROWS_WITH(nn::embedding(tape, table, std::vector<std::int32_t>{0, 6}),
                      contains("embedding: id 1 is 6, outside the table's [0, 6)"));
  REQUIRE_THROWS_WITH(nn::embedding(tape, table.reshaped(Shape{24}), std::vector<std::int32_t>{0}),
                      contains("the table must be (V, C), its shape is (24)"));
}
