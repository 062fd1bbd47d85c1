// The three model families: masks do what they promise, dropout is keyed, attention maps
// are recorded, weights round-trip, Hugging Face's GPT-2 files load, bad input is refused,
// and every parameter's gradient matches finite differences.
#include <filesystem>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/models/encoder.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/seq2seq.h"
#include "tinygpt/models/weights.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/nn/reductions.h"

using namespace tinygpt;
using namespace tinygpt::models;
using tinygpt::testing::contains;

namespace {

ModelConfig tiny(Family family) {
  ModelConfig config;
  config.family = family;
  config.vocab_size = 11;
  config.context_length = 8;
  config.width = 8;
  config.layers = 2;
  config.heads = 2;
  config.positions = family == Family::kSeq2Seq ? Positions::kSinusoidal : Positions::kLearned;
  return config;
}

std::vector<float> values(const Tensor& tensor) {
  return {tensor.data, tensor.data + tensor.numel()};
}

// Row r of a (B, T, V) logits tensor, as a vector.
std::vector<float> row(const Tensor& logits, std::int64_t r) {
  const std::int64_t v = logits.shape.cols();
  return {logits.data + r * v, logits.data + (r + 1) * v};
}

// Larger weights than GPT-2's initialisation, so that every token visibly matters.
void init_large(ParameterSet& parameters, std::uint64_t seed) {
  std::uint64_t index = 0;
  for (Parameter& parameter : parameters) {
    fill_normal(parameter.value, seed, RngStream::kDemo, index++, 0.0f, 0.5f);
  }
}

}  // namespace

TEST_CASE("GPT is causal: a later token never changes an earlier position's logits",
          "[step02][models]") {
  Gpt model(tiny(Family::kGpt));
  init_large(model.parameters(), 1);
  std::vector<std::int32_t> ids = {1, 2, 3, 4, 5, 6};
  Tape tape;
  const std::vector<float> before = values(model.forward(tape, ids, 1));
  ids[4] = 9;
  tape.reset();
  const std::vector<float> after = values(model.forward(tape, ids, 1));
  const std::size_t v = 11;
  CHECK(std::equal(before.begin(), before.begin() + 4 * v, after.begin()));
  CHECK_FALSE(std::equal(before.begin() + 4 * v, before.end(), after.begin() + 4 * v));
}

TEST_CASE("padding is invisible to real tokens in GPT and the encoder", "[step02][models]") {
  std::vector<std::int32_t> ids = {1, 2, 3, 4, 0, 0};
  const std::vector<std::uint8_t> mask = {1, 1, 1, 1, 0, 0};
  std::vector<std::int32_t> other = ids;
  other[4] = 7;
  other[5] = 8;

  Gpt gpt(tiny(Family::kGpt));
  init_large(gpt.parameters(), 2);
  Encoder encoder(tiny(Family::kEncoder));
  init_large(encoder.parameters(), 3);
  Tape tape;
  const std::vector<float> gpt_a = values(gpt.forward(tape, ids, 1, mask));
  const std::vector<float> encoder_a = values(encoder.forward(tape, ids, {}, 1, mask).mlm_logits);
  const std::vector<float> gpt_b = values(gpt.forward(tape, other, 1, mask));
  const std::vector<float> encoder_b = values(encoder.forward(tape, other, {}, 1, mask).mlm_logits);
  const std::size_t real = 4 * 11;
  CHECK(std::equal(gpt_a.begin(), gpt_a.begin() + real, gpt_b.begin()));
  CHECK(std::equal(encoder_a.begin(), encoder_a.begin() + real, encoder_b.begin()));

  // Without the mask the encoder's first token does see the changed tokens.
  const std::vector<float> unmasked_a = values(encoder.forward(tape, ids, {}, 1).mlm_logits);
  const std::vector<float> unmasked_b = values(encoder.forward(tape, other, {}, 1).mlm_logits);
  CHECK_FALSE(std::equal(unmasked_a.begin(), unmasked_a.begin() + 11, unmasked_b.begin()));
}

TEST_CASE("the decoder sees the source through cross-attention, minus its padding",
          "[step02][models]") {
  Seq2Seq model(tiny(Family::kSeq2Seq));
  init_large(model.parameters(), 4);
  std::vector<std::int32_t> source = {3, 4, 5, 0};
  const std::vector<std::uint8_t> source_mask = {1, 1, 1, 0};
  const std::vector<std::int32_t> target = {1, 2, 6};
  Tape tape;
  const std::vector<float> a = values(model.forward(tape, {source, source_mask}, {target, {}}, 1));
  source[3] = 9;  // padding: no effect
  const std::vector<float> b = values(model.forward(tape, {source, source_mask}, {target, {}}, 1));
  source[0] = 9;  // a real source token: every target position changes
  const std::vector<float> c = values(model.forward(tape, {source, source_mask}, {target, {}}, 1));
  CHECK(a == b);
  CHECK(row(model.forward(tape, {source, source_mask}, {target, {}}, 1), 0) !=
        std::vector<float>(a.begin(), a.begin() + 11));
  CHECK(a != c);
}

