// Serving weights (infer/packed_matrix.h, infer/serving_weights.h): bfloat16's rounding; the
// packed product equals the plain one (float32, and bf16 on its rounded weights), or for
// int8 the exact integer product of the codes, within the quantisation error of the plain
// one, on shapes that need padding; a sequence's logits are the
// same bits alone and among 16, wherever it sits in the batch; a cached pass on packed weights
// matches the uncached BLAS forward.
#include <cmath>
#include <limits>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/bfloat16.h"
#include "tinygpt/infer/kv_cache.h"
#include "tinygpt/infer/serving_weights.h"
#include "tinygpt/models/gpt.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::srand(seed);
  return Matrix::Random(rows, cols);
}

// Vocabulary 1,000: not a multiple of the kernel's 32 channels.
const models::ModelConfig kSmall{
    .vocab_size = 1000, .context_length = 64, .width = 64, .layers = 2, .heads = 4};

// Prefills every sequence alone in its slot, then decodes one token for the slots given
// in one batched pass; returns that pass's logits, a row per slot.
Matrix decode_together(models::Gpt& model, models::MatrixProducts* products,
                       const std::vector<std::vector<std::int32_t>>& prompts,
                       const std::vector<std::int64_t>& slots) {
  infer::KvCache cache(model.config(), static_cast<std::int64_t>(prompts.size()));
  Tape tape;
  NoGradGuard no_grad(tape);
  models::RunOptions run{.cache = &cache, .products = products};
  for (const std::int64_t slot : slots) {
    tape.reset();
    cache.bind({&slot, 1});
    model.forward(tape, prompts[static_cast<std::size_t>(slot)], 1, {}, run);
    cache.advance(static_cast<std::int64_t>(prompts[static_cast<std::size_t>(slot)].size()));
  }
  std::vector<std::int32_t> next;
  for (const std::int64_t slot : slots) next.push_back(static_cast<std::int32_t>(7 * slot + 3));
  tape.reset();
  cache.bind(slots);
  return model.forward(tape, next, static_cast<std::int64_t>(slots.size()), {}, run).matrix();
}

}  // namespace

