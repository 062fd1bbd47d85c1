// Exercise 02.3, reference solution: layer normalisation, forward and backward.
#include "tinygpt/nn/layernorm.h"

#include <cmath>

namespace tinygpt::nn {

void layernorm_forward(MatrixRef out, MatrixRef mean, MatrixRef rstd, ConstMatrixRef x,
                       ConstMatrixRef gamma, ConstMatrixRef beta, float eps) {
  // out = (x - mu) / sqrt(var + eps) * gamma + beta, each row on its own.
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const float mu = x.row(i).mean();
    // The variance of the centred row, not E[x^2] - mu^2: that difference of two large
    // numbers loses float32 digits when the row has a large mean.
    const float var = (x.row(i).array() - mu).square().mean();
    mean(i, 0) = mu;
    rstd(i, 0) = 1.0f / std::sqrt(var + eps);
    out.row(i).array() = (x.row(i).array() - mu) * rstd(i, 0) * gamma.array() + beta.array();
  }
}

void layernorm_backward(MatrixRef dx, MatrixRef dgamma, MatrixRef dbeta, ConstMatrixRef dout,
                        ConstMatrixRef x, ConstMatrixRef gamma, ConstMatrixRef mean,
                        ConstMatrixRef rstd) {
  // In the forward pass this was: out = xhat * gamma + beta, with xhat = (x - mu) rstd.
  // So dgamma += dout * xhat and dbeta += dout, summed over rows, and g = dout * gamma is
  // the gradient reaching xhat. mu and rstd depend on every x_j of the row:
  //   dmu/dx_j = 1/C, drstd/dx_j = -rstd^3 (x_j - mu) / C = -rstd^2 xhat_j / C, so
  //   dxhat_k/dx_j = rstd ([k == j] - 1/C - xhat_k xhat_j / C), and summing g_k times it:
  //   dx_j = rstd (g_j - mean(g) - xhat_j mean(g xhat)).
  // An empty gradient is not wanted (a frozen gamma and beta, or an input that is data):
  // its work is skipped.
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    // Expressions over views, evaluated where they are used: nothing is allocated per row.
    const auto xhat = (x.row(i).array() - mean(i, 0)) * rstd(i, 0);
    if (dx.size() != 0) {
      const auto g = dout.row(i).array() * gamma.array();
      const float g_mean = g.mean();
      const float gxhat_mean = (g * xhat).mean();
      dx.row(i).array() += rstd(i, 0) * (g - g_mean - xhat * gxhat_mean);
    }
    if (dgamma.size() != 0) dgamma.array() += dout.row(i).array() * xhat;
    if (dbeta.size() != 0) dbeta += dout.row(i);
  }
}

}  // namespace tinygpt::nn
