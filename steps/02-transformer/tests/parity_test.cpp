// Parity with PyTorch: each family's logits, loss and every parameter's gradient against
// the fixtures that reference/parity.py computed in float64 from the same float32 weights.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/encoder.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/seq2seq.h"
#include "tinygpt/models/weights.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/elementwise.h"

using namespace tinygpt;
using tinygpt::testing::relative_error;
using namespace tinygpt::models;

namespace {

// Bounds relative to the largest magnitude of the reference tensor: 10x tighter than the
// issue's 1e-4 for outputs and than its 1e-3 for gradients. The values reached (about 5e-7
// for outputs, 1e-6 for most gradients) are printed by the tests (run with -s) and given in
// the lesson. The largest, 9.6e-6 on the encoder's nsp.bias, is a sum over the batch that
// nearly cancels, so its rounding error is large next to its value, and it moves with the
// BLAS kernel the products run on: a gradient bound of 1e-5 would fail on some machines.
constexpr double kOutputTolerance = 1e-5;
constexpr double kGradientTolerance = 1e-4;

SafetensorsFile fixture(const std::string& name) {
  return SafetensorsFile::read(std::filesystem::path(TINYGPT_STEP02_FIXTURES) / name);
}

template <typename T>
std::vector<T> ints(const SafetensorsFile& file, const std::string& name) {
  const std::vector<std::int64_t> values = file.integers(name);
  return std::vector<T>(values.begin(), values.end());
}

void load_fixture_parameters(const SafetensorsFile& file, ParameterSet& parameters) {
  for (Parameter& parameter : parameters) {
    std::vector<std::int64_t> dims;
    for (int axis = 0; axis < parameter.shape.rank(); ++axis) dims.push_back(parameter.shape[axis]);
    file.read_into("param." + parameter.name, dims, parameter.value);
  }
}

void check_output(const SafetensorsFile& file, const std::string& name, const Tensor& actual) {
  const double error =
      relative_error({actual.data, static_cast<std::size_t>(actual.numel())}, file.floats(name));
  INFO(name << ": relative error " << error);
  CHECK(error < kOutputTolerance);
  WARN(file.origin() << " " << name << " max relative error " << error);
}

void check_gradients(const SafetensorsFile& file, ParameterSet& parameters) {
  double worst = 0.0;
  std::string worst_name;
  for (Parameter& parameter : parameters) {
    const double error = relative_error(parameter.grad, file.floats("grad." + parameter.name));
    INFO("gradient of " << parameter.name << ": relative error " << error);
    CHECK(error < kGradientTolerance);
    if (error > worst) {
      worst = error;
      worst_name = parameter.name;
    }
  }
  WARN(file.origin() << " gradients: worst relative error " << worst << " (" << worst_name << ")");
}

}  // namespace

TEST_CASE("GPT matches PyTorch: logits, loss and every gradient", "[step02][parity]") {
  for (const char* name : {"gpt.safetensors", "gpt_nobias_sinusoidal.safetensors"}) {
    INFO(name);
    const SafetensorsFile file = fixture(name);
    Gpt model(config_from_weights(file));
    load_fixture_parameters(file, model.parameters());
    const auto ids = ints<std::int32_t>(file, "input.ids");
    const auto mask = ints<std::uint8_t>(file, "input.mask");
    const auto targets = ints<std::int32_t>(file, "input.targets");
    const std::int64_t batch = file.info("input.ids").shape[0];

    Tape tape;
    const Tensor logits = model.forward(tape, ids, batch, mask);
    const Tensor loss = nn::softmax_cross_entropy(tape, logits, targets, -1);
    model.parameters().zero_grad();
    tape.backward(loss);
    check_output(file, "output.logits", logits);
    check_output(file, "output.loss", loss);
    check_gradients(file, model.parameters());
  }
}

TEST_CASE("the encoder matches PyTorch: MLM and NSP heads, pooled output, every gradient",
          "[step02][parity]") {
  const SafetensorsFile file = fixture("encoder.safetensors");
  Encoder model(config_from_weights(file));
  load_fixture_parameters(file, model.parameters());
  const auto ids = ints<std::int32_t>(file, "input.ids");
  const auto type_ids = ints<std::int32_t>(file, "input.type_ids");
  const auto mask = ints<std::uint8_t>(file, "input.mask");
  const auto mlm_targets = ints<std::int32_t>(file, "input.mlm_targets");
  const auto nsp_labels = ints<std::int32_t>(file, "input.nsp_labels");
  const std::int64_t batch = file.info("input.ids").shape[0];

  Tape tape;
  const EncoderOutput out = model.forward(tape, ids, type_ids, batch, mask);
  const Tensor loss = nn::add(tape, nn::softmax_cross_entropy(tape, out.mlm_logits, mlm_targets),
                              nn::softmax_cross_entropy(tape, out.nsp_logits, nsp_labels));
  model.parameters().zero_grad();
  tape.backward(loss);
  check_output(file, "output.mlm_logits", out.mlm_logits);
  check_output(file, "output.nsp_logits", out.nsp_logits);
  check_output(file, "output.pooled", out.pooled);
  check_output(file, "output.loss", loss);
  check_gradients(file, model.parameters());
}

TEST_CASE("the encoder-decoder matches PyTorch: logits, loss and every gradient",
          "[step02][parity]") {
  const SafetensorsFile file = fixture("seq2seq.safetensors");
  Seq2Seq model(config_from_weights(file));
  load_fixture_parameters(file, model.parameters());
  const auto src_ids = ints<std::int32_t>(file, "input.src_ids");
  const auto src_mask = ints<std::uint8_t>(file, "input.src_mask");
  const auto tgt_ids = ints<std::int32_t>(file, "input.tgt_ids");
  const auto tgt_mask = ints<std::uint8_t>(file, "input.tgt_mask");
  const auto targets = ints<std::int32_t>(file, "input.targets");
  const std::int64_t batch = file.info("input.src_ids").shape[0];

  Tape tape;
  const Tensor logits = model.forward(tape, {src_ids, src_mask}, {tgt_ids, tgt_mask}, batch);
  const Tensor loss = nn::softmax_cross_entropy(tape, logits, targets, -1);
  model.parameters().zero_grad();
  tape.backward(loss);
  check_output(file, "output.logits", logits);
  check_output(file, "output.loss", loss);
  check_gradients(file, model.parameters());
}
