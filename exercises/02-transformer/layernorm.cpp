// Exercise 02.3: layer normalisation, forward and backward.
// Lesson: steps/02-transformer/README.md, "Layer normalisation".
// Check your work: tinygpt course check 02        Stuck? tinygpt course hint 02.3
#include "tinygpt/nn/layernorm.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void layernorm_forward(MatrixRef out, MatrixRef mean, MatrixRef rstd, ConstMatrixRef x,
                       ConstMatrixRef gamma, ConstMatrixRef beta, float eps) {
  // For each row: mean(i, 0) = its mean, rstd(i, 0) = 1 / sqrt(biased variance + eps),
  // out.row(i) = (x.row(i) - mean) * rstd * gamma + beta.
  throw NotImplemented("exercise 02.3 (layernorm_forward)");
}

void layernorm_backward(MatrixRef dx, MatrixRef dgamma, MatrixRef dbeta, ConstMatrixRef dout,
                        ConstMatrixRef x, ConstMatrixRef gamma, ConstMatrixRef mean,
                        ConstMatrixRef rstd) {
  // Add (+=) into dx, dgamma and dbeta; the formulas are in layernorm.h.
  throw NotImplemented("exercise 02.3 (layernorm_backward)");
}

}  // namespace tinygpt::nn
