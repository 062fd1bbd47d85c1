// bf16 mixed precision in the product drivers (core/precision.h): on a tape set to
// Precision::kBfloat16, linear, matmul and attention multiply operands rounded to bfloat16.
// The op functions (the exercises) are unchanged: the drivers hand them rounded copies.
// Private to nn, in the library's private namespace as parallel.h.
#pragma once

#include <cstdint>

#include "tinygpt/core/tape.h"

namespace tinygpt::detail {

/// @brief Rounds `count` floats to their nearest bfloat16 (as floats), across threads
/// when there are many. `in` and `out` may be the same buffer.
void round_all_to_bfloat16(const float* in, float* out, std::int64_t count);

/// @brief A product's operand as the tape's precision wants it.
/// @param tape the tape (its precision decides).
/// @param operand a tensor about to be multiplied.
/// @return `operand` itself in float32; in bf16, a tensor of the same shape whose values
/// are a rounded copy (in the tape's arena, so backward multiplies the same copy) and
/// whose gradient is `operand`'s own, so the gradient reaches the real tensor.
Tensor product_operand(Tape& tape, const Tensor& operand);

/// @brief In bf16, room for a rounded copy of a product's output gradient, kept as the
/// node's saved buffer; nullptr in float32.
/// @param tape the tape.
/// @param out the product's output.
float* output_gradient_room(Tape& tape, const Tensor& out);

/// @brief The output gradient a product's backward multiplies: node.out's own, or in bf16
/// (node.saved set by output_gradient_room()) a rounded copy of it in node.saved.
/// @param node the product's node.
/// @return a view of the gradient to multiply.
MatrixMap product_output_gradient(const Node& node);

}  // namespace tinygpt::detail
