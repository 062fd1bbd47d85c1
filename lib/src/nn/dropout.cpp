// Inverted dropout: op functions and graph function. The mask of row r comes from its own
// counter-based generator, so rows can be computed in any order, on any thread or process.
#include "tinygpt/nn/dropout.h"

#include "../core/parallel.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"

namespace tinygpt::nn {

void dropout_forward(MatrixRef out, MatrixRef mask, ConstMatrixRef x, float p,
                     const DropoutKey& key) {
  TINYGPT_CHECK(p >= 0.0f && p < 1.0f, "dropout: p must be in [0, 1), got ", p);
  TINYGPT_CHECK(out.rows() == x.rows() && out.cols() == x.cols() && mask.rows() == x.rows() &&
                    mask.cols() == x.cols(),
                "dropout_forward: x is (", x.rows(), ", ", x.cols(), "), out (", out.rows(), ", ",
                out.cols(), "), mask (", mask.rows(), ", ", mask.cols(), ")");
  // out = x * mask, mask = [u >= p] / (1 - p): dividing the kept values by the keep
  // probability keeps E[out] = x, so evaluation (no dropout) sees the same scale.
  const float keep_scale = 1.0f / (1.0f - p);
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    CounterRng rng(key.seed, RngStream::kDropout, key.step,
                   key.index + static_cast<std::uint64_t>(r));
    for (Eigen::Index c = 0; c < x.cols(); ++c) mask(r, c) = rng.uniform() < p ? 0.0f : keep_scale;
  }
  out.array() = x.array() * mask.array();
}

void dropout_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef mask) {
  // In the forward pass this was: out = x * mask, so dx = dout * mask.
  dx.array() += dout.array() * mask.array();
}

namespace {
void dropout_node_backward(const Node& node) {
  const Tensor& x = node.in[0];
  dropout_backward(x.grad_matrix(), node.out.grad_matrix(),
                   MatrixMap(node.saved, x.shape.rows(), x.shape.cols()));
}
}  // namespace

Tensor dropout(Tape& tape, const Tensor& x, float p, const DropoutKey& key) {
  TINYGPT_CHECK(p >= 0.0f && p < 1.0f, "dropout: p must be in [0, 1), got ", p,
                " (0 turns dropout off; 1 would drop everything)");
  if (p == 0.0f) return x;

  const std::int64_t rows = x.shape.rows();
  const std::int64_t cols = x.shape.cols();
  Tensor out = tape.output(x.shape, {x});
  float* mask = tape.scratch(static_cast<std::size_t>(x.numel()));
  MatrixMap out_values = out.matrix();
  MatrixMap mask_values(mask, rows, cols);
  const MatrixMap x_values = x.matrix();
  // Each block passes its first row's index on, so a row's mask does not depend on blocks.
  detail::parallel_for_blocks(
      rows, detail::kRowsPerBlock, 8 * x.numel(), [&](std::int64_t first, std::int64_t count) {
        DropoutKey block_key = key;
        block_key.index += static_cast<std::uint64_t>(first);
        dropout_forward(out_values.middleRows(first, count), mask_values.middleRows(first, count),
                        x_values.middleRows(first, count), p, block_key);
      });
  if (out.grad != nullptr) {
    tape.record({.op = "dropout",
                 .backward = &dropout_node_backward,
                 .out = out,
                 .in = {x},
                 .saved = mask});
  }
  return out;
}

}  // namespace tinygpt::nn
