// The linear layer, out = x W + b: op functions on matmul (exercise 01.1) and the graph
// function.
#include "tinygpt/nn/linear.h"

#include "../core/parallel.h"
#include "bf16_operands.h"
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
// Output columns per block of dW (and db) in the backward: C_out of the smallest layer of
// the small model (256) still makes two blocks.
constexpr std::int64_t kProductCols = 128;

// The backward of one linear node, shared out as two independent jobs, each a set of
// one-thread products (a GEMM's own split of one product makes its threads wait for each
// other inside it, see linear() below): dx = dout W^T by blocks of rows, then dW = x^T dout
// and db by blocks of output columns. Each piece calls linear_backward with the gradients it
// does not compute left empty (matmul.h).
void linear_node_backward(const Node& node) {
  const MatrixMap x = node.in[0].matrix();
  const MatrixMap weight = node.in[1].matrix();
  const MatrixMap dout = detail::product_output_gradient(node);
  MatrixMap dx = node.in[0].grad_matrix();
  MatrixMap dweight = node.in[1].grad_matrix();
  // A layer without bias recorded no third input: its gradient view is empty, as a frozen
  // bias's is.
  MatrixMap dbias = node.in[2].grad_matrix();
  Matrix none;
  const std::int64_t rows = x.rows();
  const std::int64_t cols = weight.cols();
  const std::int64_t work = rows * weight.size();
  const std::int64_t block_rows = detail::product_block_rows(rows);

  // An empty dx, dW or db is not wanted (data, a frozen layer): its products never run.
  if (dx.size() != 0) {
    detail::parallel_for_blocks(
        rows, block_rows, work, [&](std::int64_t first, std::int64_t count) {
          linear_backward(dx.middleRows(first, count), none, none, dout.middleRows(first, count),
                          x.middleRows(first, count), weight);
        });
  }
  if (dweight.size() == 0 && dbias.size() == 0) return;
  detail::parallel_for_blocks(
      cols, kProductCols, work, [&](std::int64_t first, std::int64_t count) {
        MatrixRef dweight_block =
            dweight.size() != 0 ? MatrixRef(dweight.middleCols(first, count)) : MatrixRef(none);
        MatrixRef dbias_block =
            dbias.size() != 0 ? MatrixRef(dbias.middleCols(first, count)) : MatrixRef(none);
        linear_backward(none, dweight_block, dbias_block, dout.middleCols(first, count), x,
                        weight.middleCols(first, count));
      });
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
  // In bf16 the product reads rounded copies, and backward multiplies the same copies.
  const Tensor x_operand = detail::product_operand(tape, x);
  const Tensor weight_operand = detail::product_operand(tape, weight);
  MatrixMap out_values = out.matrix();
  const MatrixMap x_values = x_operand.matrix();
  const MatrixMap weight_values = weight_operand.matrix();
  // Rows are independent, so the driver hands blocks of rows to threads and each runs a
  // one-thread product. The GEMM (Eigen's or OpenBLAS's) could split the product itself,
  // but its threads wait for each other at every panel of the inner dimension, spinning:
  // when another program holds a core, a thread spins on a partner that is not running,
  // and even on an idle machine OpenBLAS's own split ran up to 30% slower than blocks.
  // Whole blocks share out with one wait at the end.
  const std::int64_t rows = x.shape.rows();
  const std::int64_t block_rows = detail::product_block_rows(rows);
  detail::parallel_for_blocks(
      rows, block_rows, rows * weight.numel(), [&](std::int64_t first, std::int64_t count) {
        linear_forward(out_values.middleRows(first, count), x_values.middleRows(first, count),
                       weight_values, bias_row);
      });
  if (out.grad != nullptr) {
    tape.record({.op = "linear",
                 .backward = &linear_node_backward,
                 .out = out,
                 .in = {x_operand, weight_operand, has_bias ? bias : Tensor{}},
                 .saved = detail::output_gradient_room(tape, out)});
  }
  return out;
}

}  // namespace tinygpt::nn
