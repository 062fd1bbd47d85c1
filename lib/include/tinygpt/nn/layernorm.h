/// @file layernorm.h
/// @brief Layer normalisation over the last dimension (Ba, Kiros, Hinton 2016).
///
/// For each row x of C values: mu = mean(x), var = mean((x - mu)^2) (the biased variance,
/// as PyTorch), rstd = 1 / sqrt(var + eps), xhat = (x - mu) rstd, out = xhat * gamma + beta.
/// Shapes: x, out and their gradients are (N, C); gamma and beta are (1, C); mean and rstd
/// are (N, 1), saved by forward for backward.
/// The bodies of layernorm_forward and layernorm_backward are exercise 02.3: the reference
/// is solutions/02-transformer/layernorm.cpp, the learner's stub
/// exercises/02-transformer/layernorm.cpp.
#pragma once

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// Default epsilon, as GPT-2 and PyTorch.
inline constexpr float kLayerNormEps = 1e-5f;

/// @brief out = (x - mean) * rstd * gamma + beta, row by row; keeps mean and rstd.
/// @param out (N, C) result.
/// @param mean (N, 1) each row's mean.
/// @param rstd (N, 1) each row's 1 / sqrt(var + eps).
/// @param x (N, C) input.
/// @param gamma (1, C) scale.
/// @param beta (1, C) shift.
/// @param eps added to the variance.
void layernorm_forward(MatrixRef out, MatrixRef mean, MatrixRef rstd, ConstMatrixRef x,
                       ConstMatrixRef gamma, ConstMatrixRef beta, float eps);
/// @brief Accumulates dx, dgamma and dbeta from dout.
///
/// With g = dout * gamma and xhat = (x - mean) rstd, row by row:
/// dx += rstd (g - mean(g) - xhat mean(g xhat)); dgamma += sum over rows of dout xhat;
/// dbeta += sum over rows of dout. An empty gradient is not wanted: skip its work.
/// @param dx (N, C), or empty.
/// @param dgamma (1, C), or empty.
/// @param dbeta (1, C), or empty.
/// @param dout (N, C) gradient of the output.
/// @param x (N, C) the forward input.
/// @param gamma (1, C) the forward scale.
/// @param mean (N, 1) from forward.
/// @param rstd (N, 1) from forward.
void layernorm_backward(MatrixRef dx, MatrixRef dgamma, MatrixRef dbeta, ConstMatrixRef dout,
                        ConstMatrixRef x, ConstMatrixRef gamma, ConstMatrixRef mean,
                        ConstMatrixRef rstd);

/// @brief Records layer normalisation of every row; the rows are split across threads.
/// @param tape the tape.
/// @param x (..., C).
/// @param gamma (C) or (1, C).
/// @param beta (C) or (1, C).
/// @param eps added to the variance.
/// @return x's shape.
Tensor layernorm(Tape& tape, const Tensor& x, const Tensor& gamma, const Tensor& beta,
                 float eps = kLayerNormEps);

}  // namespace tinygpt::nn
