/// @file cross_entropy.h
/// @brief Softmax and cross-entropy fused: the loss of every classifier and language model.
///
/// loss = (1 / n) * sum over rows i with targets[i] != ignore_index of
///        -log softmax(logits[i])[targets[i]],   n = the number of such rows.
/// Fusing the two keeps it stable (log-sum-exp with the row maximum subtracted) and makes
/// the gradient simple: dlogits[i] = (probs[i] - onehot(targets[i])) / n.
///
/// Shapes: logits and probs are (N, V); targets has N ids in [0, V) or equal to
/// ignore_index (padding). When every row is ignored the loss and the gradient are 0.
/// The bodies of the two functions below are exercise 01.3: the reference is
/// solutions/01-basics/cross_entropy.cpp, the learner's stub exercises/01-basics/cross_entropy.cpp.
#pragma once

#include <cstdint>
#include <span>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief Computes the mean cross-entropy and keeps the probabilities for backward.
/// @param loss (1, 1) the mean loss over rows that are not ignored.
/// @param probs (N, V) softmax of the logits (every row, ignored ones too).
/// @param logits (N, V) unnormalised scores.
/// @param targets N target ids.
/// @param ignore_index rows whose target equals it do not count.
void softmax_cross_entropy_forward(MatrixRef loss, MatrixRef probs, ConstMatrixRef logits,
                                   std::span<const std::int32_t> targets,
                                   std::int32_t ignore_index);
/// @brief dlogits += dloss * (probs - onehot(targets)) / n on rows that are not ignored.
/// @param dlogits (N, V) gradient of the logits.
/// @param dloss (1, 1) gradient of the loss.
/// @param probs (N, V) from the forward call.
/// @param targets N target ids.
/// @param ignore_index as in the forward call.
void softmax_cross_entropy_backward(MatrixRef dlogits, ConstMatrixRef dloss, ConstMatrixRef probs,
                                    std::span<const std::int32_t> targets,
                                    std::int32_t ignore_index);

/// @brief Records the fused softmax + cross-entropy loss.
///
/// Throws Error when targets has not one id per row of logits, or an id is neither in
/// [0, V) nor ignore_index (the message gives its position and value).
/// @param tape the tape.
/// @param logits (..., V) scores; all leading dimensions are rows.
/// @param targets one id per row.
/// @param ignore_index id of rows to ignore (padding); -1 by default.
/// @return the mean loss, a scalar (shape ()).
Tensor softmax_cross_entropy(Tape& tape, const Tensor& logits,
                             std::span<const std::int32_t> targets, std::int32_t ignore_index = -1);

}  // namespace tinygpt::nn
