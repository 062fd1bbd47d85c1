// Exercise 01.2: tanh and ReLU, forward and backward.
// Lesson: steps/01-basics/README.md, "Non-linearities".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.2
#include "tinygpt/nn/activations.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void tanh_forward(MatrixRef out, ConstMatrixRef x) {
  // out = tanh(x), element by element.
  throw NotImplemented("exercise 01.2 (tanh_forward)");
}

void tanh_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out) {
  // dx += dout * (derivative of tanh), written with the forward output `out`.
  throw NotImplemented("exercise 01.2 (tanh_backward)");
}

void relu_forward(MatrixRef out, ConstMatrixRef x) {
  // out = max(x, 0), element by element.
  throw NotImplemented("exercise 01.2 (relu_forward)");
}

void relu_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out) {
  // dx += dout where the unit was active; take the slope at exactly 0 as 0.
  throw NotImplemented("exercise 01.2 (relu_backward)");
}

}  // namespace tinygpt::nn
