// Exercise 01.1, reference solution: matrix multiplication, forward and backward.
#include "tinygpt/nn/matmul.h"

namespace tinygpt::nn {

void matmul_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b, bool transpose_a,
                    bool transpose_b) {
  // Eigen evaluates a.transpose() * b with one GEMM call that reads a transposed in
  // place; noalias() says out does not overlap a or b, so no temporary is made.
  if (!transpose_a && !transpose_b) out.noalias() = a * b;
  if (!transpose_a && transpose_b) out.noalias() = a * b.transpose();
  if (transpose_a && !transpose_b) out.noalias() = a.transpose() * b;
  if (transpose_a && transpose_b) out.noalias() = a.transpose() * b.transpose();
}

void matmul_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef a,
                     ConstMatrixRef b, bool transpose_a, bool transpose_b) {
  // In the forward pass this was: out = A B, with A = op(a) and B = op(b). Each
  // out[i, j] = sum_k A[i, k] B[k, j], so dA[i, k] = sum_j dout[i, j] B[k, j] and
  // dB[k, j] = sum_i A[i, k] dout[i, j], that is: dA = dout B^T and dB = A^T dout.
  // When a was used transposed, da is the transpose of dA: da = (dout B^T)^T = B dout^T.
  // An empty da or db is not wanted (matmul.h): skip its product.
  const bool want_a = da.size() != 0;
  const bool want_b = db.size() != 0;
  if (!transpose_a && !transpose_b) {
    if (want_a) da.noalias() += dout * b.transpose();
    if (want_b) db.noalias() += a.transpose() * dout;
  }
  if (!transpose_a && transpose_b) {  // B = b^T
    if (want_a) da.noalias() += dout * b;
    if (want_b) db.noalias() += dout.transpose() * a;
  }
  if (transpose_a && !transpose_b) {  // A = a^T
    if (want_a) da.noalias() += b * dout.transpose();
    if (want_b) db.noalias() += a * dout;
  }
  if (transpose_a && transpose_b) {  // A = a^T, B = b^T
    if (want_a) da.noalias() += b.transpose() * dout.transpose();
    if (want_b) db.noalias() += dout.transpose() * a.transpose();
  }
}

}  // namespace tinygpt::nn
