// PPO's two losses as recorded ops (align/ppo_loss.h); their bodies and GAE are exercises
// 05.3 and 05.4 (solutions/05-alignment/).
#include "tinygpt/align/ppo_loss.h"

#include "tinygpt/core/check.h"

namespace tinygpt::align {

namespace {

std::span<const float> values_of(const Tensor& tensor) {
  return {tensor.data, static_cast<std::size_t>(tensor.numel())};
}

void policy_node_backward(const Node& node) {
  ppo_policy_backward({node.in[0].grad, static_cast<std::size_t>(node.in[0].numel())},
                      values_of(node.in[0]), values_of(node.in[1]), values_of(node.in[2]),
                      node.args.scale, node.out.grad[0]);
}

void value_node_backward(const Node& node) {
  ppo_value_backward({node.in[0].grad, static_cast<std::size_t>(node.in[0].numel())},
                     values_of(node.in[0]), values_of(node.in[1]), values_of(node.in[2]),
                     node.args.scale, node.out.grad[0]);
}

// Records one of the two losses: three (M) or (M, 1) columns, gradient to the first only.
Tensor record(Tape& tape, const char* op, BackwardFn backward, const Tensor& trained,
              const Tensor& old, const Tensor& target, float clip,
              float (*forward)(std::span<const float>, std::span<const float>,
                               std::span<const float>, float)) {
  const auto column = [](const Tensor& t) {
    return t.numel() > 0 && (t.shape.rank() == 1 || (t.shape.rank() == 2 && t.shape[1] == 1));
  };
  TINYGPT_CHECK(column(trained) && trained.shape == old.shape && trained.shape == target.shape, op,
                ": ", trained.shape.str(), ", ", old.shape.str(), " and ", target.shape.str(),
                " must all be (M) or (M, 1)");
  TINYGPT_CHECK(clip > 0.0f, op, ": the clip range must be positive, got ", clip);
  TINYGPT_CHECK(old.grad == nullptr && target.grad == nullptr, op,
                ": the sampled values and the targets are constants (no gradient)");
  Tensor out = tape.output(Shape{1}, {trained});
  out.data[0] = forward(values_of(trained), values_of(old), values_of(target), clip);
  if (out.grad != nullptr) {
    tape.record({.op = op,
                 .backward = backward,
                 .out = out,
                 .in = {trained, old, target},
                 .args = {.scale = clip}});
  }
  return out;
}

}  // namespace

Tensor ppo_policy_loss(Tape& tape, const Tensor& logprobs, const Tensor& old_logprobs,
                       const Tensor& advantages, float clip) {
  return record(tape, "ppo_policy_loss", &policy_node_backward, logprobs, old_logprobs, advantages,
                clip, &ppo_policy_forward);
}

Tensor ppo_value_loss(Tape& tape, const Tensor& values, const Tensor& old_values,
                      const Tensor& returns, float clip) {
  return record(tape, "ppo_value_loss", &value_node_backward, values, old_values, returns, clip,
                &ppo_value_forward);
}

}  // namespace tinygpt::align
