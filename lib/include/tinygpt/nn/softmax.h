/// @file softmax.h
/// @brief Softmax and log-softmax over the last dimension (each row of the 2-D view).
///
/// Shapes: x, out and their gradients are (N, V); every row is one distribution.
/// Both subtract the row maximum before exponentiating, so large logits do not overflow.
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out[i, j] = exp(x[i, j] - m_i) / sum_k exp(x[i, k] - m_i), m_i = max_k x[i, k].
/// @param out (N, V) probabilities.
/// @param x (N, V) logits.
void softmax_forward(MatrixRef out, ConstMatrixRef x);
/// @brief dx += out * (dout - sum_j dout[i, j] out[i, j]), row by row.
/// @param dx (N, V) gradient of the logits.
/// @param dout (N, V) gradient of the probabilities.
/// @param out (N, V) the forward output.
void softmax_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out);

/// @brief out[i, j] = x[i, j] - m_i - log sum_k exp(x[i, k] - m_i).
/// @param out (N, V) log-probabilities.
/// @param x (N, V) logits.
void log_softmax_forward(MatrixRef out, ConstMatrixRef x);
/// @brief dx += dout - exp(out) * sum_j dout[i, j], row by row.
/// @param dx (N, V) gradient of the logits.
/// @param dout (N, V) gradient of the log-probabilities.
/// @param out (N, V) the forward output.
void log_softmax_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out);

/// @brief Records softmax over the last dimension.
/// @param tape the tape.
/// @param x any shape with a non-empty last dimension.
/// @return probabilities, x's shape.
Tensor softmax(Tape& tape, const Tensor& x);
/// @brief Records log-softmax over the last dimension.
/// @param tape the tape.
/// @param x any shape with a non-empty last dimension.
/// @return log-probabilities, x's shape.
Tensor log_softmax(Tape& tape, const Tensor& x);

}  // namespace tinygpt::nn
