// The SGD update (exercise 01.5) and the Sgd optimizer.
#include "tinygpt/train/sgd.h"
#include "test_support.hpp"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("sgd_update steps against the gradient", "[step01][sgd][ex01.5]") {
  Eigen::VectorXf value(3), grad(3);
  value << 1.0f, -2.0f, 0.5f;
  grad << 0.5f, -1.0f, 0.0f;
  train::sgd_update(value, grad, 0.1f);
  CHECK(value(0) == 1.0f - 0.05f);
  CHECK(value(1) == -2.0f + 0.1f);
  CHECK(value(2) == 0.5f);
}

TEST_CASE("Sgd updates every parameter of a set from its gradient", "[step01][sgd][ex01.5]") {
  ParameterSet parameters;
  parameters.add("w", Shape{2, 2});
  parameters.add("b", Shape{2});
  Parameter& w = parameters.at("w");
  Parameter& b = parameters.at("b");
  w.value = {1, 2, 3, 4};
  w.grad = {1, 1, -1, -1};
  b.value = {0, 0};
  b.grad = {2, -2};
  train::Sgd(0.5f).step(parameters);
  CHECK(w.value == AlignedFloats{0.5f, 1.5f, 3.5f, 4.5f});
  CHECK(b.value == AlignedFloats{-1.0f, 1.0f});
}

TEST_CASE("Sgd rejects a learning rate that is not positive", "[step01][sgd]") {
  REQUIRE_THROWS_WITH(train::Sgd(0.0f), contains("learning rate must be positive, got 0"));
}
