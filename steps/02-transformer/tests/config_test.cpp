// Model configs: our JSON format, Hugging Face's GPT-2 config.json, and every bad field.
#include <filesystem>

#include "test_support.hpp"
#include "tinygpt/models/config.h"

using namespace tinygpt;
using namespace tinygpt::models;
using tinygpt::testing::contains;

namespace {
const std::filesystem::path kConfigs = std::filesystem::path(TINYGPT_STEP02_DIR) / "configs";

const char* kSmall = R"({"family": "gpt", "vocab_size": 67, "context_length": 16, "width": 32,
  "layers": 2, "heads": 4, "dropout": 0.1, "bias": true})";

std::string with(const std::string& field, const std::string& value) {
  std::string text = kSmall;
  const std::size_t at = text.find("\"" + field + "\"");
  const std::size_t colon = text.find(':', at);
  const std::size_t end = text.find_first_of(",}", colon);
  return text.substr(0, colon + 1) + " " + value + text.substr(end);
}
}  // namespace

TEST_CASE("a config is parsed with its defaults and written back", "[step02][config]") {
  const ModelConfig config = parse_model_config(kSmall, "small");
  CHECK(config.family == Family::kGpt);
  CHECK(config.vocab_size == 67);
  CHECK(config.head_size() == 8);
  CHECK(config.positions == Positions::kLearned);
  CHECK(config.dropout == 0.1f);
  const ModelConfig again = parse_model_config(to_json(config), "round trip");
  CHECK(to_json(again) == to_json(config));
  CHECK(to_json(config).find("\"dropout\":0.1,") != std::string::npos);
}

TEST_CASE("the shipped configs parse", "[step02][config]") {
  const ModelConfig small = load_model_config(kConfigs / "small.json");
  CHECK(small.width == 256);
  CHECK(small.layers == 4);
  const ModelConfig gpt2 = load_model_config(kConfigs / "gpt2-124m.json");
  CHECK(gpt2.vocab_size == 50257);
  CHECK(gpt2.heads == 12);
  CHECK(load_model_config(kConfigs / "small-encoder.json").family == Family::kEncoder);
  const ModelConfig seq2seq = load_model_config(kConfigs / "small-seq2seq.json");
  CHECK(seq2seq.family == Family::kSeq2Seq);
  CHECK(seq2seq.positions == Positions::kSinusoidal);
}

TEST_CASE("Hugging Face's GPT-2 config.json is read", "[step02][config]") {
  const char* hugging_face = R"({"activation_function": "gelu_new", "architectures":
    ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": 50256, "embd_pdrop": 0.1,
    "eos_token_id": 50256, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12,
    "n_positions": 1024, "resid_pdrop": 0.1, "vocab_size": 50257})";
  const ModelConfig config = parse_model_config(hugging_face, "config.json");
  CHECK(config.family == Family::kGpt);
  CHECK(config.width == 768);
  CHECK(config.context_length == 1024);
  CHECK(config.layers == 12);
  CHECK(config.dropout == 0.0f);
  CHECK_THROWS_WITH(
      parse_model_config(R"({"model_type": "gpt2", "n_embd": 8, "n_head": 2, "n_layer": 1,
        "n_positions": 4, "vocab_size": 5, "activation_function": "relu"})",
                         "config.json"),
      contains("activation_function \"relu\" is not supported"));
  CHECK_THROWS_WITH(
      parse_model_config(R"({"model_type": "gpt2", "n_embd": 8, "n_head": 2, "n_layer": 1,
        "n_positions": 4, "vocab_size": 5, "scale_attn_weights": false})",
                         "config.json"),
      contains("scale_attn_weights false is not supported"));
}

TEST_CASE("a bad config names the file, the field and the value", "[step02][config]") {
  CHECK_THROWS_WITH(parse_model_config(with("width", "30"), "my.json"),
                    contains("my.json: width 30 is not divisible by heads 4"));
  CHECK_THROWS_WITH(parse_model_config(with("layers", "0"), "my.json"),
                    contains("field 'layers' must be a positive integer, it is 0"));
  CHECK_THROWS_WITH(parse_model_config(with("heads", "\"four\""), "my.json"),
                    contains("field 'heads' must be a positive integer, it is \"four\""));
  CHECK_THROWS_WITH(parse_model_config(with("dropout", "1.0"), "my.json"),
                    contains("field 'dropout' must be a number in [0, 1), it is 1.0"));
  CHECK_THROWS_WITH(parse_model_config(with("bias", "1"), "my.json"),
                    contains("field 'bias' must be true or false"));
  CHECK_THROWS_WITH(parse_model_config(with("family", "\"rnn\""), "my.json"),
                    contains("field 'family' must be \"gpt\", \"encoder\" or \"seq2seq\""));
  CHECK_THROWS_WITH(parse_model_config(R"({"family": "gpt"})", "my.json"),
                    contains("missing field 'vocab_size'"));
  CHECK_THROWS_WITH(
      parse_model_config(std::string(kSmall).replace(1, 0, "\"layer\": 3, "), "my.json"),
      contains("unknown field 'layer'"));
  CHECK_THROWS_WITH(parse_model_config("[1, 2]", "my.json"), contains("must be a JSON object"));
  CHECK_THROWS_WITH(parse_model_config("{\"family\": ", "my.json"),
                    contains("my.json: not valid JSON"));
  CHECK_THROWS_WITH(
      parse_model_config(std::string(kSmall).replace(1, 0, "\"type_vocab_size\": 2, "), "my.json"),
      contains("'type_vocab_size' belongs to the encoder family only"));
  CHECK_THROWS_WITH(load_model_config("/nonexistent/model.json"),
                    contains("/nonexistent/model.json"));
}
