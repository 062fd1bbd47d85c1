/// @file activations.h
/// @brief Element-wise non-linearities: tanh and ReLU.
///
/// Shapes: x, out and their gradients are all (N, C).
/// The bodies of the four functions below are exercise 01.2: the reference is
/// solutions/01-basics/activations.cpp, the learner's stub exercises/01-basics/activations.cpp.
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out = tanh(x).
/// @param out (N, C) result.
/// @param x (N, C) input.
void tanh_forward(MatrixRef out, ConstMatrixRef x);
/// @brief dx += dout * (1 - out^2), using the forward output.
/// @param dx (N, C) gradient of the input.
/// @param dout (N, C) gradient of the output.
/// @param out (N, C) the forward output tanh(x).
void tanh_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out);

/// @brief out = max(x, 0).
/// @param out (N, C) result.
/// @param x (N, C) input.
void relu_forward(MatrixRef out, ConstMatrixRef x);
/// @brief dx += dout where the output is positive (the gradient at 0 is taken as 0).
/// @param dx (N, C) gradient of the input.
/// @param dout (N, C) gradient of the output.
/// @param out (N, C) the forward output max(x, 0).
void relu_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef out);

/// @brief Records tanh(x).
/// @param tape the tape.
/// @param x any shape.
/// @return tanh(x), x's shape.
Tensor tanh(Tape& tape, const Tensor& x);
/// @brief Records max(x, 0).
/// @param tape the tape.
/// @param x any shape.
/// @return relu(x), x's shape.
Tensor relu(Tape& tape, const Tensor& x);

}  // namespace tinygpt::nn
