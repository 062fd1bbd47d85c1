// Serving weights (infer/packed_matrix.h): float32, bfloat16, int8 and NF4 storage, and the
// batch-invariant product kernel.
#include "tinygpt/infer/packed_matrix.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif
#include <vector>

#include "../core/parallel.h"
#include "int8_dot.h"
#include "tinygpt/core/bfloat16.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/parameters.h"
#include "tinygpt/infer/nf4.h"

namespace tinygpt::infer {

// Lanes is passed and returned by value between the functions of this file only, so the
// note that its calling convention differs without AVX-512 concerns no caller elsewhere.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace {

// 16 floats that the compiler keeps in one vector register (AVX-512) or two (AVX); the
// arithmetic on them is lane by lane, so its order is the same on every machine that
// builds this code the same way.
using Lanes = float __attribute__((vector_size(PackedMatrix::kLanes * sizeof(float))));

Lanes load(const float* values) {
  Lanes lanes;
  std::memcpy(&lanes, values, sizeof(lanes));
  return lanes;
}

// 16 bfloat16 weights as floats, through a buffer: each widened alone, the loop left to the
// compiler. Without AVX-512, the kernel's groups of several rows run faster this way (a
// loaded weight vector is spilled to memory there anyway, as their Rows x 4 accumulators
// take every register); a single row runs faster on the load()s below.
Lanes load_through_memory(const std::uint16_t* values) {
  float floats[PackedMatrix::kLanes];
  for (std::int64_t i = 0; i < PackedMatrix::kLanes; ++i) floats[i] = from_bfloat16(values[i]);
  return load(floats);
}

#if defined(__AVX2__) && !defined(__AVX512F__)
// Two registers of 8 floats as the 16 lanes, which GCC keeps in two registers without
// AVX-512 (a shuffle of the pair, not a trip through memory).
Lanes join(__m256 low, __m256 high) {
  return __builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
#endif

// 16 bfloat16 weights as floats (exact: a bfloat16 is the top half of a float's bits, so
// widening to 32 bits and shifting left by 16 is the whole conversion).
Lanes load(const std::uint16_t* values) {
#if defined(__AVX512F__) || defined(__AVX2__)
  const __m256i halves = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(values));
#endif
#ifdef __AVX512F__
  return reinterpret_cast<Lanes>(
      _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(halves), 16)));
#elif defined(__AVX2__)
  const __m256i low = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(halves));
  const __m256i high = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(halves, 1));
  return join(_mm256_castsi256_ps(_mm256_slli_epi32(low, 16)),
              _mm256_castsi256_ps(_mm256_slli_epi32(high, 16)));
#else
  return load_through_memory(values);
#endif
}

// The weights of dot_group<Rows>: see load_through_memory().
template <std::int64_t Rows, typename Weight>
Lanes load_weights(const Weight* values) {
#ifndef __AVX512F__
  if constexpr (Rows > 1 && !std::is_same_v<Weight, float>) return load_through_memory(values);
#endif
  return load(values);
}

// The lanes' sum as a fixed tree: halves added to halves.
float sum(Lanes lanes) {
  float values[PackedMatrix::kLanes];
  std::memcpy(values, &lanes, sizeof(values));
  for (std::int64_t width = PackedMatrix::kLanes / 2; width > 0; width /= 2) {
    for (std::int64_t i = 0; i < width; ++i) values[i] += values[i + width];
  }
  return values[0];
}

