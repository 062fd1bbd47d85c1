// Graph function of layer normalisation; the op bodies are exercise 02.3
// (solutions/02-transformer/layernorm.cpp). Rows are normalised independently, so the driver
// hands blocks of rows to threads.
#include "tinygpt/nn/layernorm.h"

#include <algorithm>

#include "../core/parallel.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

namespace {
// node.saved holds, for N rows of C values in `blocks` row blocks:
//   mean (N, 1) | rstd (N, 1) | dgamma of each block (blocks, C) | dbeta of each block (blocks, C).
// Each block accumulates its own dgamma and dbeta (threads must not add into one row at
// once); the blocks' rows are summed afterwards in a fixed order.
void layernorm_node_backward(const Node& node) {
  const Tensor& x = node.in[0];
  const std::int64_t rows = x.shape.rows();
  const std::int64_t cols = x.shape.cols();
  const std::int64_t blocks = detail::row_blocks(rows);
  const MatrixMap mean(node.saved, rows, 1);
  const MatrixMap rstd(node.saved + rows, rows, 1);
  MatrixMap block_dgamma(node.saved + 2 * rows, blocks, cols);
  MatrixMap block_dbeta(node.saved + 2 * rows + blocks * cols, blocks, cols);
  block_dgamma.setZero();
  block_dbeta.setZero();

  MatrixMap dx = x.grad_matrix();
  MatrixMap dgamma = node.in[1].grad_matrix();
  MatrixMap dbeta = node.in[2].grad_matrix();
  const MatrixMap dout = node.out.grad_matrix();
  const MatrixMap x_values = x.matrix();
  const MatrixMap gamma = node.in[1].matrix();
  // An empty gradient is not wanted (data, a frozen norm): an empty view is passed on.
  Matrix none;
  detail::parallel_for(blocks, 4 * x.numel(), [&](std::int64_t block) {
    const std::int64_t first = block * detail::kRowsPerBlock;
    const std::int64_t count = std::min(detail::kRowsPerBlock, rows - first);
    layernorm_backward(dx.size() != 0 ? MatrixRef(dx.middleRows(first, count)) : MatrixRef(none),
                       dgamma.size() != 0 ? MatrixRef(block_dgamma.row(block)) : MatrixRef(none),
                       dbeta.size() != 0 ? MatrixRef(block_dbeta.row(block)) : MatrixRef(none),
                       dout.middleRows(first, count), x_values.middleRows(first, count), gamma,
                       mean.middleRows(first, count), rstd.middleRows(first, count));
  });
  if (dgamma.size() != 0) dgamma += block_dgamma.colwise().sum();
  if (dbeta.size() != 0) dbeta += block_dbeta.colwise().sum();
}
}  // namespace

Tensor layernorm(Tape& tape, const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  TINYGPT_CHECK(x.shape.rank() >= 1 && x.shape.cols() > 0, "layernorm: x ", x.shape.str(),
                " needs a non-empty last dimension");
  const std::int64_t cols = x.shape.cols();
  for (const Tensor* parameter : {&gamma, &beta}) {
    const Shape& shape = parameter->shape;
    const bool row = shape.rank() == 1 || (shape.rank() == 2 && shape[0] == 1);
    TINYGPT_CHECK(row && shape.cols() == cols,
                  "layernorm: ", parameter == &gamma ? "gamma " : "beta ", shape.str(),
                  " does not fit x ", x.shape.str(), ": expected (", cols, ") or (1, ", cols, ")");
  }
  TINYGPT_CHECK(eps > 0.0f, "layernorm: eps must be positive, got ", eps);

  const std::int64_t rows = x.shape.rows();
  const std::int64_t blocks = detail::row_blocks(rows);
  Tensor out = tape.output(x.shape, {x, gamma, beta});
  // Backward's per-block sums need room too; it is taken now because backward cannot ask
  // the tape for memory.
  const std::size_t saved_count =
      static_cast<std::size_t>(2 * rows + (out.grad != nullptr ? 2 * blocks * cols : 0));
  float* saved = tape.scratch(saved_count);
  MatrixMap mean(saved, rows, 1);
  MatrixMap rstd(saved + rows, rows, 1);
  MatrixMap out_values = out.matrix();
  const MatrixMap x_values = x.matrix();
  const MatrixMap gamma_row = gamma.matrix();
  const MatrixMap beta_row = beta.matrix();
  detail::parallel_for(blocks, 2 * x.numel(), [&](std::int64_t block) {
    const std::int64_t first = block * detail::kRowsPerBlock;
    const std::int64_t count = std::min(detail::kRowsPerBlock, rows - first);
    layernorm_forward(out_values.middleRows(first, count), mean.middleRows(first, count),
                      rstd.middleRows(first, count), x_values.middleRows(first, count), gamma_row,
                      beta_row, eps);
  });
  if (out.grad != nullptr) {
    tape.record({.op = "layernorm",
                 .backward = &layernorm_node_backward,
                 .out = out,
                 .in = {x, gamma, beta},
                 .saved = saved});
  }
  return out;
}

}  // namespace tinygpt::nn
