// Per-token int8 activations and exact int8 dot products (int8_dot.h).
#include "int8_dot.h"

#include <algorithm>
#include <cmath>
#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace tinygpt::detail {

void quantize_rows(const float* x, std::int64_t rows, std::int64_t stride, Int8Rows& out) {
  out.codes.resize(static_cast<std::size_t>(rows * stride));
  out.scales.resize(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * stride;
    float largest = 0.0f;
    for (std::int64_t k = 0; k < stride; ++k) largest = std::max(largest, std::abs(row[k]));
    out.scales[static_cast<std::size_t>(r)] = largest / 127.0f;
    const float inverse = largest == 0.0f ? 0.0f : 127.0f / largest;
    std::int8_t* codes = out.codes.data() + r * stride;
    for (std::int64_t k = 0; k < stride; ++k) {
      // Round to nearest (ties to even, the default mode); |x| / largest <= 1 keeps the code
      // in [-127, 127].
      codes[k] = static_cast<std::int8_t>(std::nearbyint(row[k] * inverse));
    }
  }
}

#ifdef __AVX2__
namespace {

// 32 products a[k] b[k] summed in 8 int32 lanes. maddubs multiplies unsigned by signed
// bytes, so a's sign moves onto b (sign_epi8) and a enters as |a|: two neighbouring
// products then sum to at most 2 x 127 x 127 = 32,258, within int16, so its saturation
// never happens and the sums are exact.
__m256i dot_32(__m256i a, __m256i b) {
  const __m256i products = _mm256_maddubs_epi16(_mm256_abs_epi8(a), _mm256_sign_epi8(b, a));
  return _mm256_madd_epi16(products, _mm256_set1_epi16(1));
}

__m128i dot_16(__m128i a, __m128i b) {
  const __m128i products = _mm_maddubs_epi16(_mm_abs_epi8(a), _mm_sign_epi8(b, a));
  return _mm_madd_epi16(products, _mm_set1_epi16(1));
}

}  // namespace
#endif

std::int32_t dot_int8(const std::int8_t* a, const std::int8_t* b, std::int64_t count) {
#ifdef __AVX2__
  // Two accumulators, so that one addition need not wait for the other.
  __m256i even = _mm256_setzero_si256();
  __m256i odd = _mm256_setzero_si256();
  std::int64_t k = 0;
  for (; k + 64 <= count; k += 64) {
    const auto* pa = reinterpret_cast<const __m256i*>(a + k);
    const auto* pb = reinterpret_cast<const __m256i*>(b + k);
    even = _mm256_add_epi32(even, dot_32(_mm256_loadu_si256(pa), _mm256_loadu_si256(pb)));
    odd = _mm256_add_epi32(odd, dot_32(_mm256_loadu_si256(pa + 1), _mm256_loadu_si256(pb + 1)));
  }
  __m256i sum = _mm256_add_epi32(even, odd);
  if (k + 32 <= count) {
    sum =
        _mm256_add_epi32(sum, dot_32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k)),
                                     _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k))));
    k += 32;
  }
  __m128i half = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  if (k < count) {  // the last 16
    half = _mm_add_epi32(half, dot_16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k)),
                                      _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + k))));
  }
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));  // lanes 0+2, 1+3
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));  // and the two sums
  return _mm_cvtsi128_si32(half);
#else
  std::int32_t sum = 0;
  for (std::int64_t k = 0; k < count; ++k) sum += std::int32_t{a[k]} * b[k];
  return sum;
#endif
}

}  // namespace tinygpt::detail
