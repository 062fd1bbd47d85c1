// Exercise 01.2, reference solution: tanh and ReLU, forward and backward.
#include "tinygpt/nn/activations.h"

namespace tinygpt::nn {

void tanh_forward(MatrixRef out, ConstMatrixRef x) {
  out = x.array().tanh();
}

void tanh_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out) {
  // d tanh(x) / dx = 1 - tanh(x)^2: the forward output is all we need.
  dx.array() += dout.array() * (1.0f - out.array().square());
}

void relu_forward(MatrixRef out, ConstMatrixRef x) {
  out = x.array().max(0.0f);
}

void relu_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out) {
  // The slope is 1 where the unit was active (out > 0) and 0 elsewhere.
  dx.array() += (out.array() > 0.0f).select(dout.array(), 0.0f);
}

}  // namespace tinygpt::nn
