// Rows ahead of every sequence (nn/rows.h): the graph functions; the bodies of
// prepend_rows_forward and prepend_rows_backward are exercise 04.7
// (solutions/04-finetuning/prepend_rows.cpp).
#include "tinygpt/nn/rows.h"

#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/nn/embedding.h"

namespace tinygpt::nn {

namespace {
void prepend_rows_node_backward(const Node& node) {
  prepend_rows_backward(node.in[0].grad_matrix(), node.in[1].grad_matrix(), node.out.grad_matrix(),
                        node.in[0].shape[0]);
}
}  // namespace

Tensor prepend_rows(Tape& tape, const Tensor& x, const Tensor& prefix) {
  TINYGPT_CHECK(x.shape.rank() == 3, "prepend_rows: x must be (B, T, W), its shape is ",
                x.shape.str());
  TINYGPT_CHECK(prefix.shape.rank() == 2 && prefix.shape[1] <= x.shape[2], "prepend_rows: prefix ",
                prefix.shape.str(), " does not fit x ", x.shape.str(),
                ": expected (n, K), K <= ", x.shape[2]);
  const std::int64_t batch = x.shape[0];
  Tensor out = tape.output(Shape{batch, prefix.shape[0] + x.shape[1], x.shape[2]}, {x, prefix});
  prepend_rows_forward(out.matrix(), x.matrix(), prefix.matrix(), batch);
  if (out.grad != nullptr) {
    tape.record({.op = "prepend_rows",
                 .backward = &prepend_rows_node_backward,
                 .out = out,
                 .in = {x, prefix}});
  }
  return out;
}

Tensor drop_leading_rows(Tape& tape, const Tensor& x, std::int64_t count) {
  TINYGPT_CHECK(x.shape.rank() == 3 && count >= 0 && count < x.shape[1],
                "drop_leading_rows: cannot drop ", count, " rows of each sequence of x ",
                x.shape.str(), " (B, n + T, W)");
  if (count == 0) return x;
  const std::int64_t batch = x.shape[0];
  const std::int64_t rows = x.shape[1];
  const std::int64_t kept = rows - count;
  // A gather of the rows kept, as an embedding lookup into the (B (n + T), W) view.
  std::vector<std::int32_t> ids(static_cast<std::size_t>(batch * kept));
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t t = 0; t < kept; ++t) {
      ids[static_cast<std::size_t>(b * kept + t)] = static_cast<std::int32_t>(b * rows + count + t);
    }
  }
  return embedding(tape, x.reshaped(Shape{batch * rows, x.shape[2]}), ids)
      .reshaped(Shape{batch, kept, x.shape[2]});
}

}  // namespace tinygpt::nn
