/// @file matmul.h
/// @brief Matrix multiplication: out = op(a) op(b), where op transposes or not.
///
/// Shapes: a is (M, K), or (K, M) when transpose_a; b is (K, N), or (N, K) when
/// transpose_b; out is (M, N). With transposes, y = x W^T (a linear layer with PyTorch's
/// weight layout) needs no copy of W.
///
/// The bodies of matmul_forward and matmul_backward are exercise 01.1: the reference is
/// solutions/01-basics/matmul.cpp, the learner's stub exercises/01-basics/matmul.cpp.
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out = op(a) op(b) (overwrites out).
/// @param out (M, N) result.
/// @param a (M, K), or (K, M) when transpose_a.
/// @param b (K, N), or (N, K) when transpose_b.
/// @param transpose_a use a transposed.
/// @param transpose_b use b transposed.
void matmul_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b, bool transpose_a,
                    bool transpose_b);

/// @brief Accumulates the gradients of out = op(a) op(b): da += ..., db += ...
///
/// An empty da or db (zero elements) is a gradient nobody asked for and is skipped: a
/// frozen weight, or one piece of a backward that the library splits across threads, where
/// some pieces compute only da (blocks of rows) and others only db (blocks of columns).
/// @param da same shape as a, or empty.
/// @param db same shape as b, or empty.
/// @param dout (M, N) gradient of the output.
/// @param a the forward input a.
/// @param b the forward input b.
/// @param transpose_a as in the forward call.
/// @param transpose_b as in the forward call.
void matmul_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef a,
                     ConstMatrixRef b, bool transpose_a, bool transpose_b);

/// @brief Records out = op(a) op(b) on the tape.
///
/// Without transpose_a, `a` may have any rank: (B, T, K) is multiplied as (B*T, K) and
/// the result is (B, T, N). Throws Error naming both shapes when they do not fit.
/// @param tape the tape.
/// @param a the left operand.
/// @param b the right operand, rank 2.
/// @param transpose_a use a transposed (a must then be rank 2).
/// @param transpose_b use b transposed.
/// @return the product.
Tensor matmul(Tape& tape, const Tensor& a, const Tensor& b, bool transpose_a = false,
              bool transpose_b = false);

}  // namespace tinygpt::nn
