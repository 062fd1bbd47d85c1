// Splitting and merging heads (exercise 02.6): the index mapping, reading a column block of
// a fused QKV, round trips, accumulation, gradients.
#include <cstdint>

#include "test_support.hpp"
#include "tinygpt/nn/attention.h"

using namespace tinygpt;

namespace {
// x[b*T + t, h*D + d] = 1000 b + 100 t + 10 h + d: every value tells where it came from.
Matrix labelled(std::int64_t batch, std::int64_t time, std::int64_t heads, std::int64_t dim) {
  Matrix x(batch * time, heads * dim);
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t t = 0; t < time; ++t) {
      for (std::int64_t h = 0; h < heads; ++h) {
        for (std::int64_t d = 0; d < dim; ++d) {
          x(b * time + t, h * dim + d) = float(1000 * b + 100 * t + 10 * h + d);
        }
      }
    }
  }
  return x;
}

// split_heads, a position-dependent scale (so a backward that mixed up rows would show),
// and merge_heads, as graph functions of a (B*T, H*D) = (2*5, 3*2) input, for gradient_check.
constexpr std::int64_t kBatch = 2;
constexpr std::int64_t kHeads = 3;

float scale_at(std::int64_t i) {
  return float(i % 7 + 1);
}

Tensor split_scale_merge(Tape& tape, const Tensor& x) {
  Tensor split = tape.output(Shape{x.shape.rows() * kHeads, x.shape.cols() / kHeads}, {x});
  nn::split_heads_forward(split.matrix(), x.matrix(), kBatch, kHeads);
  if (split.grad != nullptr) {
    tape.record({.op = "split_heads",
                 .backward =
                     [](const Node& node) {
                       nn::split_heads_backward(node.in[0].grad_matrix(), node.out.grad_matrix(),
                                                kBatch, kHeads);
                     },
                 .out = split,
                 .in = {x}});
  }
  Tensor scaled = tape.output(split.shape, {split});
  for (std::int64_t i = 0; i < split.numel(); ++i) scaled.data[i] = split.data[i] * scale_at(i);
  if (scaled.grad != nullptr) {
    tape.record({.op = "scale",
                 .backward =
                     [](const Node& node) {
                       for (std::int64_t i = 0; i < node.out.numel(); ++i) {
                         node.in[0].grad[i] += node.out.grad[i] * scale_at(i);
                       }
                     },
                 .out = scaled,
                 .in = {split}});
  }
  Tensor merged = tape.output(x.shape, {scaled});
  nn::merge_heads_forward(merged.matrix(), scaled.matrix(), kBatch, kHeads);
  if (merged.grad != nullptr) {
    tape.record({.op = "merge_heads",
                 .backward =
                     [](const Node& node) {
                       nn::merge_heads_backward(node.in[0].grad_matrix(), node.out.grad_matrix(),
                                                kBatch, kHeads);
                     },
                 .out = merged,
                 .in = {scaled}});
  }
  return merged;
}
}  // namespace

TEST_CASE("split_heads puts head h of sequence b at rows (b*H + h)*T", "[step02][heads][ex02.6]") {
  const Matrix x = labelled(2, 3, 2, 2);  // B = 2, T = 3, H = 2, D = 2
  Matrix out(2 * 2 * 3, 2);
  nn::split_heads_forward(out, x, 2, 2);
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t h = 0; h < 2; ++h) {
      for (std::int64_t t = 0; t < 3; ++t) {
        for (std::int64_t d = 0; d < 2; ++d) {
          CHECK(out((b * 2 + h) * 3 + t, d) == float(1000 * b + 100 * t + 10 * h + d));
        }
      }
    }
  }
  Matrix back(6, 4);
  nn::merge_heads_forward(back, out, 2, 2);
  CHECK(back == x);
}

TEST_CASE("split_heads reads q, k and v from a column block of a fused QKV",
          "[step02][heads][ex02.6]") {
  const Matrix q = labelled(2, 2, 3, 2);  // B = 2, T = 2, H = 3, D = 2
  Matrix qkv = Matrix::Zero(4, 18);
  qkv.middleCols(6, 6) = q;  // the "k" block
  Matrix from_block(12, 2), from_copy(12, 2);
  nn::split_heads_forward(from_block, qkv.middleCols(6, 6), 2, 3);
  nn::split_heads_forward(from_copy, q, 2, 3);
  CHECK(from_block == from_copy);

  // Backward writes back into the block only.
  Matrix dqkv = Matrix::Zero(4, 18);
  nn::split_heads_backward(dqkv.middleCols(6, 6), from_copy, 2, 3);
  CHECK(dqkv.middleCols(6, 6) == q);
  CHECK(dqkv.leftCols(6).isZero());
  CHECK(dqkv.rightCols(6).isZero());
}

TEST_CASE("split and merge backward are the inverse copies and accumulate",
          "[step02][heads][ex02.6]") {
  const Matrix x = labelled(2, 3, 2, 2);
  Matrix split(12, 2);
  nn::split_heads_forward(split, x, 2, 2);

  Matrix dx = Matrix::Constant(6, 4, 1.0f);
  nn::split_heads_backward(dx, split, 2, 2);  // the gradient of a copy puts the values back
  CHECK(dx == (x.array() + 1.0f).matrix());
  nn::split_heads_backward(dx, split, 2, 2);
  CHECK(dx == (2 * x.array() + 1.0f).matrix());

  Matrix dsplit = Matrix::Constant(12, 2, 1.0f);
  nn::merge_heads_backward(dsplit, x, 2, 2);
  CHECK(dsplit == (split.array() + 1.0f).matrix());
  nn::merge_heads_backward(dsplit, x, 2, 2);
  CHECK(dsplit == (2 * split.array() + 1.0f).matrix());
}

TEST_CASE("split and merge gradients match finite differences", "[step02][heads][ex02.6]") {
  ParameterSet parameters;
  const Tensor x = testing::random_parameter(parameters, "x", Shape{kBatch * 5, kHeads * 2}, 801);
  const Tensor inputs[] = {x};
  const auto result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) { return split_scale_merge(tape, in[0]); }, inputs,
      testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}
