// Layer normalisation (exercise 02.3): known values, a scalar reference for backward,
// accumulation, gradients, the threaded driver, bad shapes.
#include <cmath>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/layernorm.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::contains;
using tinygpt::testing::matrix_of;

namespace {
// The gradient of layer normalisation by its definition, one scalar at a time in double:
// dx_j = sum_k dout_k gamma_k dxhat_k/dx_j, with dxhat_k/dx_j = rstd ([k == j] - 1/C - xhat_k
// xhat_j / C).
Matrix layernorm_dx_naive(const Matrix& dout, const Matrix& x, const Matrix& gamma, float eps) {
  const Eigen::Index cols = x.cols();
  Matrix dx(x.rows(), cols);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double mean = 0.0, var = 0.0;
    for (Eigen::Index j = 0; j < cols; ++j) mean += x(i, j) / double(cols);
    for (Eigen::Index j = 0; j < cols; ++j)
      var += (x(i, j) - mean) * (x(i, j) - mean) / double(cols);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (Eigen::Index j = 0; j < cols; ++j) {
      double total = 0.0;
      for (Eigen::Index k = 0; k < cols; ++k) {
        const double xhat_k = (x(i, k) - mean) * rstd, xhat_j = (x(i, j) - mean) * rstd;
        const double dxhat =
            rstd * ((k == j ? 1.0 : 0.0) - 1.0 / double(cols) - xhat_k * xhat_j / double(cols));
        total += double{dout(i, k)} * gamma(0, k) * dxhat;
      }
      dx(i, j) = static_cast<float>(total);
    }
  }
  return dx;
}
}  // namespace

TEST_CASE("layernorm forward gives hand-computed values", "[step02][layernorm][ex02.3]") {
  // Row 0: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25. Row 1 sits on a large
  // mean: the variance must be computed from the centred values to keep its digits.
  const Matrix x = matrix_of({{1, 2, 3, 4}, {1000, 1001, 1002, 1003}});
  const Matrix gamma = matrix_of({{1, 2, -1, 0.5f}});
  const Matrix beta = matrix_of({{0, 1, 0, -1}});
  Matrix out(2, 4), mean(2, 1), rstd(2, 1);
  nn::layernorm_forward(out, mean, rstd, x, gamma, beta, 1e-5f);
  CHECK_THAT(mean(0, 0), WithinAbs(2.5, 1e-6));
  CHECK_THAT(mean(1, 0), WithinAbs(1001.5, 1e-3));
  const double r = 1.0 / std::sqrt(1.25 + 1e-5);
  CHECK_THAT(rstd(0, 0), WithinAbs(r, 1e-5));
  CHECK_THAT(rstd(1, 0), WithinAbs(r, 1e-4));
  const double xhat[] = {-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r};
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 4; ++j) {
      CHECK_THAT(out(i, j), WithinAbs(xhat[j] * gamma(0, j) + beta(0, j), 1e-4));
    }
  }
}

TEST_CASE("layernorm backward matches the scalar definition and accumulates",
          "[step02][layernorm][ex02.3]") {
  ParameterSet parameters;
  const Matrix x = testing::random_parameter(parameters, "x", Shape{3, 5}, 301).matrix();
  const Matrix gamma = testing::random_parameter(parameters, "gamma", Shape{1, 5}, 302).matrix();
  const Matrix beta = testing::random_parameter(parameters, "beta", Shape{1, 5}, 303).matrix();
  const Matrix dout = testing::random_parameter(parameters, "dout", Shape{3, 5}, 304).matrix();
  Matrix out(3, 5), mean(3, 1), rstd(3, 1);
  nn::layernorm_forward(out, mean, rstd, x, gamma, beta, 1e-5f);

  Matrix dx = Matrix::Zero(3, 5), dgamma = Matrix::Zero(1, 5), dbeta = Matrix::Zero(1, 5);
  nn::layernorm_backward(dx, dgamma, dbeta, dout, x, gamma, mean, rstd);
  const Matrix expected_dx = layernorm_dx_naive(dout, x, gamma, 1e-5f);
  Matrix expected_dgamma = Matrix::Zero(1, 5);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 5; ++j)
      expected_dgamma(0, j) += dout(i, j) * (x(i, j) - mean(i, 0)) * rstd(i, 0);
  }
  CHECK((dx - expected_dx).cwiseAbs().maxCoeff() < 1e-5f);
  CHECK((dgamma - expected_dgamma).cwiseAbs().maxCoeff() < 1e-5f);
  CHECK((dbeta - dout.colwise().sum()).cwiseAbs().maxCoeff() < 1e-5f);

  nn::layernorm_backward(dx, dgamma, dbeta, dout, x, gamma, mean, rstd);
  CHECK((dx - 2 * expected_dx).cwiseAbs().maxCoeff() < 2e-5f);
  CHECK((dgamma - 2 * expected_dgamma).cwiseAbs().maxCoeff() < 2e-5f);
  CHECK((dbeta - 2 * dout.colwise().sum()).cwiseAbs().maxCoeff() < 2e-5f);
}

