// Dropout: the mask as a pure function of (seed, step, index), its statistics, scaling,
// accumulation, gradients, evaluation mode, bad probabilities.
#include <cmath>
#include <cstdint>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/dropout.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("dropout's mask is drawn row by row from the dropout stream", "[step02][dropout]") {
  const nn::DropoutKey key{.seed = 7, .step = 3, .index = 100};
  const float p = 0.3f;
  const Matrix x = Matrix::Constant(4, 9, 2.0f);
  Matrix out(4, 9), mask(4, 9);
  nn::dropout_forward(out, mask, x, p, key);
  for (int r = 0; r < 4; ++r) {
    // Row r is the generator of index key.index + r: a pure function of (seed, step, index).
    CounterRng rng(7, RngStream::kDropout, 3, 100 + r);
    for (int c = 0; c < 9; ++c) {
      const float expected = rng.uniform() < p ? 0.0f : 1.0f / (1.0f - p);
      CHECK(mask(r, c) == expected);
      CHECK(out(r, c) == 2.0f * expected);
    }
  }

  // The same rows computed as part of another call (rows 2 and 3 at index 102) agree.
  Matrix tail_out(2, 9), tail_mask(2, 9);
  nn::dropout_forward(tail_out, tail_mask, x.topRows(2), p, {.seed = 7, .step = 3, .index = 102});
  CHECK(tail_mask == mask.bottomRows(2));
  // Another step draws another mask.
  Matrix other_out(4, 9), other_mask(4, 9);
  nn::dropout_forward(other_out, other_mask, x, p, {.seed = 7, .step = 4, .index = 100});
  CHECK(other_mask != mask);
}

TEST_CASE("dropout keeps about 1 - p of the values and scales them by 1 / (1 - p)",
          "[step02][dropout]") {
  ParameterSet parameters;
  // 64 * 128 values: enough work for the driver to split rows across threads.
  const Tensor x = testing::random_parameter(parameters, "x", Shape{64, 128}, 601, 0.01f);
  for (const float p : {0.1f, 0.5f, 0.9f}) {
    Tape tape;
    const Tensor out = nn::dropout(tape, x, p, {.seed = 11, .step = 0, .index = 0});
    std::int64_t kept = 0;
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      if (out.data[i] != 0.0f) {
        ++kept;
        CHECK(std::abs(out.data[i] - x.data[i] / (1.0f - p)) < 1e-5f * std::abs(out.data[i]));
      }
    }
    // 8192 Bernoulli draws: the kept fraction is within 0.02 of 1 - p (over 4 sigma).
    INFO("p = " << p << ": kept " << kept << " of " << x.numel());
    CHECK(std::abs(double(kept) / double(x.numel()) - (1.0 - p)) < 0.02);

    // The threaded graph function gives exactly the op function's result.
    Matrix expected(64, 128), mask(64, 128);
    nn::dropout_forward(expected, mask, x.matrix(), p, {.seed = 11, .step = 0, .index = 0});
    CHECK(out.matrix() == expected);
  }
}

TEST_CASE("dropout backward multiplies by the mask and accumulates", "[step02][dropout]") {
  const Matrix mask = testing::matrix_of({{0.0f, 2.0f}, {2.0f, 0.0f}});
  const Matrix dout = testing::matrix_of({{1.0f, 3.0f}, {-1.0f, 5.0f}});
  Matrix dx = Matrix::Constant(2, 2, 1.0f);
  nn::dropout_backward(dx, dout, mask);
  CHECK(dx == testing::matrix_of({{1.0f, 7.0f}, {-1.0f, 1.0f}}));
  nn::dropout_backward(dx, dout, mask);
  CHECK(dx == testing::matrix_of({{1.0f, 13.0f}, {-3.0f, 1.0f}}));
}

TEST_CASE("dropout gradients match finite differences", "[step02][dropout]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{2, 5, 6}, 611);
  const Tensor inputs[] = {x};
  // The key is fixed, so every evaluation draws the same mask: dropout is then linear in x.
  const auto result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        return nn::dropout(tape, in[0], 0.4f, {.seed = 5, .step = 9, .index = 40});
      },
      inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("dropout with p = 0 is the identity and records nothing", "[step02][dropout]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{3, 4}, 621);
  Tape tape;
  const Tensor out = nn::dropout(tape, x, 0.0f, {.seed = 1, .step = 2, .index = 3});
  CHECK(out.data == x.data);
  CHECK(out.grad == x.grad);
  CHECK(tape.node_count() == 0);
}

TEST_CASE("dropout rejects p below 0 or at least 1", "[step02][dropout]") {
  ParameterSet parameters;
  const Tensor x = parameters.add("x", Shape{3, 4});
  Tape tape;
  for (const float p : {-0.1f, 1.0f, 1.5f}) {
    INFO("p = " << p);
    REQUIRE_THROWS_AS(nn::dropout(tape, x, p, {}), Error);
    REQUIRE_THROWS_WITH(nn::dropout(tape, x, p, {}), contains("dropout: p must be in [0, 1)"));
  }
  Matrix out(3, 4), mask(3, 4);
  REQUIRE_THROWS_WITH(nn::dropout_forward(out, mask, x.matrix(), 1.0f, {}),
                      contains("p must be in [0, 1), got 1"));
}
