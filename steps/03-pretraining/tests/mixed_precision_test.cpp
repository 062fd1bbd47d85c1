// bf16 mixed precision (core/precision.h): the product drivers multiply bf16-rounded
// operands and sum in float32, and a GPT's loss and gradients stay within bf16's tolerance
// of float32's. The training run's side (it learns as float32 does, resumes exactly) is in
// trainer_test.cpp.
#include "tinygpt/core/precision.h"

#include <cmath>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/bfloat16.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/nn/attention.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/linear.h"
#include "tinygpt/nn/matmul.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::random_parameter;

namespace {

Matrix rounded(ConstMatrixRef values) {
  return values.unaryExpr([](float value) { return round_to_bfloat16(value); });
}

// ||actual - expected|| / ||expected||, over the whole tensor.
double norm_error(ConstMatrixRef actual, ConstMatrixRef expected) {
  return static_cast<double>((actual - expected).norm() / expected.norm());
}

}  // namespace

TEST_CASE("precision names are float32 and bf16, anything else is refused by name",
          "[step03][precision]") {
  CHECK(parse_precision("float32") == Precision::kFloat32);
  CHECK(parse_precision("bf16") == Precision::kBfloat16);
  CHECK(std::string(precision_name(Precision::kBfloat16)) == "bf16");
  CHECK_THROWS_WITH(parse_precision("fp16"), contains("'fp16'") && contains("float32 or bf16"));
  CHECK(precision_note(Precision::kFloat32).empty());
  CHECK_THAT(precision_note(Precision::kBfloat16), contains("bf16") && contains("float32"));
}

TEST_CASE("in bf16, linear multiplies bf16-rounded operands and sums in float32, both ways",
          "[step03][precision]") {
  ParameterSet parameters;
  const Tensor x = random_parameter(parameters, "x", Shape{5, 7}, 1);
  const Tensor weight = random_parameter(parameters, "weight", Shape{7, 3}, 2);
  const Tensor bias = random_parameter(parameters, "bias", Shape{3}, 3);
  Matrix dout(5, 3);
  fill_normal({dout.data(), static_cast<std::size_t>(dout.size())}, 4, RngStream::kDemo, 0, 0.0f,
              1.0f);

  Tape tape;
  tape.set_precision(Precision::kBfloat16);
  const Tensor out = nn::linear(tape, x, weight, bias);
  tape.backward(out, {dout.data(), static_cast<std::size_t>(dout.size())});

  const Matrix x16 = rounded(x.matrix());
  const Matrix w16 = rounded(weight.matrix());
  const Matrix dout16 = rounded(dout);
  Matrix expected = x16 * w16;
  expected.rowwise() += bias.matrix().row(0);
  CHECK(norm_error(out.matrix(), expected) < 1e-6);
  CHECK(norm_error(x.grad_matrix(), dout16 * w16.transpose()) < 1e-6);
  CHECK(norm_error(weight.grad_matrix(), x16.transpose() * dout16) < 1e-6);
  // The bias's gradient sums the same rounded output gradient, in float32.
  CHECK(norm_error(bias.grad_matrix(), dout16.colwise().sum()) < 1e-6);
  // and the rounding is real: float32's product differs by about bf16's 2^-8.
  Matrix float32 = x.matrix() * weight.matrix();
  float32.rowwise() += bias.matrix().row(0);
  const double off = norm_error(out.matrix(), float32);
  INFO("bf16 linear against float32: relative error " << off);
  CHECK(off > 1e-4);
  CHECK(off < 1e-2);
}