TEST_CASE("dropout is a pure function of (seed, step) and off in evaluation", "[step02][models]") {
  ModelConfig config = tiny(Family::kGpt);
  config.dropout = 0.5f;
  Gpt model(config);
  model.init(5);
  const std::vector<std::int32_t> ids = {1, 2, 3, 4};
  Tape tape;
  const auto run = [&](const RunOptions& options) {
    tape.reset();
    return values(model.forward(tape, ids, 1, {}, options));
  };
  const RunOptions step_3{.training = true, .seed = 9, .step = 3};
  const RunOptions step_4{.training = true, .seed = 9, .step = 4};
  CHECK(run(step_3) == run(step_3));
  CHECK(run(step_3) != run(step_4));
  CHECK(run({}) == run({.seed = 1, .step = 2}));
  CHECK(run({}) != run(step_3));
}

TEST_CASE("attention maps: one per layer (two per decoder layer), rows sum to 1",
          "[step02][models]") {
  Seq2Seq model(tiny(Family::kSeq2Seq));
  model.init(6);
  const std::vector<std::int32_t> source = {3, 4, 5, 0};
  const std::vector<std::uint8_t> source_mask = {1, 1, 1, 0};
  const std::vector<std::int32_t> target = {1, 2, 6};
  std::vector<AttentionMap> maps;
  Tape tape;
  model.forward(tape, {source, source_mask}, {target, {}}, 1, {.attention = &maps});
  REQUIRE(maps.size() == 6);
  CHECK(maps[0].name == "encoder.h.0.attn");
  CHECK(maps[3].name == "decoder.h.0.cross");
  CHECK(maps[3].queries == 3);
  CHECK(maps[3].keys == 4);
  for (const AttentionMap& map : maps) {
    for (std::int64_t r = 0; r < map.batch * map.heads * map.queries; ++r) {
      double sum = 0.0;
      for (std::int64_t s = 0; s < map.keys; ++s) sum += map.weights[r * map.keys + s];
      CHECK_THAT(sum, Catch::Matchers::WithinAbs(1.0, 1e-5));
    }
  }
  CHECK(maps[3].weights[3] == 0.0f);  // the padded source key gets no weight
}

TEST_CASE("weights round-trip through safetensors with the config", "[step02][models]") {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "tinygpt_models_test_round_trip.safetensors";
  Encoder model(tiny(Family::kEncoder));
  model.init(7);
  save_weights(path, model.config(), model.parameters());
  const SafetensorsFile file = SafetensorsFile::read(path);
  Encoder loaded(config_from_weights(file));
  load_weights(file, loaded.parameters());
  const std::vector<std::int32_t> ids = {1, 2, 3};
  Tape tape;
  CHECK(values(model.forward(tape, ids, {}, 1).mlm_logits) ==
        values(loaded.forward(tape, ids, {}, 1).mlm_logits));
  std::filesystem::remove(path);
}

TEST_CASE("Hugging Face GPT-2 names, buffers and a tied lm_head load, and bad files are refused",
          "[step02][models]") {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "tinygpt_models_test_hf.safetensors";
  Gpt model(tiny(Family::kGpt));
  model.init(8);
  const auto write = [&](const std::string& prefix, bool lm_head, bool extra, bool skip_ln_f,
                         bool wrong_shape) {
    std::vector<NamedTensor> tensors;
    std::vector<float> buffer(8 * 8, 1.0f);
    for (const Parameter& parameter : model.parameters()) {
      if (skip_ln_f && parameter.name == "ln_f.bias") continue;
      std::vector<std::int64_t> dims;
      for (int axis = 0; axis < parameter.shape.rank(); ++axis)
        dims.push_back(parameter.shape[axis]);
      if (wrong_shape && parameter.name == "h.1.mlp.c_fc.weight") std::swap(dims[0], dims[1]);
      tensors.push_back({prefix + parameter.name, dims, parameter.value});
    }
    tensors.push_back({prefix + "h.0.attn.bias", {1, 1, 8, 8}, buffer});
    tensors.push_back({prefix + "h.1.attn.masked_bias", {}, std::span(buffer).first(1)});
    const AlignedFloats& wte = model.parameters().at("wte.weight").value;
    std::vector<float> head(wte.begin(), wte.end());
    if (lm_head) {
      if (extra) head[5] += 1.0f;
      tensors.push_back({"lm_head.weight", {11, 8}, head});
    } else if (extra) {
      tensors.push_back({prefix + "h.0.mlp.gate.weight", {1}, std::span(buffer).first(1)});
    }
    write_safetensors(path, tensors);
  };
  const std::vector<std::int32_t> ids = {1, 2, 3};
  Tape tape;
  const std::vector<float> expected = values(model.forward(tape, ids, 1));
  for (const std::string prefix : {"", "transformer."}) {
    write(prefix, /*lm_head=*/true, false, false, false);
    Gpt loaded(model.config());
    load_weights(SafetensorsFile::read(path), loaded.parameters());
    CHECK(values(loaded.forward(tape, ids, 1)) == expected);
  }
  Gpt other(model.config());
  write("transformer.", true, /*extra=*/true, false, false);
  CHECK_THROWS_WITH(load_weights(SafetensorsFile::read(path), other.parameters()),
                    contains("lm_head.weight differs from wte.weight"));
  write("", false, /*extra=*/true, false, false);
  CHECK_THROWS_WITH(load_weights(SafetensorsFile::read(path), other.parameters()),
                    contains("tensor 'h.0.mlp.gate.weight' matches no parameter"));
  write("", false, false, /*skip_ln_f=*/true, false);
  CHECK_THROWS_WITH(load_weights(SafetensorsFile::read(path), other.parameters()),
                    contains("missing tensor 'ln_f.bias' of shape (8)"));
  write("", false, false, false, /*wrong_shape=*/true);
  CHECK_THROWS_WITH(load_weights(SafetensorsFile::read(path), other.parameters()),
                    contains("tensor 'h.1.mlp.c_fc.weight' has shape (32, 8) but the model's "
                             "config needs (8, 32)"));
  // Nothing was loaded by the refused files.
  for (const Parameter& parameter : other.parameters()) {
    CHECK(std::all_of(parameter.value.begin(), parameter.value.end(),
                      [](float value) { return value == 0.0f; }));
  }
  CHECK_THROWS_WITH(config_from_weights(SafetensorsFile::read(path)),
                    contains("no \"config\" in the metadata"));
  Encoder encoder(tiny(Family::kEncoder));
  write("", false, false, false, false);
  CHECK_THROWS_WITH(load_weights(SafetensorsFile::read(path), encoder.parameters()),
                    contains("missing tensor 'wtt.weight'"));
  std::filesystem::remove(path);
}

