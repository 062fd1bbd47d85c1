/// @file nf4.h
/// @brief 4-bit NormalFloat (NF4) weights with double-quantised scales: how QLoRA stores a
/// frozen base model (Dettmers et al., 2023, "QLoRA: Efficient Finetuning of Quantized
/// LLMs", section 3 and appendix E).
///
/// **The code.** Trained weights are close to normally distributed, so NF4's 16 levels are
/// quantiles of N(0, 1) rescaled to [-1, 1]: each level then stands for about as many
/// weights as any other, where 16 evenly spaced levels waste codes on the rare tails. The
/// levels are asymmetric so that 0 is one of them exactly (7 below it, 8 above).
///
/// **One block.** A block of kNf4BlockSize = 64 weights w is stored as its absmax
/// s = max_i |w_i| (one float) and, per weight, the 4-bit index of the level nearest to
/// w_i / s. Dequantised: w_i ~ s * kNf4Levels[code_i]. Two codes share a byte: weight 2j in
/// the high 4 bits of byte j, weight 2j + 1 in the low 4 bits.
///
/// **Double quantisation.** A float32 scale per 64 weights costs 32 / 64 = 0.5 bits per
/// weight; QLoRA quantises the scales themselves. The scheme implemented here:
///   1. m = the mean of all of the matrix's block scales s_b (one float32 per matrix);
///   2. the centred scales s_b - m, in groups of kNf4ScaleGroupSize = 256 blocks, each group
///      with one float32 constant c_g = max_{b in g} |s_b - m| / 127;
///   3. q_b = round((s_b - m) / c_g), an int8 in [-127, 127] (0 when c_g is 0);
///   4. the scale used when dequantising is s'_b = q_b c_g + m.
/// The paper subtracts the mean too but stores q_b as an 8-bit float; a symmetric int8 code
/// is used here (simpler, and the scales' error is far below the weights' own). Per weight:
/// 4 + 8 / 64 + 32 / (64 * 256) = 4.127 bits, plus 32 bits per matrix for m.
///
/// **A matrix.** Nf4Matrix holds a (rows, cols) row-major matrix flattened: block b is
/// elements [64 b, 64 b + 64) of the row-major order, the last block padded with zeros (a
/// block may run over the end of a row). For a linear layer's (C_in, C_out) weight a block
/// thus runs along the output channels of one input row. Forward and backward of a frozen
/// layer (QLoRA) dequantise a few rows at a time into a small float buffer:
///   forward   Y = X W:      multiply(), or dequantize_rows() and a float product per tile;
///   backward  dX += dY W^T: multiply_transposed_add(); W has no gradient (it is frozen).
///
/// The body of one block's quantise and dequantise is exercise 04.6
/// (solutions/04-finetuning/nf4_block.cpp); everything else is in src/infer/nf4.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/tensor.h"

namespace tinygpt::infer {

/// Weights per block: one absmax scale each.
inline constexpr std::int64_t kNf4BlockSize = 64;
/// Block scales per second-level group: one float32 constant each.
inline constexpr std::int64_t kNf4ScaleGroupSize = 256;

/// @brief The 16 NF4 levels, sorted, exactly as published in QLoRA's appendix E: quantiles
/// of N(0, 1) normalised to [-1, 1], with -1, 0 and 1 exact. Code i means kNf4Levels[i].
inline constexpr std::array<float, 16> kNf4Levels = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f,
};

/// @brief Quantises one block to NF4 codes: s = max_i |w_i|, code_i = the index of the level
/// nearest to w_i / s (ties to the lower index), two codes a byte as the file says. An all-
/// zero block has s = 0 and every code 7 (the level 0). Exercise 04.6.
/// @param block the weights, an even number of them (kNf4BlockSize in a matrix).
/// @param codes block.size() / 2 bytes, overwritten.
/// @return the block's absmax s.
float nf4_quantize_block(std::span<const float> block, std::span<std::uint8_t> codes);

/// @brief Dequantises one block: w_i = absmax * kNf4Levels[code_i]. Exercise 04.6.
/// @param codes the packed codes, as nf4_quantize_block() wrote them.
/// @param absmax the block's scale (after double quantisation, in a matrix).
/// @param block 2 * codes.size() floats, overwritten.
void nf4_dequantize_block(std::span<const std::uint8_t> codes, float absmax,
                          std::span<float> block);

/// @brief Blockwise absmax 4-bit quantisation with any 16 sorted levels in [-1, 1] (no
/// double quantisation), to compare codebooks: the RMS of the reconstruction error over
/// the RMS of the weights.
/// @param weights the values, quantised in blocks of kNf4BlockSize (the last one padded).
/// @param levels 16 sorted levels, e.g. kNf4Levels or uniform_4bit_levels().
/// @return RMS(w - dequantised w) / RMS(w); 0 when every weight is 0.
double blockwise_relative_rms_error(std::span<const float> weights,
                                    std::span<const float, 16> levels);

/// @return 16 evenly spaced levels -1, -1 + 2/15, ..., 1: the plain 4-bit absmax code NF4 is
/// measured against (it has no exact 0).
std::array<float, 16> uniform_4bit_levels();

/// @brief A (rows, cols) float matrix stored in NF4 with double-quantised scales (see the
/// file), dequantised on demand, a few rows at a time.
class Nf4Matrix {
 public:
  /// @brief Quantises a matrix.
  /// @param weight (rows, cols), both at least 1; e.g. a linear layer's (C_in, C_out).
  explicit Nf4Matrix(ConstMatrixRef weight);

