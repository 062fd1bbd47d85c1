// Graph function of the fused softmax + cross-entropy; the op bodies are exercise 01.3
// (solutions/01-basics/cross_entropy.cpp).
#include "tinygpt/nn/cross_entropy.h"

#include "tinygpt/core/check.h"

namespace tinygpt::nn {

namespace {
void cross_entropy_node_backward(const Node& node) {
  const Tensor& logits = node.in[0];
  const MatrixMap probs(node.saved, logits.shape.rows(), logits.shape.cols());
  softmax_cross_entropy_backward(logits.grad_matrix(), node.out.grad_matrix(), probs, node.args.ids,
                                 node.args.ignore_index);
}
}  // namespace

Tensor softmax_cross_entropy(Tape& tape, const Tensor& logits,
                             std::span<const std::int32_t> targets, std::int32_t ignore_index) {
  const std::int64_t rows = logits.shape.rows();
  const std::int64_t vocab = logits.shape.cols();
  TINYGPT_CHECK(logits.shape.rank() >= 1 && vocab > 0, "softmax_cross_entropy: logits ",
                logits.shape.str(), " need a non-empty last dimension");
  TINYGPT_CHECK(static_cast<std::int64_t>(targets.size()) == rows, "softmax_cross_entropy: logits ",
                logits.shape.str(), " have ", rows, " rows but there are ", targets.size(),
                " targets");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const std::int32_t target = targets[i];
    TINYGPT_CHECK(target == ignore_index || (target >= 0 && target < vocab),
                  "softmax_cross_entropy: target ", i, " is ", target, ", outside [0, ", vocab,
                  ") and not the ignore index ", ignore_index);
  }

  Tensor loss = tape.output(Shape{}, {logits});
  float* probs = tape.scratch(static_cast<std::size_t>(logits.numel()));
  softmax_cross_entropy_forward(loss.matrix(), MatrixMap(probs, rows, vocab), logits.matrix(),
                                targets, ignore_index);
  if (loss.grad != nullptr) {
    tape.record({.op = "softmax_cross_entropy",
                 .backward = &cross_entropy_node_backward,
                 .out = loss,
                 .in = {logits},
                 .saved = probs,
                 .args = {.ignore_index = ignore_index, .ids = tape.keep(targets)}});
  }
  return loss;
}

}  // namespace tinygpt::nn
