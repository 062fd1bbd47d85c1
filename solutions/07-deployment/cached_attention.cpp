// Exercise 07.3, reference solution: one new query over the cached keys and values.
#include <cmath>

#include "tinygpt/infer/cached_attention.h"

namespace tinygpt::infer {

void attend_one(MatrixRef out, ConstMatrixRef q, ConstMatrixRef keys, ConstMatrixRef values) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(q.cols()));
  // scores = q k^T / sqrt(D): one row of S scores; every cached key is visible. The products
  // are a few thousand multiply-adds: lazyProduct computes them in place, where handing
  // them to BLAS (what `*` does in this build) would cost more than the arithmetic.
  Eigen::RowVectorXf scores = scale * q.row(0).lazyProduct(keys.transpose());
  // Softmax with the maximum subtracted first, so that exp never overflows.
  scores = (scores.array() - scores.maxCoeff()).exp();
  scores /= scores.sum();
  out.row(0).noalias() = scores.lazyProduct(values);
}

}  // namespace tinygpt::infer
