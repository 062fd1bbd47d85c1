// The gradient checker itself: it must pass a correct backward and flag one that is 1% off.
#include <cmath>

#include "test_support.hpp"

using namespace tinygpt;

namespace {
// A tiny op written here so the checker is tested on nothing else: out = sin(x).
float g_backward_scale = 1.0f;

void sin_backward(const Node& node) {
  // d sin(x) = cos(x) dx, deliberately scaled by g_backward_scale.
  MatrixMap dx = node.in[0].grad_matrix();
  dx.array() +=
      g_backward_scale * node.out.grad_matrix().array() * node.in[0].matrix().array().cos();
}

Tensor sin_op(Tape& tape, const Tensor& x) {
  Tensor out = tape.output(x.shape, {x});
  out.matrix() = x.matrix().array().sin().matrix();
  if (out.grad != nullptr)
    tape.record({.op = "sin", .backward = &sin_backward, .out = out, .in = {x}});
  return out;
}

GradCheckResult check_sin(float scale) {
  g_backward_scale = scale;
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{4, 6}, 81);
  const Tensor inputs[] = {x};
  return gradient_check([](Tape& tape, std::span<const Tensor> in) { return sin_op(tape, in[0]); },
                        inputs, testing::kGradStep);
}
}  // namespace

TEST_CASE("the gradient check passes a correct backward", "[step01][gradcheck]") {
  const auto result = check_sin(1.0f);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("the gradient check flags a backward scaled by 1.01 (negative control)",
          "[step01][gradcheck]") {
  const auto result = check_sin(1.01f);
  INFO(result.str());
  CHECK(result.relative_error > testing::kGradTolerance);
  // The relative error of a gradient scaled by s is (s - 1) / (s + 1), about 5e-3 here.
  CHECK(std::abs(result.relative_error - 0.01 / 2.01) < 1e-3);
}