TEST_CASE("bfloat16 rounds to nearest even and keeps float32's range", "[step07][serving]") {
  CHECK(to_bfloat16(1.0f) == 0x3F80);
  CHECK(from_bfloat16(0x3F80) == 1.0f);
  // Halfway between two bfloat16s: to the even one, down from 1 + 2^-8, up from 1 + 3 2^-8.
  CHECK(from_bfloat16(to_bfloat16(1.00390625f)) == 1.0f);
  CHECK(from_bfloat16(to_bfloat16(1.01171875f)) == 1.015625f);
  // Past halfway: up.
  CHECK(from_bfloat16(to_bfloat16(1.00390625f + 0x1p-20f)) == 1.0078125f);
  // float32's range: tiny and huge values stay finite and non-zero; the largest float is
  // past bfloat16's largest and rounds to infinity, as IEEE rounding does.
  CHECK(from_bfloat16(to_bfloat16(1e-38f)) > 0.0f);
  CHECK(std::isfinite(from_bfloat16(to_bfloat16(3e38f))));
  CHECK(std::isinf(from_bfloat16(to_bfloat16(std::numeric_limits<float>::max()))));
  CHECK(std::isnan(from_bfloat16(to_bfloat16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::isinf(from_bfloat16(to_bfloat16(-std::numeric_limits<float>::infinity()))));
  CHECK(std::signbit(from_bfloat16(to_bfloat16(-0.0f))));
  // Relative error at most 2^-8: half the step of an 8-bit significand (7 bits stored).
  const Matrix values = random_matrix(100, 100, 4) * 1e3f;
  for (const float value : values.reshaped()) {
    CHECK(std::abs(from_bfloat16(to_bfloat16(value)) - value) <= std::abs(value) * 0x1p-8f);
  }
}

TEST_CASE("packed products equal the plain product, padding included", "[step07][serving]") {
  const Matrix x = random_matrix(5, 20, 1);        // C_in 20: rows padded to 32 floats
  const Matrix weight = random_matrix(20, 37, 2);  // C_out 37: channels padded to 64
  const Matrix bias = random_matrix(1, 37, 3);
  const Matrix expected = (x * weight).rowwise() + bias.row(0);
  Matrix out(5, 37);
  infer::multiply(*infer::pack(weight, false, infer::WeightFormat::kFloat32), x, bias.data(), out);
  CHECK((out - expected).cwiseAbs().maxCoeff() < 1e-5f);
  // The same matrix given as (C_out, C_in).
  const Matrix transposed = weight.transpose();
  infer::multiply(*infer::pack(transposed, true, infer::WeightFormat::kFloat32), x, bias.data(),
                  out);
  CHECK((out - expected).cwiseAbs().maxCoeff() < 1e-5f);
  // int8: each channel's weights and each row of x become codes in [-127, 127] with a scale;
  // an element is the exact integer dot product of the codes times the two scales. Each
  // weight is then off by at most half its step s_c, each input by half its s_r. C_in 20
  // pads to 32 codes; C_in 80 takes the kernel's 64-code loop and its 16-code tail.
  const auto check_int8 = [](const Matrix& inputs, const Matrix& weights, const Matrix& biases) {
    const auto packed = infer::pack(weights, false, infer::WeightFormat::kInt8);
    CHECK(packed->bytes() == weights.size() + weights.cols() * 4);
    Matrix result(inputs.rows(), weights.cols());
    infer::multiply(*packed, inputs, biases.data(), result);
    const Matrix plain = (inputs * weights).rowwise() + biases.row(0);
    for (Eigen::Index c = 0; c < weights.cols(); ++c) {
      const float weight_step = weights.col(c).cwiseAbs().maxCoeff() / 127.0f;
      for (Eigen::Index r = 0; r < inputs.rows(); ++r) {
        const float largest = inputs.row(r).cwiseAbs().maxCoeff();
        const float input_step = largest / 127.0f;
        std::int64_t dot = 0;
        for (Eigen::Index k = 0; k < inputs.cols(); ++k) {
          dot += std::lround(weights(k, c) / weight_step) *
                 static_cast<std::int64_t>(std::nearbyint(inputs(r, k) * (127.0f / largest)));
        }
        const float exact = static_cast<float>(dot) * (input_step * weight_step) + biases(0, c);
        CHECK(std::abs(result(r, c) - exact) <= 1e-5f * (1.0f + std::abs(exact)));
        const float bound = inputs.row(r).cwiseAbs().sum() * weight_step / 2.0f +
                            weights.col(c).cwiseAbs().sum() * input_step / 2.0f +
                            static_cast<float>(inputs.cols()) * input_step * weight_step / 4.0f +
                            1e-5f;
        CHECK(std::abs(result(r, c) - plain(r, c)) <= bound);
      }
    }
  };
  check_int8(x, weight, bias);
  check_int8(random_matrix(4, 80, 7), random_matrix(80, 5, 8), random_matrix(1, 5, 9));
  // bf16: the float32 product of the weights rounded to bfloat16 (the order of the sums
  // aside), with half the bytes.
  const auto bf16 = infer::pack(weight, false, infer::WeightFormat::kBf16);
  CHECK(bf16->bytes() == 20 * 37 * 2);
  infer::multiply(*bf16, x, bias.data(), out);
  const Matrix rounded = weight.unaryExpr([](float w) { return from_bfloat16(to_bfloat16(w)); });
  const Matrix expected_bf16 = (x * rounded).rowwise() + bias.row(0);
  CHECK((out - expected_bf16).cwiseAbs().maxCoeff() < 1e-5f);
  CHECK((rounded - weight).cwiseAbs().maxCoeff() > 0.0f);  // the rounding did happen
  Matrix wrong(5, 36);
  CHECK_THROWS_WITH(infer::multiply(*bf16, x, nullptr, wrong), contains("out (5, 36)"));
  CHECK_THROWS_WITH(infer::weight_format("int4"), contains("weight format \"int4\""));
  for (const char* name : {"float32", "bf16", "int8", "nf4"}) {
    CHECK(infer::weight_format_name(infer::weight_format(name)) == std::string(name));
  }
}

TEST_CASE("a sequence's logits are the same bits alone and among 16, anywhere in the batch",
          "[step07][serving]") {
  models::Gpt model(kSmall);
  model.init(5);
  std::vector<std::vector<std::int32_t>> prompts;
  for (std::int32_t s = 0; s < 16; ++s) {
    std::vector<std::int32_t> prompt;
    for (std::int32_t t = 0; t < 3 + s % 5; ++t) prompt.push_back((31 * s + 17 * t) % 1000);
    prompts.push_back(prompt);
  }
  std::vector<std::int64_t> all(16);
  for (std::int64_t s = 0; s < 16; ++s) all[static_cast<std::size_t>(s)] = s;
  for (const infer::WeightFormat format :
       {infer::WeightFormat::kFloat32, infer::WeightFormat::kBf16, infer::WeightFormat::kInt8}) {
    infer::ServingWeights weights(format);
    const Matrix together = decode_together(model, &weights, prompts, all);
    for (const std::int64_t probe : {0, 5, 15}) {
      const Matrix single = decode_together(model, &weights, prompts, {probe});
      INFO(infer::weight_format_name(format) << ", sequence " << probe);
      CHECK(single.row(0) == together.row(probe));  // exact equality, every bit
    }
    // Another order of the same batch: a sequence's row moves, its bits do not.
    std::vector<std::int64_t> reversed(all.rbegin(), all.rend());
    const Matrix backwards = decode_together(model, &weights, prompts, reversed);
    CHECK(backwards.row(0) == together.row(15));
  }
}

TEST_CASE("a cached pass on packed weights gives the uncached forward's logits",
          "[step07][serving]") {
  models::Gpt model(kSmall);
  model.init(6);
  const std::vector<std::int32_t> ids = {5, 99, 310, 42, 7, 800, 12, 64};
  Tape tape;
  NoGradGuard no_grad(tape);
  const Matrix full = model.forward(tape, ids, 1).matrix();
  std::vector<double> bytes;
  for (const infer::WeightFormat format :
       {infer::WeightFormat::kFloat32, infer::WeightFormat::kBf16, infer::WeightFormat::kInt8}) {
    infer::ServingWeights weights(format);
    infer::KvCache cache(model.config(), 1);
    models::RunOptions run{.cache = &cache, .products = &weights};
    const std::int64_t slot = 0;
    float largest = 0.0f;
    for (std::size_t t = 0; t < ids.size(); ++t) {
      tape.reset();
      cache.bind({&slot, 1});
      const Matrix logits = model.forward(tape, std::span(ids).subspan(t, 1), 1, {}, run).matrix();
      cache.advance(1);
      largest = std::max(
          largest, (logits.row(0) - full.row(static_cast<Eigen::Index>(t))).cwiseAbs().maxCoeff());
    }
    INFO(infer::weight_format_name(format) << ": max |difference| " << largest);
    // float32: only the order of the sums differs; bf16: the weights' rounding; int8: the
    // rounding of the weights and of each token's activations.
    CHECK(largest < (format == infer::WeightFormat::kFloat32 ? 1e-5f : 2e-2f));
    bytes.push_back(static_cast<double>(weights.bytes()));
  }
  // Every weight was packed by now: bf16 takes half the bytes, int8 a quarter plus a scale
  // per channel.
  CHECK(bytes[1] * 2 == bytes[0]);
  CHECK(bytes[2] * 4 < bytes[0] * 1.1);
  CHECK(bytes[2] * 4 > bytes[0]);
}
