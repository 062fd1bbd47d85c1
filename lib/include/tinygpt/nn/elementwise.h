/// @file elementwise.h
/// @brief Element-wise add, sub and mul, with a row vector broadcast over rows.
///
/// Shapes: a is (N, C); b is (N, C), or (1, C) to apply the same row to every row of a
/// (a bias, say); out is (N, C). Gradients of a broadcast b sum over the rows.
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out = a + b.
/// @param out (N, C) result.
/// @param a (N, C).
/// @param b (N, C) or (1, C).
void add_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b);
/// @brief da += dout; db += dout (summed over rows when b is broadcast).
/// @param da (N, C), or empty: not wanted (skipped).
/// @param db (N, C) or (1, C), or empty: not wanted (skipped).
/// @param dout (N, C).
void add_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout);

/// @brief out = a - b.
/// @param out (N, C) result.
/// @param a (N, C).
/// @param b (N, C) or (1, C).
void sub_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b);
/// @brief da += dout; db -= dout (summed over rows when b is broadcast).
/// @param da (N, C), or empty: not wanted (skipped).
/// @param db (N, C) or (1, C), or empty: not wanted (skipped).
/// @param dout (N, C).
void sub_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout);

/// @brief out = a * b, element by element.
/// @param out (N, C) result.
/// @param a (N, C).
/// @param b (N, C) or (1, C).
void mul_forward(MatrixRef out, ConstMatrixRef a, ConstMatrixRef b);
/// @brief da += dout * b; db += dout * a (summed over rows when b is broadcast).
/// @param da (N, C), or empty: not wanted (skipped).
/// @param db (N, C) or (1, C), or empty: not wanted (skipped).
/// @param dout (N, C).
/// @param a the forward input a.
/// @param b the forward input b.
void mul_backward(MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef a,
                  ConstMatrixRef b);

/// @brief Records a + b. b has a's shape, or is a row of a.cols() values (shape (C) or
/// (1, C)) broadcast over a's rows; anything else throws Error naming both shapes.
/// @param tape the tape.
/// @param a the left operand.
/// @param b the right operand.
/// @return the sum, with a's shape.
Tensor add(Tape& tape, const Tensor& a, const Tensor& b);
/// @brief Records a - b, with the shape rules of add().
/// @param tape the tape.
/// @param a the left operand.
/// @param b the right operand.
/// @return the difference, with a's shape.
Tensor sub(Tape& tape, const Tensor& a, const Tensor& b);
/// @brief Records a * b (element-wise), with the shape rules of add().
/// @param tape the tape.
/// @param a the left operand.
/// @param b the right operand.
/// @return the product, with a's shape.
Tensor mul(Tape& tape, const Tensor& a, const Tensor& b);

}  // namespace tinygpt::nn
