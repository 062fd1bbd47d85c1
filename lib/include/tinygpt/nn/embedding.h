/// @file embedding.h
/// @brief Embedding lookup: row ids[i] of a table becomes row i of the output.
///
/// Shapes: table is (V, C); ids has N entries in [0, V); out is (N, C).
/// The bodies of the two functions below are exercise 01.4: the reference is
/// solutions/01-basics/embedding.cpp, the learner's stub exercises/01-basics/embedding.cpp.
#pragma once

#include <cstdint>
#include <span>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out[i] = table[ids[i]].
/// @param out (N, C) looked-up rows.
/// @param table (V, C) the embedding table.
/// @param ids N row ids in [0, V).
void embedding_forward(MatrixRef out, ConstMatrixRef table, std::span<const std::int32_t> ids);
/// @brief dtable[ids[i]] += dout[i]; an id used twice collects both rows.
/// @param dtable (V, C) gradient of the table.
/// @param dout (N, C) gradient of the output.
/// @param ids N row ids, as in the forward call.
void embedding_backward(MatrixRef dtable, ConstMatrixRef dout, std::span<const std::int32_t> ids);

/// @brief Records an embedding lookup. Throws Error naming the position and value of an
/// id outside [0, V).
/// @param tape the tape.
/// @param table (V, C) the table, usually a parameter.
/// @param ids N ids.
/// @return (N, C) rows.
Tensor embedding(Tape& tape, const Tensor& table, std::span<const std::int32_t> ids);

}  // namespace tinygpt::nn
