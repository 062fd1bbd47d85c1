// Sum and mean of all elements: op bodies and graph functions.
#include "tinygpt/nn/reductions.h"

#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void sum_forward(MatrixRef out, ConstMatrixRef x) {
  // Accumulate in double: a float running sum of a million values loses its last digits.
  out(0, 0) = static_cast<float>(x.cast<double>().sum());
}

void sum_backward(MatrixRef dx, ConstMatrixRef dout) {
  dx.array() += dout(0, 0);
}

void mean_forward(MatrixRef out, ConstMatrixRef x) {
  out(0, 0) = static_cast<float>(x.cast<double>().sum() / static_cast<double>(x.size()));
}

void mean_backward(MatrixRef dx, ConstMatrixRef dout) {
  dx.array() += dout(0, 0) / static_cast<float>(dx.size());
}

namespace {
void sum_node_backward(const Node& node) {
  sum_backward(node.in[0].grad_matrix(), node.out.grad_matrix());
}
void mean_node_backward(const Node& node) {
  mean_backward(node.in[0].grad_matrix(), node.out.grad_matrix());
}
}  // namespace

Tensor sum(Tape& tape, const Tensor& x) {
  Tensor out = tape.output(Shape{}, {x});
  sum_forward(out.matrix(), x.matrix());
  if (out.grad != nullptr) {
    tape.record({.op = "sum", .backward = &sum_node_backward, .out = out, .in = {x}});
  }
  return out;
}

Tensor mean(Tape& tape, const Tensor& x) {
  TINYGPT_CHECK(x.numel() > 0, "mean: x ", x.shape.str(), " has no elements");
  Tensor out = tape.output(Shape{}, {x});
  mean_forward(out.matrix(), x.matrix());
  if (out.grad != nullptr) {
    tape.record({.op = "mean", .backward = &mean_node_backward, .out = out, .in = {x}});
  }
  return out;
}

}  // namespace tinygpt::nn
