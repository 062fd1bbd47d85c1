/// @file dropout.h
/// @brief Inverted dropout: zero each value with probability p, scale the rest by 1 / (1 - p).
///
/// The mask is a pure function of (seed, step, row): row r draws its C uniforms from
/// CounterRng(key.seed, RngStream::kDropout, key.step, key.index + r). So a resumed run or
/// another process that computes the same rows gets the same mask. In evaluation mode
/// (p = 0, or the model not training) dropout is the identity and records nothing.
/// Shapes: x, out, mask and their gradients are (N, C).
#pragma once

#include <cstdint>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief Where a dropout mask's random numbers come from.
struct DropoutKey {
  std::uint64_t seed = 0;  ///< the run's seed
  std::uint64_t step = 0;  ///< the training step
  /// CounterRng index of row 0; the model gives each call site its own range of indices.
  std::uint64_t index = 0;
};

/// @brief out = x * mask, where mask holds 0 (dropped) or 1 / (1 - p) (kept).
/// @param out (N, C) result.
/// @param mask (N, C) the scaled keep mask, kept for backward.
/// @param x (N, C) input.
/// @param p drop probability in [0, 1).
/// @param key where the random numbers come from.
void dropout_forward(MatrixRef out, MatrixRef mask, ConstMatrixRef x, float p,
                     const DropoutKey& key);
/// @brief dx += dout * mask.
/// @param dx (N, C).
/// @param dout (N, C).
/// @param mask (N, C) from forward.
void dropout_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef mask);

/// @brief Records dropout; with p == 0 it returns x itself and records nothing.
/// @param tape the tape.
/// @param x any shape.
/// @param p drop probability in [0, 1); anything else throws Error.
/// @param key where the random numbers come from.
/// @return x's shape.
Tensor dropout(Tape& tape, const Tensor& x, float p, const DropoutKey& key);

}  // namespace tinygpt::nn