TEST_CASE("bad batches and configs are refused with the reason", "[step02][models]") {
  Gpt model(tiny(Family::kGpt));
  Tape tape;
  const std::vector<std::int32_t> ids = {1, 2, 3, 4, 5, 6};
  CHECK_THROWS_WITH(model.forward(tape, ids, 4), contains("6 ids do not split into a batch of 4"));
  const std::vector<std::int32_t> long_ids(9, 1);
  CHECK_THROWS_WITH(model.forward(tape, long_ids, 1),
                    contains("sequences of 9 tokens are longer than the context length 8"));
  const std::vector<std::int32_t> bad_id = {1, 11};
  CHECK_THROWS_WITH(model.forward(tape, bad_id, 1),
                    contains("token 1 is 11, outside the vocabulary [0, 11)"));
  const std::vector<std::uint8_t> short_mask = {1};
  CHECK_THROWS_WITH(model.forward(tape, ids, 1, short_mask),
                    contains("the mask has 1 flags for 6"));
  CHECK_THROWS_WITH(Gpt(tiny(Family::kEncoder)), contains("family is encoder, not gpt"));
  CHECK_THROWS_WITH(Seq2Seq(tiny(Family::kGpt)), contains("family is gpt, not seq2seq"));
}

TEST_CASE("every parameter's gradient matches finite differences, all three families",
          "[step02][models]") {
  const std::vector<std::int32_t> ids = {1, 2, 3, 4, 5, 6};
  const std::vector<std::uint8_t> mask = {1, 1, 1, 1, 1, 0};
  const std::vector<std::int32_t> targets = {2, 3, 4, 5, -1, -1};
  const auto check = [](ParameterSet& parameters, const GraphFn& loss) {
    std::vector<Tensor> inputs;
    for (Parameter& parameter : parameters) inputs.push_back(parameter.tensor());
    const GradCheckResult result = gradient_check(loss, inputs, testing::kGradStep);
    INFO(result.str());
    CHECK(result.relative_error < testing::kGradTolerance);
  };
  SECTION("gpt") {
    Gpt model(tiny(Family::kGpt));
    init_large(model.parameters(), 10);
    check(model.parameters(), [&](Tape& tape, std::span<const Tensor>) {
      return nn::softmax_cross_entropy(tape, model.forward(tape, ids, 2, mask), targets);
    });
  }
  SECTION("encoder") {
    Encoder model(tiny(Family::kEncoder));
    init_large(model.parameters(), 11);
    const std::vector<std::int32_t> types = {0, 0, 1, 0, 1, 1};
    const std::vector<std::int32_t> labels = {0, 1};
    check(model.parameters(), [&](Tape& tape, std::span<const Tensor>) {
      const EncoderOutput out = model.forward(tape, ids, types, 2, mask);
      return nn::add(tape, nn::softmax_cross_entropy(tape, out.mlm_logits, targets),
                     nn::softmax_cross_entropy(tape, out.nsp_logits, labels));
    });
  }
  SECTION("seq2seq") {
    Seq2Seq model(tiny(Family::kSeq2Seq));
    init_large(model.parameters(), 12);
    const std::vector<std::int32_t> target_ids = {1, 7, 8, 1, 9, 0};
    check(model.parameters(), [&](Tape& tape, std::span<const Tensor>) {
      return nn::softmax_cross_entropy(
          tape, model.forward(tape, {ids, mask}, {target_ids, mask}, 2), targets);
    });
  }
}
