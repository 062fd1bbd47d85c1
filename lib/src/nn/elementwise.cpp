// Element-wise add, sub and mul with row broadcast: op bodies and graph functions.
#include "tinygpt/nn/elementwise.h"

#include "tinygpt/core/check.h"

namespace tinygpt::nn {

namespace {
bool is_row(ConstMatrixRef a, ConstMatrixRef b) {
  return b.rows() == 1 && a.rows() != 1;
}

// Gradient of a broadcast operand: every row of a received the same b, so b collects the
// sum over rows. Takes the contribution as an unevaluated Eigen expression (-dout,
// dout * a) so that backward builds no temporary matrix on the heap. An empty db is not
// wanted: nothing is computed.
template <typename Contribution>
void accumulate_broadcast(MatrixRef db, const Eigen::MatrixBase<Contribution>& contribution) {
  if (db.size() == 0) return;
  if (db.rows() == contribution.rows()) {
    db += contribution;
  } else {
    db += contribution.colwise().sum();
  }
}
}  // namespace

void add_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b) {
  if (is_row(a, b)) {
    out = a.rowwise() + b.row(0);
  } else {
    out = a + b;
  }
}

void add_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout) {
  if (da.size() != 0) da += dout;
  accumulate_broadcast(db, dout);
}

void sub_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b) {
  if (is_row(a, b)) {
    out = a.rowwise() - b.row(0);
  } else {
    out = a - b;
  }
}

void sub_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout) {
  if (da.size() != 0) da += dout;
  accumulate_broadcast(db, -dout);
}

void mul_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b) {
  if (is_row(a, b)) {
    out = a.array().rowwise() * b.row(0).array();
  } else {
    out = a.array() * b.array();
  }
}

void mul_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef a,
                  ConstMatrixRef b) {
  // In the forward pass this was: out = a * b; so now: da += dout * b, db += dout * a.
  if (da.size() == 0) {
    // not wanted
  } else if (is_row(a, b)) {
    da.array() += dout.array().rowwise() * b.row(0).array();
  } else {
    da.array() += dout.array() * b.array();
  }
  accumulate_broadcast(db, dout.cwiseProduct(a));
}

namespace {
using ForwardFn = void (*)(MatrixRef, ConstMatrixRef, ConstMatrixRef);

// b as the 2-D view the op functions expect: a's view, or one row of a.cols() values.
Tensor broadcast_operand(const char* op, const Tensor& a, const Tensor& b) {
  if (b.shape == a.shape) return b;
  TINYGPT_CHECK(b.numel() == a.shape.cols() && b.shape.cols() == a.shape.cols(), op, ": b ",
                b.shape.str(), " is neither a's shape ", a.shape.str(), " nor a row of ",
                a.shape.cols(), " values to broadcast");
  return b.reshaped(Shape{1, a.shape.cols()});
}

void add_node_backward(const Node& node) {
  add_backward(node.in[0].grad_matrix(), node.in[1].grad_matrix(), node.out.grad_matrix());
}
void sub_node_backward(const Node& node) {
  sub_backward(node.in[0].grad_matrix(), node.in[1].grad_matrix(), node.out.grad_matrix());
}
void mul_node_backward(const Node& node) {
  mul_backward(node.in[0].grad_matrix(), node.in[1].grad_matrix(), node.out.grad_matrix(),
               node.in[0].matrix(), node.in[1].matrix());
}

Tensor binary(Tape& tape, const char* op, ForwardFn forward, BackwardFn backward, const Tensor& a,
              const Tensor& b) {
  const Tensor b_view = broadcast_operand(op, a, b);
  Tensor out = tape.output(a.shape, {a, b_view});
  forward(out.matrix(), a.matrix(), b_view.matrix());
  if (out.grad != nullptr) {
    tape.record({.op = op, .backward = backward, .out = out, .in = {a, b_view}});
  }
  return out;
}
}  // namespace

Tensor add(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary(tape, "add", &add_forward, &add_node_backward, a, b);
}

Tensor sub(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary(tape, "sub", &sub_forward, &sub_node_backward, a, b);
}

Tensor mul(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary(tape, "mul", &mul_forward, &mul_node_backward, a, b);
}

}  // namespace tinygpt::nn
