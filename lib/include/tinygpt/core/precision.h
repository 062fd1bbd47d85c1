/// @file precision.h
/// @brief The number format of a training run's matrix products: float32, or bfloat16
/// mixed precision.
///
/// In bf16 mixed precision (Micikevicius et al. 2018, "Mixed Precision Training"; Kalamkar
/// et al. 2019, "A Study of BFLOAT16 for Deep Learning Training"), the operands of every
/// matrix product with the weights (linear layers, the LM head) and of attention's
/// products are rounded to bfloat16 (core/bfloat16.h) and their products are summed in
/// float32. Everything else stays float32: the master weights and the optimizer's moments,
/// LayerNorm, softmax, GELU and the loss. A product of two bfloat16 values (8 significant
/// bits each) fits a float32's 24 bits exactly, so "round the operands, multiply in
/// float32" gives the numbers a bf16 matrix unit gives, up to the order of the sums.
///
/// Matrix units run such products in bfloat16 at several times float32's speed (AVX512_BF16
/// and AMX-BF16 on x86). tinygpt multiplies the rounded operands in float32 on every CPU:
/// the same numbers, so a learner sees bf16's effect on a run anywhere, but no faster (the
/// rounding cost 10% of a step on the journey's model).
#pragma once

#include <string>
#include <string_view>

namespace tinygpt {

/// @brief The number format of a run's matrix products.
enum class Precision {
  kFloat32,   ///< everything in float32 (the default, and the exercises' path)
  kBfloat16,  ///< products on bfloat16 operands, summed in float32; the rest in float32
};

/// @param name "float32" or "bf16".
/// @return the precision; an Error naming the value and the choices otherwise.
Precision parse_precision(std::string_view name);

/// @param precision a precision.
/// @return its name as parse_precision() reads it.
const char* precision_name(Precision precision);

/// @return whether this CPU has bfloat16 matrix instructions (AVX512_BF16 or AMX-BF16).
bool cpu_has_bf16_instructions();

/// @brief The one line a run in `precision` prints about how its products run on this CPU:
/// its products multiply bf16-rounded operands in float32 (the same numbers as a bf16
/// matrix unit's, no faster than float32), and whether this CPU has bf16 instructions.
/// @param precision the run's precision.
/// @return the line, or "" for float32.
std::string precision_note(Precision precision);

}  // namespace tinygpt
