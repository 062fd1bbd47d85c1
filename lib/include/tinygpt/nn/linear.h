/// @file linear.h
/// @brief The linear (fully connected) layer: out = x W + b.
///
/// Shapes: x is (N, C_in); weight is (C_in, C_out), the layout of GPT-2's Conv1D, so that
/// GPT-2's weights load unchanged; bias is (1, C_out), or empty (0 x 0) for a layer
/// without one; out is (N, C_out).
/// Both functions are built on matmul_forward and matmul_backward (exercise 01.1).
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out = x weight + bias (overwrites out).
/// @param out (N, C_out) result.
/// @param x (N, C_in) input.
/// @param weight (C_in, C_out).
/// @param bias (1, C_out), or empty for no bias.
void linear_forward(MatrixRef out, ConstMatrixRef x, ConstMatrixRef weight, ConstMatrixRef bias);
/// @brief dx += dout weight^T; dweight += x^T dout; dbias += the column sums of dout.
///
/// An empty gradient is not computed (as in matmul_backward): the graph function shares the
/// backward between threads as pieces that each want only dx or only dweight and dbias.
/// @param dx (N, C_in), or empty.
/// @param dweight (C_in, C_out), or empty.
/// @param dbias (1, C_out), or empty (always, when the layer has no bias).
/// @param dout (N, C_out) gradient of the output.
/// @param x the forward input.
/// @param weight the forward weight.
void linear_backward(MatrixRef dx, MatrixRef dweight, MatrixRef dbias, ConstMatrixRef dout,
                     ConstMatrixRef x, ConstMatrixRef weight);

/// @brief Records out = x weight + bias.
/// @param tape the tape.
/// @param x (..., C_in); all leading dimensions are rows.
/// @param weight (C_in, C_out).
/// @param bias (C_out) or (1, C_out); a default Tensor{} (no data) for no bias.
/// @return (..., C_out).
Tensor linear(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace tinygpt::nn
