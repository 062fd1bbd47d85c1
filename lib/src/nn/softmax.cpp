// Softmax and log-softmax over rows: op bodies and graph functions.
#include "tinygpt/nn/softmax.h"

#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void softmax_forward(MatrixRef out, ConstMatrixRef x) {
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    out.row(i) = (x.row(i).array() - x.row(i).maxCoeff()).exp();
    out.row(i) /= out.row(i).sum();
  }
}

void softmax_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out) {
  // y = softmax(x) has dy_j/dx_k = y_j ([j == k] - y_k), so
  // dx_k = sum_j dout_j y_j ([j == k] - y_k) = y_k (dout_k - sum_j dout_j y_j).
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    const float weighted = dout.row(i).dot(out.row(i));
    dx.row(i).array() += out.row(i).array() * (dout.row(i).array() - weighted);
  }
}

void log_softmax_forward(MatrixRef out, ConstMatrixRef x) {
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const float row_max = x.row(i).maxCoeff();
    const float log_sum = std::log((x.row(i).array() - row_max).exp().sum());
    out.row(i).array() = x.row(i).array() - row_max - log_sum;
  }
}

void log_softmax_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out) {
  // y_j = x_j - log sum_k exp(x_k) has dy_j/dx_k = [j == k] - softmax(x)_k, so
  // dx_k = dout_k - softmax(x)_k sum_j dout_j, and softmax(x) = exp(y).
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    dx.row(i).array() += dout.row(i).array() - out.row(i).array().exp() * dout.row(i).sum();
  }
}

namespace {
void softmax_node_backward(const Node& node) {
  softmax_backward(node.in[0].grad_matrix(), node.out.grad_matrix(), node.out.matrix());
}
void log_softmax_node_backward(const Node& node) {
  log_softmax_backward(node.in[0].grad_matrix(), node.out.grad_matrix(), node.out.matrix());
}

Tensor row_distribution(Tape& tape, const char* op, const Tensor& x,
                        void (*forward)(MatrixRef, ConstMatrixRef), BackwardFn backward) {
  TINYGPT_CHECK(x.shape.rank() >= 1 && x.shape.cols() > 0, op, ": x ", x.shape.str(),
                " needs a non-empty last dimension");
  Tensor out = tape.output(x.shape, {x});
  forward(out.matrix(), x.matrix());
  if (out.grad != nullptr) {
    tape.record({.op = op, .backward = backward, .out = out, .in = {x}});
  }
  return out;
}
}  // namespace

Tensor softmax(Tape& tape, const Tensor& x) {
  return row_distribution(tape, "softmax", x, &softmax_forward, &softmax_node_backward);
}

Tensor log_softmax(Tape& tape, const Tensor& x) {
  return row_distribution(tape, "log_softmax", x, &log_softmax_forward, &log_softmax_node_backward);
}

}  // namespace tinygpt::nn