  /// @brief Assembles a matrix from its stored parts (what read_nf4_safetensors() reads);
  /// checks every size and throws Error naming the one that does not fit.
  /// @param rows rows, at least 1.
  /// @param cols columns, at least 1.
  /// @param codes blocks() * kNf4BlockSize / 2 bytes.
  /// @param scales blocks() int8 block scales q_b.
  /// @param scale_constants groups() float32 constants c_g.
  /// @param scale_offset m, the mean of the block scales.
  Nf4Matrix(std::int64_t rows, std::int64_t cols, std::vector<std::uint8_t> codes,
            std::vector<std::int8_t> scales, std::vector<float> scale_constants,
            float scale_offset);

  /// @return the rows.
  std::int64_t rows() const { return rows_; }
  /// @return the columns.
  std::int64_t cols() const { return cols_; }
  /// @return the blocks: rows * cols / kNf4BlockSize, rounded up.
  std::int64_t blocks() const { return static_cast<std::int64_t>(scales_.size()); }
  /// @return the second-level groups: blocks() / kNf4ScaleGroupSize, rounded up.
  std::int64_t groups() const { return static_cast<std::int64_t>(scale_constants_.size()); }

  /// @brief Block b's scale after double quantisation: q_b c_g + m.
  /// @param block below blocks().
  /// @return s'_b.
  float block_scale(std::int64_t block) const;
  /// @brief Dequantises rows [first, first + count) into `out` (row r at out + r *
  /// out_stride; columns past cols() are left alone).
  /// @param first the first row.
  /// @param count rows, first + count <= rows().
  /// @param out (count, out_stride) floats.
  /// @param out_stride at least cols().
  void dequantize_rows(std::int64_t first, std::int64_t count, float* out,
                       std::int64_t out_stride) const;
  /// @brief Dequantises rows [first, first + count) into a dense (count, cols) matrix.
  /// @param first the first row.
  /// @param count rows, first + count <= rows().
  /// @return (count, cols).
  Matrix dequantize_rows(std::int64_t first, std::int64_t count) const;
  /// @return the whole matrix dequantised, (rows, cols): for tests and measurements; the
  /// products below never build it.
  Matrix dequantize() const { return dequantize_rows(0, rows_); }

  /// @brief out = x W, W dequantised kTileRows rows at a time (the forward of a frozen
  /// linear layer: y = x W).
  /// @param x (N, rows).
  /// @param out (N, cols), overwritten.
  void multiply(ConstMatrixRef x, MatrixRef out) const;
  /// @param x (N, rows).
  /// @return x W, (N, cols).
  Matrix multiply(ConstMatrixRef x) const;
  /// @brief dx += dy W^T, tile by tile (the backward of y = x W with respect to x; a frozen
  /// W has no gradient). Accumulates, as every backward does.
  /// @param dy (N, cols).
  /// @param dx (N, rows), added to.
  void multiply_transposed_add(ConstMatrixRef dy, MatrixRef dx) const;
  /// @param dy (N, cols).
  /// @return dy W^T, (N, rows).
  Matrix multiply_transposed(ConstMatrixRef dy) const;

  /// @return the bytes stored: codes, int8 scales, float32 constants and the offset.
  std::int64_t bytes() const;
  /// @return bytes() * 8 / (rows * cols): about 4.127 for a large matrix.
  double bits_per_parameter() const;

  /// @return the packed codes, two a byte (blocks() * 32 bytes).
  const std::vector<std::uint8_t>& codes() const { return codes_; }
  /// @return the int8 block scales q_b.
  const std::vector<std::int8_t>& scales() const { return scales_; }
  /// @return the float32 constants c_g, one per kNf4ScaleGroupSize blocks.
  const std::vector<float>& scale_constants() const { return scale_constants_; }
  /// @return m, the mean of the block scales.
  float scale_offset() const { return scale_offset_; }

  /// Rows of W dequantised at once by multiply() and multiply_transposed_add(), at most.
  static constexpr std::int64_t kTileRows = 64;

 private:
  std::int64_t rows_;
  std::int64_t cols_;
  std::vector<std::uint8_t> codes_;     // (blocks * 32): two codes a byte
  std::vector<std::int8_t> scales_;     // (blocks): q_b
  std::vector<float> scale_constants_;  // (groups): c_g
  float scale_offset_ = 0.0f;           // m
};

/// @brief Writes NF4 matrices to a safetensors file, atomically (a crash leaves the old
/// file or the new one). For a matrix named N: tensors "N.codes" (U8, [blocks * 32]),
/// "N.scales" (I8, [blocks]), "N.scale_constants" (F32, [groups]), "N.scale_offset" (F32,
/// [1]); metadata "N.shape" ("rows,cols"), "N.block_size" ("64"), "N.scale_group_size"
/// ("256"), and "format" = "nf4".
/// @param path the file.
/// @param matrices name -> matrix; names not empty and without '"'.
void write_nf4_safetensors(const std::filesystem::path& path,
                           const std::map<std::string, const Nf4Matrix*>& matrices);

/// @brief Reads every NF4 matrix of a file write_nf4_safetensors() wrote. Throws Error
/// naming the file and the tensor or metadata key at fault on a missing tensor, a wrong
/// dtype or size, a block size other than 64 or 256, or bytes that do not add up.
/// @param path the file.
/// @return name -> matrix.
std::map<std::string, Nf4Matrix> read_nf4_safetensors(const std::filesystem::path& path);

}  // namespace tinygpt::infer
