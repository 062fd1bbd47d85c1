// Exercise 02.4, reference solution: GELU (tanh approximation), forward and backward.
#include "tinygpt/nn/gelu.h"

namespace tinygpt::nn {

namespace {
// sqrt(2 / pi) and the cubic coefficient of the approximation.
constexpr float kGeluScale = 0.7978845608028654f;
constexpr float kGeluCubic = 0.044715f;
}  // namespace

void gelu_forward(MatrixRef out, ConstMatrixRef x) {
  // out = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  const auto u = kGeluScale * (x.array() + kGeluCubic * x.array().cube());
  out.array() = 0.5f * x.array() * (1.0f + u.tanh());
}

void gelu_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef x) {
  // In the forward pass this was: out = 0.5 x (1 + tanh(u)), u = sqrt(2 / pi) (x + 0.044715 x^3).
  // Product rule, with tanh' = 1 - tanh^2 and du/dx = sqrt(2 / pi) (1 + 3 * 0.044715 x^2):
  // dout/dx = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) du/dx.
  // t appears twice and Eigen evaluates it where it appears: two vectorised tanh per
  // element still beat one scalar std::tanh, and nothing is allocated.
  const auto t = (kGeluScale * (x.array() + kGeluCubic * x.array().cube())).tanh();
  const auto du = kGeluScale * (1.0f + 3.0f * kGeluCubic * x.array().square());
  dx.array() += dout.array() * (0.5f * (1.0f + t) + 0.5f * x.array() * (1.0f - t.square()) * du);
}

}  // namespace tinygpt::nn
