// Graph functions of tanh and ReLU; the op bodies are exercise 01.2
// (solutions/01-basics/activations.cpp).
#include "tinygpt/nn/activations.h"

namespace tinygpt::nn {

namespace {
void tanh_node_backward(const Node& node) {
  tanh_backward(node.in[0].grad_matrix(), node.out.grad_matrix(), node.out.matrix());
}

void relu_node_backward(const Node& node) {
  relu_backward(node.in[0].grad_matrix(), node.out.grad_matrix(), node.out.matrix());
}
}  // namespace

Tensor tanh(Tape& tape, const Tensor& x) {
  Tensor out = tape.output(x.shape, {x});
  tanh_forward(out.matrix(), x.matrix());
  if (out.grad != nullptr) {
    tape.record({.op = "tanh", .backward = &tanh_node_backward, .out = out, .in = {x}});
  }
  return out;
}

Tensor relu(Tape& tape, const Tensor& x) {
  Tensor out = tape.output(x.shape, {x});
  relu_forward(out.matrix(), x.matrix());
  if (out.grad != nullptr) {
    tape.record({.op = "relu", .backward = &relu_node_backward, .out = out, .in = {x}});
  }
  return out;
}

}  // namespace tinygpt::nn
