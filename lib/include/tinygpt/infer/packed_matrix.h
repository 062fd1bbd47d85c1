/// @file packed_matrix.h
/// @brief Weight matrices stored for serving (float32, bfloat16, int8 or NF4), and the one
/// matrix-product kernel that reads them, whose results do not depend on the batch.
///
/// **Layout.** A packed matrix keeps each output channel's weights contiguous: W^T, (C_out,
/// C_in), rows padded with zeros to a multiple of 16 floats and the channel count to a
/// multiple of 4. A layer's output element is one dot product, x_row . W^T[channel].
///
/// **Batch invariance.** A BLAS library takes another path for 1 row than for 16 (a matrix-
/// vector product, a blocked one), and splits the sum over C_in differently, so the same
/// row gets results that differ in their last bits with the batch around it. Here every
/// output element is computed by the same instructions in the same order whatever the
/// batch: 16 lanes accumulate x[k] w[k] for k = lane, lane + 16, ..., then the lanes are
/// added as a fixed tree. Rows and channels are only grouped (4 rows by 4 channels per
/// inner loop, so that a weight read from memory serves four rows and an x read four
/// channels; a single row has a loop of its own), never mixed. Threads split the channels, which
/// changes who computes an element, not how.
///
/// **Formats.** bfloat16 keeps each weight's sign, exponent and top 7 significand bits (core/
/// bfloat16.h): half the bytes of float32, no scale to choose, every weight within 2^-8 of
/// itself relatively; the kernel widens 16 of them to floats as it loads them (a shift) and
/// does float32 arithmetic, so the products differ from float32's only by the weights'
/// rounding. int8 stores each weight as round(w / s_c) in [-127, 127] with one float
/// scale s_c = max_k |w_ck| / 127 per output channel (symmetric, per channel): a quarter of
/// the bytes, which is what a decode step of a large model is bound by. Its activations are
/// quantised too, per token: each row of x becomes int8 codes with its own scale s_r =
/// max_k |x_rk| / 127, so an output element is an integer dot product of codes, exact in
/// int32, times s_r s_c. Exact integer sums do not depend on their order, so int8 is
/// batch-invariant by construction, whatever instructions sum them (AVX2's byte
/// multiply-adds, 32 weights an instruction; a plain loop elsewhere; VNNI or AMX would give
/// the same integers). (int8 weights with float activations, converted to floats 16 at a
/// time, ran at only 1.1x float32's decode speed on GPT-2 on an AVX2 CPU: the conversions,
/// not memory, bounded it. Step 07's lesson has the figures and the perplexity cost.) The
/// float formats implement multiply_tile() on their own storage with the
/// shared kernel. NF4 (nf4.h: 4-bit NormalFloat codes, a double-quantised scale per block of
/// 64 weights along C_in, 4.127 bits a weight) has no cheap 16-wide load of its codes, so
/// its tile is dequantised into a float buffer and the float kernel runs on it: the same
/// arithmetic whatever the batch, on weights rounded once when they were packed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tinygpt/core/tensor.h"

namespace tinygpt::infer {

/// @brief How serving weights are stored.
enum class WeightFormat {
  kFloat32,  ///< as trained: 4 bytes a weight
  kBf16,     ///< bfloat16 (core/bfloat16.h), rounded to nearest: 2 bytes a weight, no scales
  kInt8,     ///< symmetric int8 per output channel: 1 byte a weight, plus a scale a channel
  kNf4,      ///< NF4 in blocks of 64 along C_in, double-quantised scales: 4.127 bits a weight
};

/// @param name "float32", "bf16", "int8" or "nf4".
/// @return the format; Error naming the value otherwise.
WeightFormat weight_format(const std::string& name);
/// @param format a format.
/// @return its name, as weight_format() reads it.
const char* weight_format_name(WeightFormat format);

/// @brief A weight matrix stored for serving, one output channel a row (see the file).
class PackedMatrix {
 public:
  /// Channels of a tile: what the kernel asks a format for at once.
  static constexpr std::int64_t kTileChannels = 32;
  /// Floats a packed row is padded to a multiple of (the kernel's lanes).
  static constexpr std::int64_t kLanes = 16;

  virtual ~PackedMatrix() = default;
  /// @return C_out, the output channels.
  std::int64_t outputs() const { return outputs_; }
  /// @return C_in, the inputs.
  std::int64_t inputs() const { return inputs_; }
  /// @return C_in rounded up to kLanes: the stride of a packed row.
  std::int64_t stride() const { return stride_; }
  /// @return C_out rounded up to kTileChannels.
  std::int64_t padded_outputs() const { return padded_outputs_; }
  /// @brief out[r][c] = x_r . W^T[first + c] for the tile of kTileChannels channels at
  /// `first`, each element computed as the file says.
  /// @param x rows of stride() floats (padded with zeros).
  /// @param rows how many: 1, or a multiple of 4.
  /// @param first a multiple of kTileChannels, below padded_outputs().
  /// @param out where element (r, c) goes: out[r * out_stride + c].
  /// @param out_stride the distance between out's rows.
  virtual void multiply_tile(const float* x, std::int64_t rows, std::int64_t first, float* out,
                             std::int64_t out_stride) const = 0;
  /// @return the bytes the weights take.
  virtual std::int64_t bytes() const = 0;

 protected:
  /// @param outputs C_out, at least 1.
  /// @param inputs C_in, at least 1.
  PackedMatrix(std::int64_t outputs, std::int64_t inputs);

 private:
  std::int64_t outputs_;
  std::int64_t inputs_;
  std::int64_t stride_;
  std::int64_t padded_outputs_;
};

/// @brief Packs a weight matrix.
/// @param weight (C_in, C_out) as a linear layer holds it, or (C_out, C_in) when transposed.
/// @param transposed whether `weight` is already (C_out, C_in) (the token embeddings used
///        as the output layer).
/// @param format how to store it.
/// @return the packed matrix.
std::unique_ptr<PackedMatrix> pack(ConstMatrixRef weight, bool transposed, WeightFormat format);

/// @brief out = x W + bias with a packed W, each element computed as the file says.
/// @param weight the packed W, C_in by C_out.
/// @param x (N, C_in).
/// @param bias C_out values, or nullptr.
/// @param out (N, C_out), overwritten.
void multiply(const PackedMatrix& weight, ConstMatrixRef x, const float* bias, MatrixRef out);

}  // namespace tinygpt::infer
