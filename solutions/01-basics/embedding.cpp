// Exercise 01.4, reference solution: embedding lookup, forward and backward.
#include "tinygpt/nn/embedding.h"

namespace tinygpt::nn {

void embedding_forward(MatrixRef out, ConstMatrixRef table, std::span<const std::int32_t> ids) {
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    out.row(i) = table.row(ids[static_cast<std::size_t>(i)]);
  }
}

void embedding_backward(MatrixRef dtable, ConstMatrixRef dout, std::span<const std::int32_t> ids) {
  // In the forward pass this was: out[i] = table[ids[i]]; so now: dtable[ids[i]] += dout[i].
  // Accumulate, never assign: a token that occurs twice receives both gradients.
  for (Eigen::Index i = 0; i < dout.rows(); ++i) {
    dtable.row(ids[static_cast<std::size_t>(i)]) += dout.row(i);
  }
}

}  // namespace tinygpt::nn