TEST_CASE("in bf16, matmul (the LM head's product) and attention multiply rounded operands",
          "[step03][precision]") {
  ParameterSet parameters;
  SECTION("matmul with b transposed") {
    const Tensor a = random_parameter(parameters, "a", Shape{2, 3, 8}, 5);
    const Tensor b = random_parameter(parameters, "b", Shape{11, 8}, 6);
    Tape tape;
    tape.set_precision(Precision::kBfloat16);
    const Tensor out = nn::matmul(tape, a, b, false, true);
    const Matrix expected = rounded(a.matrix()) * rounded(b.matrix()).transpose();
    CHECK(norm_error(out.matrix(), expected) < 1e-6);
    const std::vector<float> ones(static_cast<std::size_t>(out.numel()), 1.0f);
    tape.backward(out, ones);
    const Matrix dout = Matrix::Ones(6, 11);
    CHECK(norm_error(a.grad_matrix(), dout * rounded(b.matrix())) < 1e-6);
    CHECK(norm_error(b.grad_matrix(), dout.transpose() * rounded(a.matrix())) < 1e-6);
  }
  SECTION("causal self-attention equals float32 attention of the rounded q, k, v") {
    const Tensor qkv = random_parameter(parameters, "qkv", Shape{2, 5, 12}, 7);
    const nn::AttentionOptions options{.heads = 2, .causal = true};
    Tape bf16;
    bf16.set_precision(Precision::kBfloat16);
    const Tensor out = nn::self_attention(bf16, qkv, options);
    const Matrix out16 = out.matrix();
    Tape float32;
    ParameterSet copies;
    const Tensor qkv16 = copies.add("qkv16", qkv.shape);
    qkv16.matrix() = rounded(qkv.matrix());
    const Tensor expected = nn::self_attention(float32, qkv16, options);
    CHECK(norm_error(out16, expected.matrix()) < 1e-6);
    const Tensor unrounded = nn::self_attention(float32, qkv, options);
    CHECK(norm_error(unrounded.matrix(), out16) > 1e-4);
  }
}

TEST_CASE("a GPT's loss and every gradient in bf16 stay within bf16's tolerance of float32",
          "[step03][precision]") {
  models::ModelConfig config;
  config.vocab_size = 64;
  config.context_length = 16;
  config.width = 32;
  config.layers = 2;
  config.heads = 4;
  models::Gpt model(config);
  model.init(3);
  std::vector<std::int32_t> ids(2 * 16), targets(2 * 16);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = static_cast<std::int32_t>((7 * i + 3) % 64);
    targets[i] = static_cast<std::int32_t>((5 * i + 1) % 64);
  }
  const auto run = [&](Precision precision, std::vector<Matrix>& gradients) {
    model.parameters().zero_grad();
    Tape tape;
    tape.set_precision(precision);
    const Tensor loss = nn::softmax_cross_entropy(tape, model.forward(tape, ids, 2), targets);
    tape.backward(loss);
    gradients.clear();
    for (Parameter& parameter : model.parameters()) {
      gradients.emplace_back(parameter.tensor().grad_matrix());
    }
    return loss.item();
  };
  std::vector<Matrix> float32, bf16;
  const float loss32 = run(Precision::kFloat32, float32);
  const float loss16 = run(Precision::kBfloat16, bf16);
  INFO("loss float32 " << loss32 << ", bf16 " << loss16);
  // Tolerances: a bf16 operand is within 2^-8 (0.4%) of its float32 value; through two
  // blocks and the head the loss moves by far less, and a gradient (a product of rounded
  // factors, backward through every layer) by a few times 2^-8.
  CHECK(std::abs(loss16 - loss32) < 2e-3 * loss32);
  CHECK(loss16 != loss32);
  double worst = 0.0;
  std::size_t p = 0;
  for (Parameter& parameter : model.parameters()) {
    const Matrix& expected = float32[p];
    const Matrix& actual = bf16[p];
    ++p;
    if (expected.norm() == 0.0f) continue;
    const double error = static_cast<double>((actual - expected).norm() / expected.norm());
    INFO(parameter.name << ": relative error " << error);
    CHECK(error < 3e-2);
    worst = std::max(worst, error);
  }
  WARN("bf16 against float32 on a 2-layer GPT: loss " << loss32 << " -> " << loss16
                                                      << ", worst gradient error " << worst);
}
