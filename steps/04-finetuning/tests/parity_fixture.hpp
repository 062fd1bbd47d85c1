// What step 04's PyTorch parity tests share (lora_parity_test.cpp, prompt_parity_test.cpp): a
// fixture written by reference/*_parity.py, its batch, a GPT with an adapter filled from it by
// name and its base frozen, one training pass, and the comparisons with PyTorch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/weights.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/tune/peft_adapter.h"

namespace tinygpt::testing {

/// @param name a fixture of reference/fixtures/, without ".safetensors" (e.g. "lora_gpt").
/// @return the file, read from the source tree.
inline SafetensorsFile step04_fixture(const std::string& name) {
  return SafetensorsFile::read(std::filesystem::path(TINYGPT_STEP04_FIXTURES) /
                               (name + ".safetensors"));
}

/// The fixture's batch: B right-padded sequences of T tokens.
struct FixtureBatch {
  std::vector<std::int32_t> ids;      ///< (B, T) "input_ids"
  std::vector<std::uint8_t> mask;     ///< (B, T) 1 at real tokens, 0 at padding
  std::vector<std::int32_t> targets;  ///< (B, T) the next token, -1 where there is none
  std::int64_t size = 0;              ///< B
};

/// @return the batch of the fixture's "input_ids", "mask" and "targets" (I64 there).
inline FixtureBatch fixture_batch(const SafetensorsFile& file) {
  const std::vector<std::int64_t> ids = file.integers("input_ids");
  const std::vector<std::int64_t> mask = file.integers("mask");
  const std::vector<std::int64_t> targets = file.integers("targets");
  return {.ids = {ids.begin(), ids.end()},
          .mask = {mask.begin(), mask.end()},
          .targets = {targets.begin(), targets.end()},
          .size = file.info("input_ids").shape[0]};
}

/// @return the fixture's metadata value `key`, a whole number.
inline std::int64_t metadata_number(const SafetensorsFile& file, const std::string& key) {
  return std::stoll(file.metadata().at(key));
}

/// A fixture, its batch, and a GPT of its config whose values load_adapted() fills once an
/// adapter is attached.
struct ParityModel {
  explicit ParityModel(const std::string& fixture)
      : file(step04_fixture(fixture)),
        batch(fixture_batch(file)),
        gpt(models::config_from_weights(file)) {}
  SafetensorsFile file;
  FixtureBatch batch;
  models::Gpt gpt;
};

/// Fills every parameter of a model with an adapter attached, base and adapter, from the
/// fixture's tensor of the same name (shapes must agree), and freezes the base: every
/// parameter the adapter does not own gets set_trainable(false), as fine-tuning does.
inline void load_adapted(const SafetensorsFile& file, ParameterSet& parameters,
                         const tune::PeftAdapter& adapter) {
  for (Parameter& parameter : parameters) {
    std::vector<std::int64_t> dims;
    for (int axis = 0; axis < parameter.shape.rank(); ++axis) dims.push_back(parameter.shape[axis]);
    file.read_into(parameter.name, dims, parameter.value);
    if (!adapter.owns(parameter.name)) parameters.set_trainable(parameter.name, false);
  }
}

/// What one pass gives: logits (B, T, V) and the loss (one value).
struct PassValues {
  std::vector<float> logits;
  std::vector<float> loss;
};

/// One training pass through the adapter (dropout is 0: nothing random): the logits, the
/// causal LM loss against the batch's targets, and its backward into zeroed gradients.
inline PassValues training_pass(models::Gpt& gpt, const FixtureBatch& batch,
                                models::Adapter& adapter) {
  models::RunOptions options;
  options.training = true;
  options.adapter = &adapter;
  Tape tape;
  const Tensor logits = gpt.forward(tape, batch.ids, batch.size, batch.mask, options);
  const Tensor loss = nn::softmax_cross_entropy(tape, logits, batch.targets, -1);
  gpt.parameters().zero_grad();
  tape.backward(loss);
  return {.logits = {logits.data, logits.data + logits.numel()}, .loss = {*loss.data}};
}

/// @return the logits (B, T, V) of an evaluation pass through the adapter, no gradients.
inline std::vector<float> eval_logits(models::Gpt& gpt, const FixtureBatch& batch,
                                      models::Adapter& adapter) {
  models::RunOptions options;
  options.adapter = &adapter;
  Tape tape;
  NoGradGuard no_grad(tape);
  const Tensor logits = gpt.forward(tape, batch.ids, batch.size, batch.mask, options);
  return {logits.data, logits.data + logits.numel()};
}

/// The name of a fixture for messages ("lora_gpt").
inline std::string fixture_name(const SafetensorsFile& file) {
  return std::filesystem::path(file.origin()).stem().string();
}

/// CHECKs that values agree with the fixture's tensor `name` within `bound` (relative_error:
/// max |ours - PyTorch| / max |PyTorch|) and WARNs the error, so that a run shows what it
/// measured. @return the error.
inline double check_parity(const SafetensorsFile& file, const std::string& name,
                           std::span<const float> actual, double bound) {
  const double error = relative_error(actual, file.floats(name));
  INFO(name << ": relative error " << error);
  CHECK(error < bound);
  WARN(fixture_name(file) << " " << name << " max relative error " << error);
  return error;
}

/// CHECKs the gradient of every parameter the adapter owns against the fixture's
/// "grad.<name>" within `bound`, and that every other parameter, frozen, has no gradient
/// buffer (so none was computed) and no PyTorch gradient either. WARNs the worst error.
/// @return how many gradients were compared.
inline int check_adapter_gradients(const SafetensorsFile& file, ParameterSet& parameters,
                                   const tune::PeftAdapter& adapter, double bound) {
  double worst = 0.0;
  std::string worst_name;
  int compared = 0;
  for (const Parameter& parameter : parameters) {
    INFO(parameter.name);
    if (!adapter.owns(parameter.name)) {
      CHECK(parameter.grad.empty());
      CHECK_FALSE(file.contains("grad." + parameter.name));
      continue;
    }
    ++compared;
    const double error = relative_error(parameter.grad, file.floats("grad." + parameter.name));
    INFO("gradient relative error " << error);
    CHECK(error < bound);
    if (error > worst) {
      worst = error;
      worst_name = parameter.name;
    }
  }
  WARN(fixture_name(file) << " gradients of " << adapter.peft_type() << ": worst relative error "
                          << worst << " (" << worst_name << ")");
  return compared;
}

}  // namespace tinygpt::testing
