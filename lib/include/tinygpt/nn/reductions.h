/// @file reductions.h
/// @brief Sum and mean of all elements: the usual last step to a scalar loss.
///
/// Shapes: x is (N, C); out is the (1, 1) scalar.
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out = sum of all x.
/// @param out (1, 1) result.
/// @param x (N, C) input.
void sum_forward(MatrixRef out, ConstMatrixRef x);
/// @brief dx += dout (every element contributed once).
/// @param dx (N, C) gradient of the input.
/// @param dout (1, 1) gradient of the output.
void sum_backward(MatrixRef dx, ConstMatrixRef dout);

/// @brief out = mean of all x.
/// @param out (1, 1) result.
/// @param x (N, C) input, at least one element.
void mean_forward(MatrixRef out, ConstMatrixRef x);
/// @brief dx += dout / (N * C).
/// @param dx (N, C) gradient of the input.
/// @param dout (1, 1) gradient of the output.
void mean_backward(MatrixRef dx, ConstMatrixRef dout);

/// @brief Records the sum of all elements.
/// @param tape the tape.
/// @param x any shape.
/// @return a scalar (shape ()).
Tensor sum(Tape& tape, const Tensor& x);
/// @brief Records the mean of all elements; x must have at least one.
/// @param tape the tape.
/// @param x any shape.
/// @return a scalar (shape ()).
Tensor mean(Tape& tape, const Tensor& x);

}  // namespace tinygpt::nn
