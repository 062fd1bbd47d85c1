// Exercise 04.5: LoRA's low-rank update and its gradients.
// Lesson: steps/04-finetuning/README.md, "LoRA: a low-rank update".
#include "tinygpt/core/check.h"
#include "tinygpt/tune/lora.h"

namespace tinygpt::tune {

void lora_forward(MatrixRef out, MatrixRef hidden, ConstMatrixRef x, ConstMatrixRef a,
                  ConstMatrixRef b, float scale) {
  TINYGPT_CHECK(x.cols() == a.rows() && a.cols() == b.rows() && hidden.rows() == x.rows() &&
                    hidden.cols() == a.cols() && out.rows() == x.rows() && out.cols() == b.cols(),
                "lora_forward: x (", x.rows(), ", ", x.cols(), "), A (", a.rows(), ", ", a.cols(),
                "), B (", b.rows(), ", ", b.cols(), ") do not fit");
  // Two thin products, never the (C_in, C_out) matrix A B: N r (C_in + C_out) multiplies
  // instead of N C_in C_out.
  hidden.noalias() = x * a;
  out.noalias() = scale * (hidden * b);
}

void lora_backward(MatrixRef dx, MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef x,
                   ConstMatrixRef hidden, ConstMatrixRef a, ConstMatrixRef b, float scale) {
  // out = scale hidden B with hidden = x A: the chain rule through the two products.
  db.noalias() += scale * (hidden.transpose() * dout);
  const Matrix dhidden = scale * (dout * b.transpose());
  da.noalias() += x.transpose() * dhidden;
  if (dx.size() != 0) dx.noalias() += dhidden * a.transpose();
}

}  // namespace tinygpt::tune
