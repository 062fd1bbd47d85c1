/// @file gelu.h
/// @brief GELU, the Gaussian error linear unit (Hendrycks, Gimpel 2016), in the tanh
/// approximation GPT-2 uses: gelu(x) = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
///
/// Shapes: x, out and their gradients are (N, C).
/// The bodies of gelu_forward and gelu_backward are exercise 02.4: the reference is
/// solutions/02-transformer/gelu.cpp, the learner's stub exercises/02-transformer/gelu.cpp.
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief out = gelu(x), the tanh approximation.
/// @param out (N, C) result.
/// @param x (N, C) input.
void gelu_forward(MatrixRef out, ConstMatrixRef x);
/// @brief dx += dout * gelu'(x).
/// @param dx (N, C) gradient of the input.
/// @param dout (N, C) gradient of the output.
/// @param x (N, C) the forward input.
void gelu_backward(MatrixRef dx, ConstMatrixRef dout, ConstMatrixRef x);

/// @brief Records gelu(x); rows are split across threads.
/// @param tape the tape.
/// @param x any shape.
/// @return x's shape.
Tensor gelu(Tape& tape, const Tensor& x);

}  // namespace tinygpt::nn
