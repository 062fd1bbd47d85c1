/// @file rows.h
/// @brief Rows put ahead of every sequence of a batch, and taken away again: how soft
/// prompts and prefix tuning (tune/prompt_tuning.h) put their virtual tokens in front of
/// the text.
///
/// prepend_rows() puts the same n rows in front of each of the B sequences of x (B, T, W):
/// out[b] = [ 0 | prefix ; x[b] ], (n + T, W). The prefix (n, K) fills the last K of the
/// W columns of the new rows and the first W - K are zero: a soft prompt's rows are whole
/// token embeddings (K = W = C); a prefix gives each layer's attention keys and values but
/// no queries (K = 2C of the fused W = 3C). Its gradient is the sum over the batch of the
/// new rows' gradients: every sequence read the same prefix.
///
/// drop_leading_rows() takes the first n rows of every sequence away again (the model's
/// output for the virtual tokens, which nothing reads).
///
/// The bodies of prepend_rows_forward and prepend_rows_backward are exercise 04.7: the
/// reference is solutions/04-finetuning/prepend_rows.cpp, the learner's stub
/// exercises/04-finetuning/prepend_rows.cpp.
#pragma once

#include <cstdint>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out = each sequence of x with the prefix rows in front (see the file).
/// @param out (B (n + T), W) result.
/// @param x (B T, W) the sequences, T rows each.
/// @param prefix (n, K), K <= W: the new rows' last K columns.
/// @param batch B.
void prepend_rows_forward(MatrixRef out, ConstMatrixRef x, ConstMatrixRef prefix,
                          std::int64_t batch);
/// @brief Accumulates (+=) the gradients of prepend_rows_forward: dx gets the text rows of
/// dout; dprefix the sum over the batch of the new rows' last K columns.
/// @param dx (B T, W), or empty: not wanted (skipped).
/// @param dprefix (n, K), or empty: not wanted (skipped).
/// @param dout (B (n + T), W) the gradient of out.
/// @param batch B.
void prepend_rows_backward(MatrixRef dx, MatrixRef dprefix, ConstMatrixRef dout,
                           std::int64_t batch);

/// @brief Records out = [0 | prefix ; x[b]] for every sequence b. Throws Error naming the
/// shapes when x is not (B, T, W) or the prefix is not (n, K) with K <= W.
/// @param tape the tape.
/// @param x (B, T, W).
/// @param prefix (n, K); K = 0 prepends n rows of zeros.
/// @return (B, n + T, W).
Tensor prepend_rows(Tape& tape, const Tensor& x, const Tensor& prefix);

/// @brief Records out[b] = x[b] without its first n rows (a gather: the gradient flows to
/// the rows kept).
/// @param tape the tape.
/// @param x (B, n + T, W).
/// @param count n, in [0, n + T).
/// @return (B, T, W).
Tensor drop_leading_rows(Tape& tape, const Tensor& x, std::int64_t count);

}  // namespace tinygpt::nn
