// The linear layer, out = x W + b: op functions on matmul (exercise 01.1) and the graph
// function.
#include "tinygpt/nn/linear.h"

#include <algorithm>

#include "../core/parallel.h"
#include "tinygpt/core/check.h"
#include "tinygpt/nn/matmul.h"

namespace tinygpt::nn {

void linear_forward(MatrixRef out, ConstMatrixRef x, ConstMatrixRef weight, ConstMatrixRef bias) {
  TINYGPT_CHECK(x.cols() == weight.rows() && out.rows() == x.rows() && out.cols() == weight.cols(),
                "linear_forward: x is (", x.rows(), ", ", x.cols(), "), weight (", weight.rows(),
                ", ", weight.cols(), "), out (", out.rows(), ", ", out.cols(), ")");
  TINYGPT_CHECK(bias.size() == 0 || (bias.rows() == 1 && bias.cols() == weight.cols()),
                "linear_forward: bias is (", bias.rows(), ", ", bias.cols(), "), expected (1, ",
                weight.cols(), ") or empty");
  // out = x W + b: the product is exercise 01.1, the bias is the same row added to every row.
  matmul_forward(out, x, weight, false, false);
  if (bias.size() != 0) out.rowwise() += bias.row(0);
}

void linear_backward(MatrixRef dx, MatrixRef dweight, MatrixRef dbias, ConstMatrixRef dout,
                     ConstMatrixRef x, ConstMatrixRef weight) {
  // In the forward pass this was: out = x W + b, so dx = dout W^T and dW = x^T dout, as for
  // any product; b was added to every row, so each row of dout reaches it: db = sum_i dout[i].
  matmul_backward(dx, dweight, dout, x, weight, false, false);
  if (dbias.size() != 0) dbias += dout.colwise().sum();
}

namespace {
// Rows per block of the forward product. Large enough that each block's product runs near
// the GEMM's full speed (the weight is packed once per block), small enough that both
// threads get blocks; fixed, so the result never depends on the thread count.
constexpr std::int64_t kProductRows = 128;

void linear_node_backward(const Node& node) {
  const Tensor& bias = node.in[2];
  // A layer without bias recorded no third input; an empty view stands for its gradient.
  Matrix no_bias;
  if (bias.data == nullptr) {
    linear_backward(node.in[0].grad_matrix(), node.in[1].grad_matrix(), no_bias,
                    node.out.grad_matrix(), node.in[0].matrix(), node.in[1].matrix());
  } else {
    linear_backward(node.in[0].grad_matrix(), node.in[1].grad_matrix(), bias.grad_matrix(),
                    node.out.grad_matrix(), node.in[0].matrix(), node.in[1].matrix());
  }
}
}  // namespace

Tensor linear(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias) {
  TINYGPT_CHECK(weight.shape.rank() == 2, "linear: weight must be (C_in, C_out), its shape is ",
                weight.shape.str());
  TINYGPT_CHECK(x.shape.rank() >= 1 && x.shape.cols() == weight.shape[0], "linear: x ",
                x.shape.str(), " does not fit weight ", weight.shape.str(),
                ": x's last dimension must be C_in = ", weight.shape[0]);
  const bool has_bias = bias.data != nullptr;
  if (has_bias) {
    const bool row = bias.shape.rank() == 1 || (bias.shape.rank() == 2 && bias.shape[0] == 1);
    TINYGPT_CHECK(row && bias.shape.cols() == weight.shape[1], "linear: bias ", bias.shape.str(),
                  " does not fit weight ", weight.shape.str(), ": expected (", weight.shape[1],
                  ") or (1, ", weight.shape[1], ")");
  }

  Tensor out = has_bias ? tape.output(x.shape.with_last(weight.shape[1]), {x, weight, bias})
                        : tape.output(x.shape.with_last(weight.shape[1]), {x, weight});
  const Matrix no_bias;
  const ConstMatrixRef bias_row =
      has_bias ? ConstMatrixRef(bias.matrix()) : ConstMatrixRef(no_bias);
  MatrixMap out_values = out.matrix();
  const MatrixMap x_values = x.matrix();
  const MatrixMap weight_values = weight.matrix();
  // Rows are independent, so the driver hands blocks of rows to threads and each runs a
  // one-thread product. Eigen could split the product itself, but its threads wait for
  // each other at every panel of the inner dimension, spinning: when another program holds
  // a core, a thread spins on a partner that is not running. Whole blocks share out with
  // one wait at the end.
  const std::int64_t rows = x.shape.rows();
  const std::int64_t blocks = (rows + kProductRows - 1) / kProductRows;
  detail::parallel_for(blocks, rows * weight.numel(), [&](std::int64_t block) {
    const std::int64_t first = block * kProductRows;
    const std::int64_t count = std::min(kProductRows, rows - first);
    linear_forward(out_values.middleRows(first, count), x_values.middleRows(first, count),
                   weight_values, bias_row);
  });
  if (out.grad != nullptr) {
    tape.record({.op = "linear",
                 .backward = &linear_node_backward,
                 .out = out,
                 .in = {x, weight, has_bias ? bias : Tensor{}}});
  }
  return out;
}

}  // namespace tinygpt::nn
