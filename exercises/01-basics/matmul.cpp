// Exercise 01.1: matrix multiplication, forward and backward.
// Lesson: steps/01-basics/README.md, "Matrix multiplication and its gradient".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.1
#include "tinygpt/nn/matmul.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void matmul_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b, bool transpose_a,
                    bool transpose_b) {
  // Overwrite out with op(a) op(b); op(a) is a.transpose() when transpose_a is set.
  throw NotImplemented("exercise 01.1 (matmul_forward)");
}

void matmul_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef a,
                     ConstMatrixRef b, bool transpose_a, bool transpose_b) {
  // Add (+=) the gradients of out = op(a) op(b) into da and db, for all four cases of
  // the transpose flags. An empty da or db (size() == 0) is not wanted: skip it.
  throw NotImplemented("exercise 01.1 (matmul_backward)");
}

}  // namespace tinygpt::nn
