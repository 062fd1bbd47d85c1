// Scaled dot-product attention (exercises 02.1, 02.2, with the masks of 02.5) and multi-head
// self- and cross-attention: scalar references, masks and padding, fully masked rows,
// accumulation, gradients, the threaded driver, attention weights, bad shapes and options.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/attention.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  Matrix m(rows, cols);
  fill_normal({m.data(), static_cast<std::size_t>(m.size())}, seed, RngStream::kDemo, 0, 0.0f,
              1.0f);
  return m;
}

float max_difference(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

// One head, scalar loops in double: query t sees key s when s <= t + (S - T) (causal) and
// keep[s] (padding); a query that sees nothing gets zero weights.
struct NaiveAttention {
  Matrix out, probs;
};
NaiveAttention attention_naive(const Matrix& q, const Matrix& k, const Matrix& v, bool causal,
                               const std::vector<std::uint8_t>& keep) {
  const Eigen::Index time = q.rows(), keys = k.rows(), dim = q.cols();
  NaiveAttention result{Matrix::Zero(time, dim), Matrix::Zero(time, keys)};
  for (Eigen::Index t = 0; t < time; ++t) {
    std::vector<double> weight(keys, 0.0);
    double largest = -1e300, total = 0.0;
    std::vector<bool> seen(keys, false);
    for (Eigen::Index s = 0; s < keys; ++s) {
      seen[s] = (!causal || s <= t + (keys - time)) && (keep.empty() || keep[s] != 0);
      if (!seen[s]) continue;
      double score = 0.0;
      for (Eigen::Index d = 0; d < dim; ++d) score += double{q(t, d)} * k(s, d);
      weight[s] = score / std::sqrt(double(dim));
      largest = std::max(largest, weight[s]);
    }
    for (Eigen::Index s = 0; s < keys; ++s) {
      weight[s] = seen[s] ? std::exp(weight[s] - largest) : 0.0;
      total += weight[s];
    }
    for (Eigen::Index s = 0; s < keys; ++s) {
      const double p = total > 0.0 ? weight[s] / total : 0.0;
      result.probs(t, s) = static_cast<float>(p);
      for (Eigen::Index d = 0; d < dim; ++d) result.out(t, d) += static_cast<float>(p * v(s, d));
    }
  }
  return result;
}

// One head of one sequence as a graph function, so gradient_check can test exercises 02.1
// and 02.2 without the multi-head driver (and so without exercise 02.6).
void one_head_backward(const Node& node) {
  const Tensor &q = node.in[0], &k = node.in[1], &v = node.in[2];
  nn::attention_backward(q.grad_matrix(), k.grad_matrix(), v.grad_matrix(), node.out.grad_matrix(),
                         q.matrix(), k.matrix(), v.matrix(),
                         MatrixMap(node.saved, q.shape.rows(), k.shape.rows()));
}

struct OneHead {
  bool causal = false;
  std::vector<std::uint8_t> keep;

  Tensor operator()(Tape& tape, std::span<const Tensor> in) const {
    const Tensor &q = in[0], &k = in[1], &v = in[2];
    Tensor out = tape.output(q.shape, {q, k, v});
    float* probs = tape.scratch(static_cast<std::size_t>(q.shape.rows() * k.shape.rows()));
    nn::attention_forward(out.matrix(), MatrixMap(probs, q.shape.rows(), k.shape.rows()),
                          q.matrix(), k.matrix(), v.matrix(), causal, keep);
    if (out.grad != nullptr) {
      tape.record({.op = "one_head",
                   .backward = &one_head_backward,
                   .out = out,
                   .in = {q, k, v},
                   .saved = probs});
    }
    return out;
  }
};

// Multi-head attention by its definition, with scalar loops per (b, h): q, k, v are (B*T, C)
// and (B*S, C) matrices, keep has B*S flags or none.
Matrix multi_head_naive(const Matrix& q, const Matrix& k, const Matrix& v, std::int64_t batch,
                        std::int64_t heads, bool causal, const std::vector<std::uint8_t>& keep,
                        std::vector<float>* probs = nullptr) {
  const std::int64_t time = q.rows() / batch, keys = k.rows() / batch;
  const std::int64_t dim = q.cols() / heads;
  Matrix out(q.rows(), q.cols());
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t h = 0; h < heads; ++h) {
      std::vector<std::uint8_t> sequence_keep;
      if (!keep.empty())
        sequence_keep.assign(keep.begin() + b * keys, keep.begin() + (b + 1) * keys);
      const NaiveAttention head = attention_naive(
          q.block(b * time, h * dim, time, dim), k.block(b * keys, h * dim, keys, dim),
          v.block(b * keys, h * dim, keys, dim), causal, sequence_keep);
      out.block(b * time, h * dim, time, dim) = head.out;
      if (probs != nullptr) {
        for (std::int64_t i = 0; i < time * keys; ++i) probs->push_back(head.probs.data()[i]);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("attention forward gives hand-computed values", "[step02][attention][ex02.1]") {
  // One query (1, 0) over keys (1, 0) and (0, 1): scores 1/sqrt(2) and 0.
  const Matrix q = testing::matrix_of({{1, 0}});
  const Matrix k = testing::matrix_of({{1, 0}, {0, 1}});
  const Matrix v = testing::matrix_of({{1, 2}, {3, 4}});
  Matrix out(1, 2), probs(1, 2);
  nn::attention_forward(out, probs, q, k, v, false, {});
  const double p0 = 1.0 / (1.0 + std::exp(-1.0 / std::sqrt(2.0)));
  CHECK(std::abs(probs(0, 0) - p0) < 1e-6);
  CHECK(std::abs(probs(0, 1) - (1.0 - p0)) < 1e-6);
  CHECK(std::abs(out(0, 0) - (p0 * 1 + (1 - p0) * 3)) < 1e-6);
  CHECK(std::abs(out(0, 1) - (p0 * 2 + (1 - p0) * 4)) < 1e-6);
}

TEST_CASE("attention forward matches a scalar loop without masks", "[step02][attention][ex02.1]") {
  const Matrix q = random_matrix(3, 4, 901), k = random_matrix(5, 4, 902),
               v = random_matrix(5, 4, 903);
  Matrix out(3, 4), probs(3, 5);
  nn::attention_forward(out, probs, q, k, v, false, {});
  const NaiveAttention expected = attention_naive(q, k, v, false, {});
  CHECK(max_difference(out, expected.out) < 1e-5f);
  CHECK(max_difference(probs, expected.probs) < 1e-6f);
  for (int t = 0; t < 3; ++t) CHECK(std::abs(probs.row(t).sum() - 1.0f) < 1e-6f);
}

TEST_CASE("attention forward with causal and padding masks matches a scalar loop",
          "[step02][attention][ex02.1][ex02.5]") {
  // T = 3 new queries after 2 cached keys (S = 5), key 1 is padding.
  const Matrix q = random_matrix(3, 4, 911), k = random_matrix(5, 4, 912),
               v = random_matrix(5, 4, 913);
  const std::vector<std::uint8_t> keep = {1, 0, 1, 1, 1};
  Matrix out(3, 4), probs(3, 5);
  nn::attention_forward(out, probs, q, k, v, true, keep);
  const NaiveAttention expected = attention_naive(q, k, v, true, keep);
  CHECK(max_difference(out, expected.out) < 1e-5f);
  CHECK(max_difference(probs, expected.probs) < 1e-6f);
  CHECK(probs(0, 1) == 0.0f);  // padding
  CHECK(probs(0, 3) == 0.0f);  // query 0 sits at position 2 and does not see key 3
  CHECK(probs(0, 2) > 0.0f);
}

TEST_CASE("a query that sees no key gets zero weights and a zero output, not NaN",
          "[step02][attention][ex02.1][ex02.5]") {
  const Matrix q = random_matrix(3, 2, 921), k = random_matrix(2, 2, 922),
               v = random_matrix(2, 2, 923);
  Matrix out(3, 2), probs(3, 2);
  // Causal with T = 3 > S = 2: query 0 sees nothing. With key 0 padded, query 1 sees nothing too.
  const std::vector<std::uint8_t> keep = {0, 1};
  nn::attention_forward(out, probs, q, k, v, true, keep);
  CHECK(out.allFinite());
  CHECK(probs.allFinite());
  CHECK(out.topRows(2).isZero());
  CHECK(probs.topRows(2).isZero());
  CHECK(probs(2, 1) == 1.0f);
  CHECK(max_difference(out.row(2), v.row(1)) < 1e-6f);
}

TEST_CASE("attention backward matches scalar loops and accumulates",
          "[step02][attention][ex02.2]") {
  // probs made by the test (with a masked zero), so only exercise 02.2 runs.
  const Matrix q = random_matrix(2, 3, 931), k = random_matrix(4, 3, 932),
               v = random_matrix(4, 3, 933);
  const Matrix dout = random_matrix(2, 3, 934);
  const Matrix probs = attention_naive(q, k, v, false, {1, 1, 0, 1}).probs;
  Matrix dq = Matrix::Zero(2, 3), dk = Matrix::Zero(4, 3), dv = Matrix::Zero(4, 3);
  nn::attention_backward(dq, dk, dv, dout, q, k, v, probs);

  // The chain rule one scalar at a time: dprobs[t,s] = sum_d dout[t,d] v[s,d];
  // dscores[t,s] = probs[t,s] (dprobs[t,s] - sum_r dprobs[t,r] probs[t,r]).
  const double scale = 1.0 / std::sqrt(3.0);
  Matrix expected_dq = Matrix::Zero(2, 3), expected_dk = Matrix::Zero(4, 3),
         expected_dv = Matrix::Zero(4, 3);
  for (int t = 0; t < 2; ++t) {
    double dprobs[4], weighted = 0.0;
    for (int s = 0; s < 4; ++s) {
      dprobs[s] = 0.0;
      for (int d = 0; d < 3; ++d) dprobs[s] += double{dout(t, d)} * v(s, d);
      weighted += dprobs[s] * probs(t, s);
    }
    for (int s = 0; s < 4; ++s) {
      const double dscore = probs(t, s) * (dprobs[s] - weighted);
      for (int d = 0; d < 3; ++d) {
        expected_dv(s, d) += static_cast<float>(probs(t, s) * double{dout(t, d)});
        expected_dq(t, d) += static_cast<float>(dscore * k(s, d) * scale);
        expected_dk(s, d) += static_cast<float>(dscore * q(t, d) * scale);
      }
    }
  }
  CHECK(max_difference(dq, expected_dq) < 1e-5f);
  CHECK(max_difference(dk, expected_dk) < 1e-5f);
  CHECK(max_difference(dv, expected_dv) < 1e-5f);
  CHECK(dk.row(2).isZero());  // a masked key gets no gradient through the scores...
  CHECK(dv.row(2).isZero());  // ...nor through the values

  nn::attention_backward(dq, dk, dv, dout, q, k, v, probs);
  CHECK(max_difference(dq, 2 * expected_dq) < 2e-5f);
  CHECK(max_difference(dk, 2 * expected_dk) < 2e-5f);
  CHECK(max_difference(dv, 2 * expected_dv) < 2e-5f);
}

TEST_CASE("attention backward skips empty gradients and still computes the others",
          "[step02][attention][ex02.2]") {
  // An empty view is a gradient nobody wants (the keys and values of a frozen encoder, in
  // cross-attention): each combination gives the wanted gradients exactly as the full call.
  const Matrix q = random_matrix(2, 3, 941), k = random_matrix(4, 3, 942),
               v = random_matrix(4, 3, 943);
  const Matrix dout = random_matrix(2, 3, 944);
  const Matrix probs = attention_naive(q, k, v, false, {1, 1, 0, 1}).probs;
  Matrix dq = Matrix::Zero(2, 3), dk = Matrix::Zero(4, 3), dv = Matrix::Zero(4, 3);
  nn::attention_backward(dq, dk, dv, dout, q, k, v, probs);

  Matrix none, only_dq = Matrix::Zero(2, 3);
  nn::attention_backward(only_dq, none, none, dout, q, k, v, probs);
  CHECK(only_dq == dq);
  Matrix only_dk = Matrix::Zero(4, 3), only_dv = Matrix::Zero(4, 3);
  nn::attention_backward(none, only_dk, only_dv, dout, q, k, v, probs);
  CHECK(only_dk == dk);
  CHECK(only_dv == dv);
}

TEST_CASE("one head's gradients match finite differences", "[step02][attention][ex02.1][ex02.2]") {
  ParameterSet parameters;
  const Tensor q = testing::random_parameter(parameters, "q", Shape{3, 4}, 941);
  const Tensor k = testing::random_parameter(parameters, "k", Shape{5, 4}, 942);
  const Tensor v = testing::random_parameter(parameters, "v", Shape{5, 4}, 943);
  const Tensor inputs[] = {q, k, v};
  const auto result = gradient_check(OneHead{}, inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("one head's gradients match finite differences with masks and an empty row",
          "[step02][attention][ex02.1][ex02.2][ex02.5]") {
  ParameterSet parameters;
  // Causal, T = 4 > S = 3 (query 0 sees nothing), and key 1 padded.
  const Tensor q = testing::random_parameter(parameters, "q", Shape{4, 2}, 951);
  const Tensor k = testing::random_parameter(parameters, "k", Shape{3, 2}, 952);
  const Tensor v = testing::random_parameter(parameters, "v", Shape{3, 2}, 953);
  const Tensor inputs[] = {q, k, v};
  const auto result =
      gradient_check(OneHead{.causal = true, .keep = {1, 0, 1}}, inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
  // The empty query row and the padded key get exactly no gradient.
  CHECK(q.grad_matrix().row(0).isZero());
  CHECK(k.grad_matrix().row(1).isZero());
  CHECK(v.grad_matrix().row(1).isZero());
}

TEST_CASE("self_attention matches per-head scalar loops, with causal and padding masks",
          "[step02][attention]") {
  // B = 2, T = 5, C = 6, H = 3 (D = 2); sequence 1 has two padded keys at the end.
  ParameterSet parameters;
  const Tensor qkv = testing::random_parameter(parameters, "qkv", Shape{2, 5, 18}, 961);
  const std::vector<std::uint8_t> keep = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
  std::vector<float> probs(2 * 3 * 5 * 5, -1.0f);
  Tape tape;
  const Tensor out = nn::self_attention(
      tape, qkv, {.heads = 3, .causal = true, .key_keep = keep, .probs_out = probs.data()});
  CHECK(out.shape == Shape{2, 5, 6});

  const Matrix all = qkv.matrix();
  std::vector<float> expected_probs;
  const Matrix expected =
      multi_head_naive(all.middleCols(0, 6), all.middleCols(6, 6), all.middleCols(12, 6), 2, 3,
                       true, keep, &expected_probs);
  CHECK(max_difference(out.matrix(), expected) < 1e-5f);
  // probs_out is (B, H, T, S).
  REQUIRE(expected_probs.size() == probs.size());
  float worst = 0.0f;
  for (std::size_t i = 0; i < probs.size(); ++i)
    worst = std::max(worst, std::abs(probs[i] - expected_probs[i]));
  CHECK(worst < 1e-6f);
}

TEST_CASE("cross_attention matches per-head scalar loops, with key padding",
          "[step02][attention]") {
  // B = 2 decoder sequences of T = 3 over encoder outputs of S = 5, C = 8, H = 2.
  ParameterSet parameters;
  const Tensor q = testing::random_parameter(parameters, "q", Shape{2, 3, 8}, 971);
  const Tensor kv = testing::random_parameter(parameters, "kv", Shape{2, 5, 16}, 972);
  const std::vector<std::uint8_t> keep = {1, 1, 1, 0, 0, 1, 1, 1, 1, 1};
  Tape tape;
  const Tensor out = nn::cross_attention(tape, q, kv, {.heads = 2, .key_keep = keep});
  CHECK(out.shape == Shape{2, 3, 8});
  const Matrix expected = multi_head_naive(q.matrix(), kv.matrix().middleCols(0, 8),
                                           kv.matrix().middleCols(8, 8), 2, 2, false, keep);
  CHECK(max_difference(out.matrix(), expected) < 1e-5f);
}

TEST_CASE("self_attention gradients match finite differences (heads, padding, odd length)",
          "[step02][attention]") {
  ParameterSet parameters;
  const Tensor qkv = testing::random_parameter(parameters, "qkv", Shape{2, 5, 18}, 981);
  const Tensor inputs[] = {qkv};
  for (const bool causal : {false, true}) {
    // Sequence 0 is all real, sequence 1 ends with two padded keys.
    const std::vector<std::uint8_t> keep = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    const auto result = gradient_check(
        [&](Tape& tape, std::span<const Tensor> in) {
          return nn::self_attention(tape, in[0], {.heads = 3, .causal = causal, .key_keep = keep});
        },
        inputs, testing::kGradStep);
    INFO("causal " << causal << ": " << result.str());
    CHECK(result.relative_error < testing::kGradTolerance);
  }
}

TEST_CASE("cross_attention gradients match finite differences (heads, padding)",
          "[step02][attention]") {
  ParameterSet parameters;
  const Tensor q = testing::random_parameter(parameters, "q", Shape{2, 3, 8}, 991);
  const Tensor kv = testing::random_parameter(parameters, "kv", Shape{2, 5, 16}, 992);
  const Tensor inputs[] = {q, kv};
  const std::vector<std::uint8_t> keep = {1, 1, 1, 0, 0, 1, 1, 1, 1, 0};
  const auto result = gradient_check(
      [&](Tape& tape, std::span<const Tensor> in) {
        return nn::cross_attention(tape, in[0], in[1], {.heads = 2, .key_keep = keep});
      },
      inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("self_attention with a fully padded sequence gives zeros, not NaN",
          "[step02][attention]") {
  ParameterSet parameters;
  const Tensor qkv = testing::random_parameter(parameters, "qkv", Shape{2, 3, 12}, 1001);
  const std::vector<std::uint8_t> keep = {1, 1, 0, 0, 0, 0};  // sequence 1 is all padding
  Tape tape;
  const Tensor out = nn::self_attention(tape, qkv, {.heads = 2, .key_keep = keep});
  CHECK(out.matrix().allFinite());
  CHECK(out.matrix().bottomRows(3).isZero());
  const std::vector<float> ones(out.numel(), 1.0f);
  tape.backward(out, ones);
  CHECK(qkv.grad_matrix().allFinite());
  CHECK(qkv.grad_matrix().bottomRows(3).isZero());
}

namespace {
// self_attention of qkv (B, T, 3C) with H heads, run through the library's driver (threads,
// causal query blocks) and again as a serial loop of one attention_forward and
// attention_backward per whole (batch, head) slice; returns the largest differences of the
// outputs and of the gradients of qkv.
std::pair<float, float> driver_against_serial_loop(std::int64_t batch, std::int64_t heads,
                                                   std::int64_t time, std::int64_t dim,
                                                   std::uint64_t seed) {
  const std::int64_t width = heads * dim;
  ParameterSet parameters;
  const Tensor qkv =
      testing::random_parameter(parameters, "qkv", Shape{batch, time, 3 * width}, seed);
  std::vector<std::uint8_t> keep(batch * time, 1);
  keep[batch * time - 1] = 0;
  Tape tape;
  const Tensor out =
      nn::self_attention(tape, qkv, {.heads = heads, .causal = true, .key_keep = keep});
  const Matrix dout = random_matrix(batch * time, width, seed + 1);
  tape.backward(out, {dout.data(), static_cast<std::size_t>(dout.size())});

  const Matrix all = qkv.matrix();
  const std::int64_t slices = batch * heads;
  Matrix q(slices * time, dim), k(slices * time, dim), v(slices * time, dim);
  nn::split_heads_forward(q, all.middleCols(0, width), batch, heads);
  nn::split_heads_forward(k, all.middleCols(width, width), batch, heads);
  nn::split_heads_forward(v, all.middleCols(2 * width, width), batch, heads);
  Matrix heads_out(slices * time, dim), probs(slices * time, time);
  for (std::int64_t slice = 0; slice < slices; ++slice) {
    const std::span<const std::uint8_t> sequence_keep(keep.data() + slice / heads * time, time);
    nn::attention_forward(heads_out.middleRows(slice * time, time),
                          probs.middleRows(slice * time, time), q.middleRows(slice * time, time),
                          k.middleRows(slice * time, time), v.middleRows(slice * time, time), true,
                          sequence_keep);
  }
  Matrix expected(batch * time, width);
  nn::merge_heads_forward(expected, heads_out, batch, heads);

  Matrix dheads = Matrix::Zero(slices * time, dim);
  nn::merge_heads_backward(dheads, dout, batch, heads);
  Matrix dq = Matrix::Zero(slices * time, dim), dk = dq, dv = dq;
  for (std::int64_t slice = 0; slice < slices; ++slice) {
    nn::attention_backward(dq.middleRows(slice * time, time), dk.middleRows(slice * time, time),
                           dv.middleRows(slice * time, time), dheads.middleRows(slice * time, time),
                           q.middleRows(slice * time, time), k.middleRows(slice * time, time),
                           v.middleRows(slice * time, time), probs.middleRows(slice * time, time));
  }
  Matrix dqkv = Matrix::Zero(batch * time, 3 * width);
  nn::split_heads_backward(dqkv.middleCols(0, width), dq, batch, heads);
  nn::split_heads_backward(dqkv.middleCols(width, width), dk, batch, heads);
  nn::split_heads_backward(dqkv.middleCols(2 * width, width), dv, batch, heads);
  return {max_difference(out.matrix(), expected), max_difference(qkv.grad_matrix(), dqkv)};
}
}  // namespace

TEST_CASE("the threaded driver gives exactly the result of a serial loop over slices",
          "[step02][attention]") {
  // B = 2, H = 4, T = S = 16, D = 8: enough work for several threads, one causal query
  // block. Every buffer and slice starts at a multiple of 16 floats in both computations, so
  // Eigen's vectorised sums group the same numbers the same way: the results are equal.
  const auto [out_difference, grad_difference] = driver_against_serial_loop(2, 4, 16, 8, 1011);
  CHECK(out_difference == 0.0f);
  CHECK(grad_difference == 0.0f);
}

TEST_CASE("causal query blocks skip only masked work: same result as whole slices",
          "[step02][attention]") {
  // T = 70: query blocks of 32, 32 and 6 rows, each over only the keys it may see. The sums
  // are shorter than a whole row's, so the results agree to rounding, not bit for bit.
  const auto [out_difference, grad_difference] = driver_against_serial_loop(2, 2, 70, 4, 1013);
  CHECK(out_difference < 1e-6f);
  CHECK(grad_difference < 1e-5f);
}

TEST_CASE("self_attention gradients match finite differences across causal query blocks",
          "[step02][attention]") {
  ParameterSet parameters;
  const Tensor qkv = testing::random_parameter(parameters, "qkv", Shape{1, 40, 12}, 1015);
  const Tensor inputs[] = {qkv};
  const auto result = gradient_check(
      [&](Tape& tape, std::span<const Tensor> in) {
        return nn::self_attention(tape, in[0], {.heads = 2, .causal = true});
      },
      inputs, testing::kGradStep);
  INFO(result.str());
  CHECK(result.relative_error < testing::kGradTolerance);
}

TEST_CASE("self_attention accumulates into the gradient of qkv", "[step02][attention]") {
  ParameterSet parameters;
  const Tensor qkv = testing::random_parameter(parameters, "qkv", Shape{1, 3, 6}, 1021);
  const std::vector<float> ones(6, 1.0f);
  Tape tape;
  tape.backward(nn::self_attention(tape, qkv, {.heads = 1, .causal = true}), ones);
  const Matrix once = qkv.grad_matrix();
  tape.reset();
  tape.backward(nn::self_attention(tape, qkv, {.heads = 1, .causal = true}), ones);
  CHECK(max_difference(qkv.grad_matrix(), 2 * once) < 1e-6f);
}

TEST_CASE("attention rejects bad shapes and options, naming them", "[step02][attention]") {
  ParameterSet parameters;
  const Tensor qkv = parameters.add("qkv", Shape{2, 3, 18});
  const Tensor odd = parameters.add("odd", Shape{2, 3, 10});
  const Tensor q = parameters.add("q", Shape{2, 3, 6});
  const Tensor kv = parameters.add("kv", Shape{2, 4, 12});
  const Tensor narrow_kv = parameters.add("narrow_kv", Shape{2, 4, 6});
  Tape tape;
  REQUIRE_THROWS_AS(nn::self_attention(tape, qkv, {.heads = 4}), Error);
  REQUIRE_THROWS_WITH(nn::self_attention(tape, qkv, {.heads = 4}),
                      contains("self_attention: the width C = 6 is not divisible by heads = 4"));
  REQUIRE_THROWS_WITH(nn::self_attention(tape, qkv, {.heads = 0}),
                      contains("heads must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(nn::self_attention(tape, odd, {.heads = 1}),
                      contains("qkv must be (B, T, 3C), its shape is (2, 3, 10)"));
  const std::vector<std::uint8_t> five(5, 1);
  REQUIRE_THROWS_WITH(nn::self_attention(tape, qkv, {.heads = 2, .key_keep = five}),
                      contains("key_keep has 5 flags, expected B*S = 2*3 = 6"));
  const std::vector<std::uint8_t> bad_flag = {1, 1, 2, 1, 1, 1};
  REQUIRE_THROWS_WITH(nn::self_attention(tape, qkv, {.heads = 2, .key_keep = bad_flag}),
                      contains("key_keep[2] is 2"));
  REQUIRE_THROWS_WITH(nn::cross_attention(tape, q, kv, {.heads = 2, .causal = true}),
                      contains("cross_attention: causal must be false"));
  REQUIRE_THROWS_WITH(nn::cross_attention(tape, q, narrow_kv, {.heads = 2}),
                      contains("kv (2, 4, 6) does not fit q (2, 3, 6): expected (2, S, 12)"));
  const std::vector<std::uint8_t> six(6, 1);
  REQUIRE_THROWS_WITH(nn::cross_attention(tape, q, kv, {.heads = 2, .key_keep = six}),
                      contains("key_keep has 6 flags, expected B*S = 2*4 = 8"));
}

TEST_CASE("a key mask kept on the tape outlives the caller's buffer", "[step02][attention]") {
  // A model builds key_keep for one step; Tape::keep gives it the step's lifetime.
  Tape tape;
  std::span<const std::uint8_t> kept;
  {
    const std::vector<std::uint8_t> built = {1, 1, 0, 1, 0, 0};
    kept = tape.keep(built);
  }
  CHECK(std::vector<std::uint8_t>(kept.begin(), kept.end()) ==
        std::vector<std::uint8_t>{1, 1, 0, 1, 0, 0});
  ParameterSet parameters;
  const Tensor qkv = testing::random_parameter(parameters, "qkv", Shape{2, 3, 6}, 1031);
  const Tensor out = nn::self_attention(tape, qkv, {.heads = 1, .key_keep = kept});
  CHECK(out.matrix().allFinite());
}