std::int64_t round_up(std::int64_t value, std::int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Rows per inner loop when there are several: each weight vector loaded serves this many
// rows. One row (a single sequence's decode step) has a loop of its own.
constexpr std::int64_t kRowGroup = 4;
// Channels per inner loop: each x vector loaded serves this many channels.
constexpr std::int64_t kChannelGroup = 4;
static_assert(PackedMatrix::kTileChannels % kChannelGroup == 0);

// out[r][c] = x_r . w_c for `Rows` rows from x and the kChannelGroup channels from w: each of the
// Rows x kChannelGroup dot products in its own 16 lanes, accumulated in the order of k, then summed
// as a fixed tree. The arithmetic of one element is the same for any Rows: that is what makes the
// products batch-invariant.
template <std::int64_t Rows, typename Weight>
void dot_group(const float* x, const Weight* w, std::int64_t stride, float* out,
               std::int64_t out_stride) {
  Lanes acc[Rows][kChannelGroup] = {};
  for (std::int64_t k = 0; k < stride; k += PackedMatrix::kLanes) {
    Lanes inputs[Rows];
    for (std::int64_t i = 0; i < Rows; ++i) inputs[i] = load(x + i * stride + k);
    for (std::int64_t j = 0; j < kChannelGroup; ++j) {
      const Lanes weights = load_weights<Rows>(w + j * stride + k);
      for (std::int64_t i = 0; i < Rows; ++i) acc[i][j] += inputs[i] * weights;
    }
  }
  for (std::int64_t i = 0; i < Rows; ++i) {
    for (std::int64_t j = 0; j < kChannelGroup; ++j) {
      out[i * out_stride + j] = sum(acc[i][j]);
    }
  }
}

// The channels of one tile for `rows` rows: 1, or a multiple of kRowGroup. `Weight` is
// float or bfloat16 bits (widened to float as it is loaded).
template <typename Weight>
void dot_tile(const float* x, std::int64_t rows, const Weight* w, std::int64_t stride, float* out,
              std::int64_t out_stride) {
  for (std::int64_t c = 0; c < PackedMatrix::kTileChannels; c += kChannelGroup) {
    const Weight* group = w + c * stride;
    if (rows == 1) {
      dot_group<1>(x, group, stride, out + c, out_stride);
      continue;
    }
    for (std::int64_t r = 0; r < rows; r += kRowGroup) {
      dot_group<kRowGroup>(x + r * stride, group, stride, out + r * out_stride + c, out_stride);
    }
  }
}

// Copies (C_out, C_in) or (C_in, C_out) weights into padded channel rows.
template <typename Store>
void for_each_channel(ConstMatrixRef weight, bool transposed, const PackedMatrix& shape,
                      const Store& store) {
  std::vector<float> row(static_cast<std::size_t>(shape.stride()), 0.0f);
  for (std::int64_t c = 0; c < shape.outputs(); ++c) {
    for (std::int64_t k = 0; k < shape.inputs(); ++k) {
      row[static_cast<std::size_t>(k)] = transposed ? weight(c, k) : weight(k, c);
    }
    store(c, row);
  }
}

// Weights the float kernel reads as they are stored: float32, or bfloat16 bits (widened as
// they are loaded).
template <typename Weight>
class FloatKernelMatrix final : public PackedMatrix {
 public:
  FloatKernelMatrix(ConstMatrixRef weight, bool transposed)
      : PackedMatrix(transposed ? weight.rows() : weight.cols(),
                     transposed ? weight.cols() : weight.rows()),
        values_(static_cast<std::size_t>(padded_outputs() * stride()), 0) {
    for_each_channel(weight, transposed, *this, [&](std::int64_t c, const std::vector<float>& row) {
      std::transform(row.begin(), row.end(), values_.begin() + c * stride(), [](float w) {
        if constexpr (std::is_same_v<Weight, float>) {
          return w;
        } else {
          return to_bfloat16(w);
        }
      });
    });
  }
  void multiply_tile(const float* x, std::int64_t rows, std::int64_t first, float* out,
                     std::int64_t out_stride) const override {
    dot_tile(x, rows, values_.data() + first * stride(), stride(), out, out_stride);
  }
  std::int64_t bytes() const override {
    return outputs() * inputs() * static_cast<std::int64_t>(sizeof(Weight));
  }

 private:
  std::conditional_t<std::is_same_v<Weight, float>, AlignedFloats, std::vector<Weight>> values_;
};

class Int8Matrix final : public PackedMatrix {
 public:
  Int8Matrix(ConstMatrixRef weight, bool transposed)
      : PackedMatrix(transposed ? weight.rows() : weight.cols(),
                     transposed ? weight.cols() : weight.rows()),
        values_(static_cast<std::size_t>(padded_outputs() * stride()), 0),
        scales_(static_cast<std::size_t>(padded_outputs()), 0.0f) {
    // A dot product of int8 codes must fit int32: C_in x 127^2 < 2^31.
    TINYGPT_CHECK(stride() <= 133'120, "pack: int8 weights with ", inputs(),
                  " inputs a channel: at most 133,120 fit an int32 dot product");
    for_each_channel(weight, transposed, *this, [&](std::int64_t c, const std::vector<float>& row) {
      float largest = 0.0f;
      for (const float w : row) largest = std::max(largest, std::abs(w));
      const float scale = largest / 127.0f;
      scales_[static_cast<std::size_t>(c)] = scale;
      std::int8_t* out = values_.data() + c * stride();
      for (std::size_t k = 0; k < row.size(); ++k) {
        out[k] = scale == 0.0f ? 0 : static_cast<std::int8_t>(std::lround(row[k] / scale));
      }
    });
  }
  // Each row of x is quantised to int8 (per token, int8_dot.h), each output element is an
  // exact integer dot product times the two scales. The rows are quantised again for every
  // tile, a 1/kTileChannels share of the tile's work, so that tiles stay independent.
  void multiply_tile(const float* x, std::int64_t rows, std::int64_t first, float* out,
                     std::int64_t out_stride) const override {
    thread_local detail::Int8Rows activations;
    detail::quantize_rows(x, rows, stride(), activations);
    for (std::int64_t c = 0; c < kTileChannels; ++c) {
      const std::int8_t* weights = values_.data() + (first + c) * stride();
      const float scale = scales_[static_cast<std::size_t>(first + c)];
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int32_t dot =
            detail::dot_int8(activations.codes.data() + r * stride(), weights, stride());
        out[r * out_stride + c] =
            static_cast<float>(dot) * (activations.scales[static_cast<std::size_t>(r)] * scale);
      }
    }
  }
  std::int64_t bytes() const override {
    return outputs() * inputs() + outputs() * static_cast<std::int64_t>(sizeof(float));
  }

 private:
  std::vector<std::int8_t> values_;
  std::vector<float> scales_;
};

