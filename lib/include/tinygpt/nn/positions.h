/// @file positions.h
/// @brief Absolute positional encodings: a table row per position, added to every sequence.
///
/// Attention by itself does not know the order of its inputs; adding row t of a table to
/// the embedding at position t tells it. The table is either learned (a parameter, GPT-2
/// and BERT) or fixed sinusoids (the original Transformer, Vaswani et al. 2017):
/// PE(t, 2i) = sin(t / 10000^(2i / C)), PE(t, 2i + 1) = cos(t / 10000^(2i / C)).
/// Shapes: x and out are (B*T, C); table is (P, C) with P >= start + T.
#pragma once

#include <cstdint>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief Fills the sinusoidal table: row t is PE(t, .).
/// @param table (P, C) output; C even or odd (the last column is then a sine).
void sinusoidal_positions(MatrixRef table);

/// @brief out[b*T + t] = x[b*T + t] + table[start + t].
/// @param out (B*T, C) result.
/// @param x (B*T, C) input.
/// @param table (P, C) position table.
/// @param time T, the sequence length; x.rows() must be a multiple of it.
/// @param start position of the first row of each sequence (0 unless a cache holds earlier ones).
void add_positions_forward(MatrixRef out, ConstMatrixRef x, ConstMatrixRef table, std::int64_t time,
                           std::int64_t start);
/// @brief dx += dout; dtable[start + t] += sum over b of dout[b*T + t].
/// @param dx (B*T, C), or empty: not wanted.
/// @param dtable (P, C), or empty: not wanted (a sinusoidal table is a constant).
/// @param dout (B*T, C).
/// @param time T.
/// @param start as in forward.
void add_positions_backward(MatrixRef dx, MatrixRef dtable, ConstMatrixRef dout, std::int64_t time,
                            std::int64_t start);

/// @brief Records x + table[start : start + T] broadcast over the batch.
///
/// Throws Error when x is not (B, T, C), the table's width is not C, or start + T exceeds
/// the table's rows (the message names the context length).
/// @param tape the tape.
/// @param x (B, T, C) embeddings.
/// @param table (P, C): a parameter (learned) or a tensor without gradient (sinusoidal).
/// @param start first position.
/// @return (B, T, C).
Tensor add_positions(Tape& tape, const Tensor& x, const Tensor& table, std::int64_t start = 0);

}  // namespace tinygpt::nn