TEST_CASE("layernorm backward skips an empty gradient and still computes the others",
          "[step02][layernorm][ex02.3]") {
  // An empty view is a gradient nobody wants: frozen gamma and beta, or an input that is
  // data. Each combination must give the wanted gradients exactly as the full call does.
  ParameterSet parameters;
  const Matrix x = testing::random_parameter(parameters, "x", Shape{3, 5}, 311).matrix();
  const Matrix gamma = testing::random_parameter(parameters, "gamma", Shape{1, 5}, 312).matrix();
  const Matrix beta = testing::random_parameter(parameters, "beta", Shape{1, 5}, 313).matrix();
  const Matrix dout = testing::random_parameter(parameters, "dout", Shape{3, 5}, 314).matrix();
  Matrix out(3, 5), mean(3, 1), rstd(3, 1);
  nn::layernorm_forward(out, mean, rstd, x, gamma, beta, 1e-5f);
  Matrix dx = Matrix::Zero(3, 5), dgamma = Matrix::Zero(1, 5), dbeta = Matrix::Zero(1, 5);
  nn::layernorm_backward(dx, dgamma, dbeta, dout, x, gamma, mean, rstd);

  Matrix none, only_dx = Matrix::Zero(3, 5);
  nn::layernorm_backward(only_dx, none, none, dout, x, gamma, mean, rstd);
  CHECK(only_dx == dx);
  Matrix only_dgamma = Matrix::Zero(1, 5), only_dbeta = Matrix::Zero(1, 5);
  nn::layernorm_backward(none, only_dgamma, only_dbeta, dout, x, gamma, mean, rstd);
  CHECK(only_dgamma == dgamma);
  CHECK(only_dbeta == dbeta);
}

TEST_CASE("layernorm gradients match finite differences", "[step02][layernorm][ex02.3]") {
  ParameterSet parameters;
  // 3 * 7 = 21 rows: more than one row block of the driver, the last one short.
  const Tensor x = testing::random_parameter(parameters, "x", Shape{3, 7, 5}, 311);
  const Tensor gamma = testing::random_parameter(parameters, "gamma", Shape{5}, 312);
  const Tensor beta = testing::random_parameter(parameters, "beta", Shape{5}, 313);
  const Tensor inputs[] = {x, gamma, beta};
  const auto result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        return nn::layernorm(tape, in[0], in[1], in[2]);
      },
      inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("layernorm's row-block driver gives the op function's result",
          "[step02][layernorm][ex02.3]") {
  ParameterSet parameters;
  // 40 * 64 values: enough work for the driver to use threads.
  const Tensor x = testing::random_parameter(parameters, "x", Shape{40, 64}, 321);
  const Tensor gamma = testing::random_parameter(parameters, "gamma", Shape{1, 64}, 322);
  const Tensor beta = testing::random_parameter(parameters, "beta", Shape{1, 64}, 323);
  Tape tape;
  const Tensor out = nn::layernorm(tape, x, gamma, beta);
  Matrix dout(40, 64);
  fill_normal({dout.data(), static_cast<std::size_t>(dout.size())}, 324, RngStream::kDemo, 0, 0.0f,
              1.0f);
  tape.backward(out, {dout.data(), static_cast<std::size_t>(dout.size())});

  Matrix expected(40, 64), mean(40, 1), rstd(40, 1);
  nn::layernorm_forward(expected, mean, rstd, x.matrix(), gamma.matrix(), beta.matrix(),
                        nn::kLayerNormEps);
  CHECK(out.matrix() == expected);  // each row is computed by the same code either way
  Matrix dx = Matrix::Zero(40, 64), dgamma = Matrix::Zero(1, 64), dbeta = Matrix::Zero(1, 64);
  nn::layernorm_backward(dx, dgamma, dbeta, dout, x.matrix(), gamma.matrix(), mean, rstd);
  CHECK(x.grad_matrix() == dx);
  // dgamma and dbeta add the row blocks in another order: equal up to rounding.
  CHECK((gamma.grad_matrix() - dgamma).cwiseAbs().maxCoeff() < 1e-4f);
  CHECK((beta.grad_matrix() - dbeta).cwiseAbs().maxCoeff() < 1e-4f);
}

TEST_CASE("layernorm rejects parameters that do not fit, naming the shapes",
          "[step02][layernorm]") {
  ParameterSet parameters;
  const Tensor x = parameters.add("x", Shape{2, 3, 4});
  const Tensor gamma = parameters.add("gamma", Shape{4});
  const Tensor beta = parameters.add("beta", Shape{4});
  const Tensor wide = parameters.add("wide", Shape{5});
  const Tensor matrix = parameters.add("matrix", Shape{2, 4});
  Tape tape;
  REQUIRE_THROWS_AS(nn::layernorm(tape, x, wide, beta), Error);
  REQUIRE_THROWS_WITH(nn::layernorm(tape, x, wide, beta),
                      contains("layernorm: gamma (5) does not fit x (2, 3, 4)"));
  REQUIRE_THROWS_WITH(nn::layernorm(tape, x, gamma, matrix),
                      contains("beta (2, 4) does not fit x (2, 3, 4): expected (4) or (1, 4)"));
  REQUIRE_THROWS_WITH(nn::layernorm(tape, x, gamma, beta, 0.0f), contains("eps must be positive"));
}
