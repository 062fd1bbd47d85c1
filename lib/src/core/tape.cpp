#include "tinygpt/core/tape.h"

#include <algorithm>

#include "tinygpt/core/check.h"

namespace tinygpt {

Tensor Tape::output(const Shape& shape, std::initializer_list<Tensor> inputs) {
  if (profiling_ && !op_open_) {
    op_start_ = Clock::now();
    op_open_ = true;
  }
  Tensor out;
  out.shape = shape;
  out.data = arena_.allocate<float>(static_cast<std::size_t>(shape.numel()));
  const bool needs_grad =
      grad_enabled_ && std::any_of(inputs.begin(), inputs.end(),
                                   [](const Tensor& input) { return input.grad != nullptr; });
  if (needs_grad) {
    out.grad = arena_.allocate_zeroed<float>(static_cast<std::size_t>(shape.numel()));
  }
  return out;
}

Tensor Tape::constant(const Shape& shape, std::span<const float> values) {
  TINYGPT_CHECK(static_cast<std::int64_t>(values.size()) == shape.numel(), "constant: shape ",
                shape.str(), " needs ", shape.numel(), " values, got ", values.size());
  Tensor out;
  out.shape = shape;
  out.data = arena_.allocate<float>(values.size());
  std::copy(values.begin(), values.end(), out.data);
  return out;
}

std::span<const std::int32_t> Tape::keep(std::span<const std::int32_t> ids) {
  std::int32_t* copy = arena_.allocate<std::int32_t>(ids.size());
  std::copy(ids.begin(), ids.end(), copy);
  return {copy, ids.size()};
}

std::span<const std::uint8_t> Tape::keep(std::span<const std::uint8_t> flags) {
  std::uint8_t* copy = arena_.allocate<std::uint8_t>(flags.size());
  std::copy(flags.begin(), flags.end(), copy);
  return {copy, flags.size()};
}

void Tape::record(Node node) {
  TINYGPT_CHECK(node.out.grad != nullptr, node.op,
                ": recorded output has no gradient (was it made with Tape::output?)");
  TINYGPT_CHECK(!backward_done_, node.op,
                ": backward() already ran on this tape; call reset() before the next step");
  if (profiling_ && op_open_) {
    node.forward_seconds = std::chrono::duration<double>(Clock::now() - op_start_).count();
    op_open_ = false;
  }
  nodes_.push_back(node);
}

void Tape::backward(const Tensor& loss) {
  TINYGPT_CHECK(loss.numel() == 1, "backward: the loss must have one element, its shape is ",
                loss.shape.str());
  const float one = 1.0f;
  backward(loss, {&one, 1});
}

void Tape::backward(const Tensor& output, std::span<const float> output_grad) {
  TINYGPT_CHECK(output.grad != nullptr,
                "backward: the output has no gradient; it depends on no parameter, or it was "
                "computed with gradients disabled (NoGradGuard)");
  TINYGPT_CHECK(static_cast<std::int64_t>(output_grad.size()) == output.numel(),
                "backward: output ", output.shape.str(), " needs ", output.numel(),
                " gradient values, got ", output_grad.size());
  TINYGPT_CHECK(!backward_done_,
                "backward: already ran on this tape; call reset() before the next step");
  std::copy(output_grad.begin(), output_grad.end(), output.grad);
  for (auto node = nodes_.rbegin(); node != nodes_.rend(); ++node) {
    if (!profiling_) {
      node->backward(*node);
      continue;
    }
    const Clock::time_point start = Clock::now();
    node->backward(*node);
    node->backward_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  backward_done_ = true;
}

void Tape::reset() {
  nodes_.clear();  // keeps its capacity: no allocation on the next step
  arena_.reset();
  backward_done_ = false;
  op_open_ = false;
}

}  // namespace tinygpt
