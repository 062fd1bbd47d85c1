// The linear layer, out = x W + b: op functions on matmul (exercise 01.1) and the graph
// function.
#include "tinygpt/nn/linear.h"

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
  linear_forward(out.matrix(), x.matrix(), weight.matrix(),
                 has_bias ? ConstMatrixRef(bias.matrix()) : ConstMatrixRef(no_bias));
  if (out.grad != nullptr) {
    tape.record({.op = "linear",
                 .backward = &linear_node_backward,
                 .out = out,
                 .in = {x, weight, has_bias ? bias : Tensor{}}});
  }
  return out;
}

}  // namespace tinygpt::nn
