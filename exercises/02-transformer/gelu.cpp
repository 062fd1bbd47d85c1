// Exercise 02.4: GELU (the tanh approximation of GPT-2), forward and backward.
// Lesson: steps/02-transformer/README.md, "GELU".
// Check your work: tinygpt course check 02        Stuck? tinygpt course hint 02.4
#include "tinygpt/nn/gelu.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void gelu_forward(MatrixRef out, ConstMatrixRef x) {
  // out = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), element by element.
  throw NotImplemented("exercise 02.4 (gelu_forward)");
}

void gelu_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef x) {
  // dx += dout * gelu'(x): differentiate the forward formula with the product rule.
  throw NotImplemented("exercise 02.4 (gelu_backward)");
}

}  // namespace tinygpt::nn
