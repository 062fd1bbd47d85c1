// Shapes, tensors and parameter sets: sizes, views, and errors that name the problem.
#include "test_support.hpp"
#include "tinygpt/core/check.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("a shape knows its sizes and its 2-D view", "[step01][tensor]") {
  const Shape btc{2, 3, 4};
  CHECK(btc.rank() == 3);
  CHECK(btc.numel() == 24);
  CHECK(btc.rows() == 6);
  CHECK(btc.cols() == 4);
  CHECK(btc.str() == "(2, 3, 4)");
  CHECK(btc.with_last(7) == Shape{2, 3, 7});
  const Shape scalar;
  CHECK(scalar.numel() == 1);
  CHECK(scalar.rows() == 1);
  CHECK(scalar.cols() == 1);
  CHECK(scalar.str() == "()");
}

TEST_CASE("bad shapes are errors that name them", "[step01][tensor]") {
  REQUIRE_THROWS_WITH((Shape{1, 2, 3, 4, 5}), contains("Shape: rank 5 is more than the maximum 4"));
  REQUIRE_THROWS_WITH((Shape{2, -1}), contains("Shape: dimension 1 is negative (-1)"));
  REQUIRE_THROWS_WITH((Shape{2, 3}[2]), contains("Shape (2, 3): axis 2 is out of range"));
}

TEST_CASE("a tensor is a view: reshaping shares values and gradient", "[step01][tensor]") {
  ParameterSet parameters;
  const Tensor x = parameters.add("x", Shape{2, 3});
  const Tensor flat = x.reshaped(Shape{6});
  flat.data[4] = 7.0f;
  CHECK(x.matrix()(1, 1) == 7.0f);
  CHECK(flat.grad == x.grad);
  REQUIRE_THROWS_WITH(x.reshaped(Shape{4}),
                      contains("reshape: cannot view (2, 3) (6 elements) as (4)"));
  REQUIRE_THROWS_WITH(x.item(), contains("item(): tensor (2, 3) has 6 elements, not 1"));
}

TEST_CASE("parameters are found by name and zeroed together", "[step01][tensor]") {
  ParameterSet parameters;
  parameters.add("w", Shape{2, 2});
  parameters.add("b", Shape{2});
  CHECK(parameters.size() == 2);
  CHECK(parameters.numel() == 6);
  CHECK(parameters.begin()->name == "w");  // insertion order
  parameters.at("b").grad = {1.0f, 2.0f};
  parameters.zero_grad();
  CHECK(parameters.at("b").grad == AlignedFloats{0.0f, 0.0f});
  REQUIRE_THROWS_WITH(parameters.add("w", Shape{1}),
                      contains("a parameter named 'w' already exists"));
  REQUIRE_THROWS_WITH(parameters.at("missing"), contains("no parameter named 'missing'"));
}

TEST_CASE("a failed check says where it failed", "[step01][tensor]") {
  try {
    TINYGPT_CHECK(1 + 1 == 3, "arithmetic: expected ", 3, " got ", 2);
    FAIL("the check did not throw");
  } catch (const Error& error) {
    // The message is the user's; the condition and its place are kept for developers.
    const std::string message = error.what();
    CHECK(message == "arithmetic: expected 3 got 2");
    CHECK_THAT(error.check(), Catch::Matchers::StartsWith("1 + 1 == 3 at tensor_test.cpp:"));
  }
}
