// The Bradley-Terry loss as a recorded op (align/preference_loss.h); its bodies are exercise
// 05.1 (solutions/05-alignment/bradley_terry.cpp), DPO's loss exercise 05.2.
#include "tinygpt/align/preference_loss.h"

#include "tinygpt/core/check.h"

namespace tinygpt::align {

namespace {
std::span<float> gradient(const Tensor& tensor) {
  return tensor.grad != nullptr
             ? std::span<float>(tensor.grad, static_cast<std::size_t>(tensor.numel()))
             : std::span<float>{};
}

void bradley_terry_node_backward(const Node& node) {
  const Tensor& chosen = node.in[0];
  const Tensor& rejected = node.in[1];
  bradley_terry_backward(
      gradient(chosen), gradient(rejected), {chosen.data, static_cast<std::size_t>(chosen.numel())},
      {rejected.data, static_cast<std::size_t>(rejected.numel())}, node.out.grad[0]);
}
}  // namespace

Tensor bradley_terry_loss(Tape& tape, const Tensor& chosen, const Tensor& rejected) {
  const bool column =
      chosen.shape.rank() == 1 || (chosen.shape.rank() == 2 && chosen.shape[1] == 1);
  TINYGPT_CHECK(column && chosen.numel() > 0 && chosen.shape == rejected.shape,
                "bradley_terry_loss: chosen ", chosen.shape.str(), " and rejected ",
                rejected.shape.str(), " must both be (B) or (B, 1)");
  Tensor out = tape.output(Shape{1}, {chosen, rejected});
  out.data[0] = bradley_terry_forward({chosen.data, static_cast<std::size_t>(chosen.numel())},
                                      {rejected.data, static_cast<std::size_t>(rejected.numel())});
  if (out.grad != nullptr) {
    tape.record({.op = "bradley_terry_loss",
                 .backward = &bradley_terry_node_backward,
                 .out = out,
                 .in = {chosen, rejected}});
  }
  return out;
}

}  // namespace tinygpt::align
