// The integer arithmetic of int8 serving weights (packed_matrix.h): rows of activations
// quantised to int8 per row, and exact int8 dot products. Private to infer.
#pragma once

#include <cstdint>
#include <vector>

namespace tinygpt::detail {

/// @brief Rows of float activations as int8 codes with one scale a row (symmetric, per token):
/// code = round(x / s) in [-127, 127], s = max |x| / 127 (a row of zeros gets s = 0).
struct Int8Rows {
  std::vector<std::int8_t> codes;  ///< rows x stride codes
  std::vector<float> scales;       ///< one a row
};

/// @brief Quantises `rows` rows of `stride` floats (zero padding stays zero).
/// @param x the rows, row after row.
/// @param rows how many.
/// @param stride floats a row.
/// @param out the codes and scales, resized.
void quantize_rows(const float* x, std::int64_t rows, std::int64_t stride, Int8Rows& out);

/// @brief sum_k a[k] b[k] over int8 codes in [-127, 127], exactly, in int32: the same
/// number whatever the instructions (AVX2's, or a plain loop), so a product built on it
/// is batch-invariant by construction.
/// @param a `count` codes.
/// @param b `count` codes.
/// @param count a multiple of 16, at most 2^31 / 127^2 (133,143).
/// @return the dot product.
std::int32_t dot_int8(const std::int8_t* a, const std::int8_t* b, std::int64_t count);

}  // namespace tinygpt::detail
