// Rounded operands for bf16 mixed precision (bf16_operands.h).
#include "bf16_operands.h"

#include <algorithm>

#include "../core/parallel.h"
#include "tinygpt/core/bfloat16.h"
#include "tinygpt/core/precision.h"

namespace tinygpt::detail {

void round_all_to_bfloat16(const float* in, float* out, std::int64_t count) {
  parallel_for(blocks_of(count, kChunk), count, [&](std::int64_t chunk) {
    const std::int64_t first = chunk * kChunk;
    const std::int64_t last = std::min(count, first + kChunk);
    for (std::int64_t i = first; i < last; ++i) out[i] = round_to_bfloat16(in[i]);
  });
}

Tensor product_operand(Tape& tape, const Tensor& operand) {
  if (tape.precision() != Precision::kBfloat16) return operand;
  Tensor rounded = operand;
  rounded.data = tape.scratch(static_cast<std::size_t>(operand.numel()));
  round_all_to_bfloat16(operand.data, rounded.data, operand.numel());
  return rounded;
}

float* output_gradient_room(Tape& tape, const Tensor& out) {
  if (tape.precision() != Precision::kBfloat16 || out.grad == nullptr) return nullptr;
  return tape.scratch(static_cast<std::size_t>(out.numel()));
}

MatrixMap product_output_gradient(const Node& node) {
  if (node.saved == nullptr) return node.out.grad_matrix();
  round_all_to_bfloat16(node.out.grad, node.saved, node.out.numel());
  return MatrixMap(node.saved, node.out.shape.rows(), node.out.shape.cols());
}

}  // namespace tinygpt::detail
