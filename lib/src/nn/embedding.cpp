// Graph function of the embedding lookup; the op bodies are exercise 01.4
// (solutions/01-basics/embedding.cpp).
#include "tinygpt/nn/embedding.h"

#include "tinygpt/core/check.h"

namespace tinygpt::nn {

namespace {
void embedding_node_backward(const Node& node) {
  embedding_backward(node.in[0].grad_matrix(), node.out.grad_matrix(), node.args.ids);
}
}  // namespace

Tensor embedding(Tape& tape, const Tensor& table, std::span<const std::int32_t> ids) {
  TINYGPT_CHECK(table.shape.rank() == 2, "embedding: the table must be (V, C), its shape is ",
                table.shape.str());
  const std::int64_t vocab = table.shape[0];
  for (std::size_t i = 0; i < ids.size(); ++i) {
    TINYGPT_CHECK(ids[i] >= 0 && ids[i] < vocab, "embedding: id ", i, " is ", ids[i],
                  ", outside the table's [0, ", vocab, ")");
  }
  Tensor out = tape.output(Shape{static_cast<std::int64_t>(ids.size()), table.shape[1]}, {table});
  embedding_forward(out.matrix(), table.matrix(), ids);
  if (out.grad != nullptr) {
    tape.record({.op = "embedding",
                 .backward = &embedding_node_backward,
                 .out = out,
                 .in = {table},
                 .args = {.ids = tape.keep(ids)}});
  }
  return out;
}

}  // namespace tinygpt::nn
