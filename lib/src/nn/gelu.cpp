// Graph function of GELU; the op bodies are exercise 02.4 (solutions/02-transformer/gelu.cpp).
// Every element is independent, so the driver hands blocks of rows to threads.
#include "tinygpt/nn/gelu.h"

#include "../core/parallel.h"

namespace tinygpt::nn {

namespace {
void gelu_node_backward(const Node& node) {
  const Tensor& x = node.in[0];
  const std::int64_t rows = x.shape.rows();
  MatrixMap dx = x.grad_matrix();
  const MatrixMap dout = node.out.grad_matrix();
  const MatrixMap x_values = x.matrix();
  detail::parallel_for_blocks(
      rows, detail::kRowsPerBlock, 8 * x.numel(), [&](std::int64_t first, std::int64_t count) {
        gelu_backward(dx.middleRows(first, count), dout.middleRows(first, count),
                      x_values.middleRows(first, count));
      });
}
}  // namespace

Tensor gelu(Tape& tape, const Tensor& x) {
  const std::int64_t rows = x.shape.rows();
  Tensor out = tape.output(x.shape, {x});
  MatrixMap out_values = out.matrix();
  const MatrixMap x_values = x.matrix();
  // tanh costs some ten flops, hence the weight of the work estimate.
  detail::parallel_for_blocks(
      rows, detail::kRowsPerBlock, 4 * x.numel(), [&](std::int64_t first, std::int64_t count) {
        gelu_forward(out_values.middleRows(first, count), x_values.middleRows(first, count));
      });
  if (out.grad != nullptr) {
    tape.record({.op = "gelu", .backward = &gelu_node_backward, .out = out, .in = {x}});
  }
  return out;
}

}  // namespace tinygpt::nn
