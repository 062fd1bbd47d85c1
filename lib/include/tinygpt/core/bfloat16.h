/// @file bfloat16.h
/// @brief bfloat16 ("brain floating point"): a float32 with the low 16 bits of its
/// significand dropped.
///
/// A float32 is 1 sign bit, 8 exponent bits and 23 significand bits; bfloat16 keeps the
/// sign, all 8 exponent bits and the top 7 significand bits. So it has float32's exponents,
/// values from about 1e-38 to 3e38 (only the floats within 0.4% of the largest round up to
/// infinity), which is why training in it needs no loss scaling, unlike IEEE float16 with
/// its 5 exponent bits; and about 2 to 3 significant decimal digits: a relative rounding
/// error of at most 2^-8 (0.4%; float32's is 2^-24, from 23 stored bits and a leading 1).
/// Converting back is exact: shift the 16 bits up and fill with zeros, one instruction.
///
/// Rounding to bfloat16 here is to nearest, ties to even (as IEEE 754's default and the
/// matrix units' conversion instructions do): add 0x7FFF plus the lowest kept bit, then
/// truncate. A NaN stays a NaN (a quiet one), infinities stay infinities.
#pragma once

#include <cstdint>
#include <cstring>

namespace tinygpt {

/// @param value a float32.
/// @return its bfloat16 bits, rounded to nearest (ties to even).
inline std::uint16_t to_bfloat16(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  // A NaN could round up into an infinity's bits: keep it a NaN, its quiet bit set.
  if ((bits & 0x7FFF'FFFFu) > 0x7F80'0000u) return static_cast<std::uint16_t>((bits >> 16) | 0x40u);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

/// @param bits a bfloat16's bits.
/// @return its value as a float32 (exact).
inline float from_bfloat16(std::uint16_t bits) {
  const std::uint32_t widened = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &widened, sizeof(value));
  return value;
}

/// @param value a float32.
/// @return the bfloat16 nearest to it (ties to even), as a float32: what a product in bf16
/// mixed precision (core/precision.h) multiplies in its place.
inline float round_to_bfloat16(float value) {
  return from_bfloat16(to_bfloat16(value));
}

}  // namespace tinygpt
