// Gradient clipping by global norm (exercise 03.3), as torch.nn.utils.clip_grad_norm_.
#include <cmath>
#include <limits>

#include "test_support.hpp"
#include "tinygpt/train/clipping.h"

using namespace tinygpt;
using namespace tinygpt::train;
using Catch::Matchers::WithinRel;

namespace {
// Two parameters whose gradients together have norm sqrt(9 + 16 + 144) = 13.
ParameterSet three_four_twelve() {
  ParameterSet parameters;
  parameters.add("a", Shape{2});
  parameters.add("b", Shape{1, 1});
  parameters.at("a").grad = {3.0f, -4.0f};
  parameters.at("b").grad = {12.0f};
  return parameters;
}
}  // namespace

TEST_CASE("clipping scales every gradient to the global max norm", "[step03][clipping][ex03.3]") {
  ParameterSet parameters = three_four_twelve();
  const float norm = clip_grad_norm(parameters, 1.0f);
  CHECK_THAT(norm, WithinRel(13.0f, 1e-6f));  // the norm before clipping
  // One factor for all: 1 / (13 + 1e-6); the direction is kept.
  const float factor = static_cast<float>(1.0 / (13.0 + 1e-6));
  CHECK_THAT(parameters.at("a").grad[0], WithinRel(3.0f * factor, 1e-6f));
  CHECK_THAT(parameters.at("a").grad[1], WithinRel(-4.0f * factor, 1e-6f));
  CHECK_THAT(parameters.at("b").grad[0], WithinRel(12.0f * factor, 1e-6f));
  // Clipping again finds the new norm, just below 1, and leaves it (nearly) as it is.
  CHECK_THAT(clip_grad_norm(parameters, 1.0f), WithinRel(1.0f, 1e-5f));
}

TEST_CASE("gradients below the max norm are left unchanged", "[step03][clipping][ex03.3]") {
  ParameterSet parameters = three_four_twelve();
  CHECK_THAT(clip_grad_norm(parameters, 100.0f), WithinRel(13.0f, 1e-6f));
  CHECK(parameters.at("a").grad == AlignedFloats{3.0f, -4.0f});
  CHECK(parameters.at("b").grad == AlignedFloats{12.0f});
  // All-zero gradients: norm 0, nothing to scale, no division by zero.
  ParameterSet zeros;
  zeros.add("z", Shape{3});
  CHECK(clip_grad_norm(zeros, 1.0f) == 0.0f);
  CHECK(zeros.at("z").grad == AlignedFloats{0.0f, 0.0f, 0.0f});
}

TEST_CASE("the norm sums many small squares accurately", "[step03][clipping][ex03.3]") {
  // 10^6 values of 1e-3: norm exactly 1 in exact arithmetic. A float32 running sum of the
  // squares drifts by about 1e-3 relative; the double sum is exact to ~1e-12.
  ParameterSet parameters;
  parameters.add("big", Shape{1000, 1000});
  std::fill(parameters.at("big").grad.begin(), parameters.at("big").grad.end(), 1e-3f);
  const double expected = std::sqrt(1e6 * static_cast<double>(1e-3f) * static_cast<double>(1e-3f));
  CHECK_THAT(clip_grad_norm(parameters, 10.0f), WithinRel(expected, 1e-6));
}

TEST_CASE("a non-finite norm is returned and nothing is scaled", "[step03][clipping][ex03.3]") {
  ParameterSet parameters = three_four_twelve();
  parameters.at("b").grad[0] = std::numeric_limits<float>::infinity();
  CHECK(std::isinf(clip_grad_norm(parameters, 1.0f)));
  CHECK(parameters.at("a").grad == AlignedFloats{3.0f, -4.0f});
  parameters.at("b").grad[0] = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(clip_grad_norm(parameters, 1.0f)));
  CHECK(parameters.at("a").grad == AlignedFloats{3.0f, -4.0f});
  CHECK_THROWS_AS(clip_grad_norm(parameters, 0.0f), Error);
}