// W^T, (C_out, C_in), in NF4: each channel's weights in blocks of 64 along C_in. A tile's
// 32 channels are dequantised into a padded float buffer, then multiplied by the float
// kernel.
class Nf4PackedMatrix final : public PackedMatrix {
 public:
  Nf4PackedMatrix(ConstMatrixRef weight, bool transposed)
      : PackedMatrix(transposed ? weight.rows() : weight.cols(),
                     transposed ? weight.cols() : weight.rows()),
        values_(transposed ? Nf4Matrix(weight) : Nf4Matrix(Matrix(weight.transpose()))) {}
  void multiply_tile(const float* x, std::int64_t rows, std::int64_t first, float* out,
                     std::int64_t out_stride) const override {
    // Zeros where no weight is: columns past C_in, channels past C_out.
    thread_local AlignedFloats tile;
    tile.assign(static_cast<std::size_t>(kTileChannels * stride()), 0.0f);
    const std::int64_t channels = std::min(kTileChannels, outputs() - first);
    if (channels > 0) values_.dequantize_rows(first, channels, tile.data(), stride());
    dot_tile(x, rows, tile.data(), stride(), out, out_stride);
  }
  std::int64_t bytes() const override { return values_.bytes(); }

 private:
  Nf4Matrix values_;
};

}  // namespace

WeightFormat weight_format(const std::string& name) {
  for (const WeightFormat format :
       {WeightFormat::kFloat32, WeightFormat::kBf16, WeightFormat::kInt8, WeightFormat::kNf4}) {
    if (name == weight_format_name(format)) return format;
  }
  TINYGPT_CHECK(false, "weight format \"", name,
                "\": expected \"float32\", \"bf16\", \"int8\" or \"nf4\"");
  return WeightFormat::kFloat32;
}

const char* weight_format_name(WeightFormat format) {
  switch (format) {
    case WeightFormat::kBf16:
      return "bf16";
    case WeightFormat::kInt8:
      return "int8";
    case WeightFormat::kNf4:
      return "nf4";
    case WeightFormat::kFloat32:
      break;
  }
  return "float32";
}

PackedMatrix::PackedMatrix(std::int64_t outputs, std::int64_t inputs)
    : outputs_(outputs),
      inputs_(inputs),
      stride_(round_up(inputs, kLanes)),
      padded_outputs_(round_up(outputs, kTileChannels)) {
  TINYGPT_CHECK(outputs > 0 && inputs > 0, "pack: an empty weight matrix (", inputs, " x ", outputs,
                ")");
}

std::unique_ptr<PackedMatrix> pack(ConstMatrixRef weight, bool transposed, WeightFormat format) {
  if (format == WeightFormat::kBf16) {
    return std::make_unique<FloatKernelMatrix<std::uint16_t>>(weight, transposed);
  }
  if (format == WeightFormat::kInt8) return std::make_unique<Int8Matrix>(weight, transposed);
  if (format == WeightFormat::kNf4) return std::make_unique<Nf4PackedMatrix>(weight, transposed);
  return std::make_unique<FloatKernelMatrix<float>>(weight, transposed);
}

void multiply(const PackedMatrix& weight, ConstMatrixRef x, const float* bias, MatrixRef out) {
  TINYGPT_CHECK(
      x.cols() == weight.inputs() && out.rows() == x.rows() && out.cols() == weight.outputs(),
      "multiply: x is (", x.rows(), ", ", x.cols(), "), the weight ", weight.inputs(), " x ",
      weight.outputs(), ", out (", out.rows(), ", ", out.cols(), ")");
  const std::int64_t stride = weight.stride();
  const std::int64_t rows = x.rows() == 1 ? 1 : round_up(x.rows(), kRowGroup);
  const std::int64_t padded_outputs = weight.padded_outputs();
  // x's rows padded as the weights' are, and to a whole group of rows with rows of zeros;
  // the result's columns padded to whole tiles; the paddings are dropped at the end.
  thread_local std::vector<float> padded_x;
  thread_local std::vector<float> padded_out;
  padded_x.assign(static_cast<std::size_t>(rows * stride), 0.0f);
  padded_out.resize(static_cast<std::size_t>(rows * padded_outputs));
  for (std::int64_t r = 0; r < x.rows(); ++r) {
    std::copy_n(x.row(r).data(), x.cols(), padded_x.data() + r * stride);
  }
  const float* xs = padded_x.data();
  float* outs = padded_out.data();
  const std::int64_t tiles = padded_outputs / PackedMatrix::kTileChannels;
  detail::parallel_for(tiles, rows * stride * padded_outputs, [&](std::int64_t tile) {
    const std::int64_t first = tile * PackedMatrix::kTileChannels;
    weight.multiply_tile(xs, rows, first, outs + first, padded_outputs);
  });
  for (std::int64_t r = 0; r < x.rows(); ++r) {
    for (std::int64_t c = 0; c < weight.outputs(); ++c) {
      out(r, c) = padded_out[static_cast<std::size_t>(r * padded_outputs + c)] +
                  (bias != nullptr ? bias[c] : 0.0f);
    }
  }
}

}  // namespace tinygpt::infer
