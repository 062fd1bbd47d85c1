#include "tinygpt/models/config.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::models {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& origin, const std::string& message) {
  throw Error(origin + ": " + message);
}

// The reader of one config object: every field it takes is crossed off, so leftovers are
// reported as unknown fields (a typo such as "layer" must not silently mean the default).
class Fields {
 public:
  Fields(const json& object, std::string origin) : object_(object), origin_(std::move(origin)) {}

  bool has(const std::string& name) const { return object_.contains(name); }

  std::int64_t positive_integer(const std::string& name) {
    const json& value = take(name);
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) {
      fail(origin_, "field '" + name + "' must be a positive integer, it is " + value.dump());
    }
    return value.get<std::int64_t>();
  }

  std::string text(const std::string& name) {
    const json& value = take(name);
    if (!value.is_string()) {
      fail(origin_, "field '" + name + "' must be a string, it is " + value.dump());
    }
    return value.get<std::string>();
  }

  float probability(const std::string& name) {
    const json& value = take(name);
    if (!value.is_number() || value.get<double>() < 0.0 || value.get<double>() >= 1.0) {
      fail(origin_, "field '" + name + "' must be a number in [0, 1), it is " + value.dump());
    }
    return value.get<float>();
  }

  bool boolean(const std::string& name) {
    const json& value = take(name);
    if (!value.is_boolean()) {
      fail(origin_, "field '" + name + "' must be true or false, it is " + value.dump());
    }
    return value.get<bool>();
  }

  // Hugging Face fields we read but do not need; they are accepted without a check.
  void ignore(const std::string& name) { used_.insert(name); }

  void reject_unknown() const {
    for (const auto& [name, value] : object_.items()) {
      if (used_.count(name) == 0) fail(origin_, "unknown field '" + name + "'");
    }
  }

 private:
  const json& take(const std::string& name) {
    if (!object_.contains(name)) fail(origin_, "missing field '" + name + "'");
    used_.insert(name);
    return object_.at(name);
  }

  const json& object_;
  std::string origin_;
  std::set<std::string> used_;
};

Family parse_family(const std::string& name, const std::string& origin) {
  if (name == "gpt") return Family::kGpt;
  if (name == "encoder") return Family::kEncoder;
  if (name == "seq2seq") return Family::kSeq2Seq;
  fail(origin,
       "field 'family' must be \"gpt\", \"encoder\" or \"seq2seq\", it is \"" + name + "\"");
}

ModelConfig parse_ours(Fields& fields, const std::string& origin) {
  ModelConfig config;
  config.family = parse_family(fields.text("family"), origin);
  config.vocab_size = fields.positive_integer("vocab_size");
  config.context_length = fields.positive_integer("context_length");
  config.width = fields.positive_integer("width");
  config.layers = fields.positive_integer("layers");
  config.heads = fields.positive_integer("heads");
  config.dropout = fields.probability("dropout");
  config.bias = fields.boolean("bias");
  config.positions =
      config.family == Family::kSeq2Seq ? Positions::kSinusoidal : Positions::kLearned;
  if (fields.has("positions")) {
    const std::string positions = fields.text("positions");
    if (positions == "learned") {
      config.positions = Positions::kLearned;
    } else if (positions == "sinusoidal") {
      config.positions = Positions::kSinusoidal;
    } else {
      fail(origin,
           "field 'positions' must be \"learned\" or \"sinusoidal\", it is \"" + positions + "\"");
    }
  }
  if (fields.has("type_vocab_size")) {
    if (config.family != Family::kEncoder) {
      fail(origin, "field 'type_vocab_size' belongs to the encoder family only");
    }
    config.type_vocab_size = fields.positive_integer("type_vocab_size");
  }
  return config;
}

// Hugging Face's GPT-2 config.json: the fields that change the computation are checked
// against what this library implements; the rest (task heads, generation defaults) only
// matter to other programs.
ModelConfig parse_hugging_face_gpt2(const json& object, Fields& fields, const std::string& origin) {
  ModelConfig config;
  config.family = Family::kGpt;
  config.vocab_size = fields.positive_integer("vocab_size");
  config.context_length = fields.positive_integer("n_positions");
  config.width = fields.positive_integer("n_embd");
  config.layers = fields.positive_integer("n_layer");
  config.heads = fields.positive_integer("n_head");
  config.bias = true;
  config.positions = Positions::kLearned;
  if (object.contains("activation_function") && object["activation_function"] != json("gelu_new")) {
    fail(origin, "activation_function " + object["activation_function"].dump() +
                     " is not supported; GPT-2 uses \"gelu_new\" (GELU, tanh approximation)");
  }
  if (object.contains("layer_norm_epsilon") &&
      (!object["layer_norm_epsilon"].is_number() ||
       std::abs(object["layer_norm_epsilon"].get<double>() - 1e-5) > 1e-12)) {
    fail(origin, "layer_norm_epsilon " + object["layer_norm_epsilon"].dump() +
                     " is not supported; this library uses 1e-5 as GPT-2");
  }
  // Two switches of Hugging Face's implementation change the attention scores.
  if (object.contains("scale_attn_weights") && object["scale_attn_weights"] != json(true)) {
    fail(origin, "scale_attn_weights " + object["scale_attn_weights"].dump() +
                     " is not supported; GPT-2 divides scores by sqrt(head size)");
  }
  if (object.contains("scale_attn_by_inverse_layer_idx") &&
      object["scale_attn_by_inverse_layer_idx"] == json(true)) {
    fail(origin, "scale_attn_by_inverse_layer_idx true is not supported");
  }
  if (object.contains("n_inner") && !object["n_inner"].is_null() &&
      object["n_inner"] != json(4 * config.width)) {
    fail(origin,
         "n_inner " + object["n_inner"].dump() + " is not supported; it must be 4 * n_embd");
  }
  // The model runs in evaluation mode when loaded for generation; dropout is set by training.
  config.dropout = 0.0f;
  return config;
}

}  // namespace

const char* family_name(Family family) {
  switch (family) {
    case Family::kGpt:
      return "gpt";
    case Family::kEncoder:
      return "encoder";
    case Family::kSeq2Seq:
      return "seq2seq";
  }
  return "?";
}

ModelConfig parse_model_config(std::string_view json_text, const std::string& origin) {
  json object;
  try {
    object = json::parse(json_text);
  } catch (const json::parse_error& error) {
    fail(origin, std::string("not valid JSON: ") + error.what());
  }
  if (!object.is_object()) fail(origin, "a model config must be a JSON object");

  Fields fields(object, origin);
  ModelConfig config;
  if (object.contains("family")) {
    config = parse_ours(fields, origin);
    fields.reject_unknown();
  } else if (object.value("model_type", "") == "gpt2" || object.contains("n_embd")) {
    config = parse_hugging_face_gpt2(object, fields, origin);
    for (const auto& [name, value] : object.items()) fields.ignore(name);
  } else {
    fail(origin, "missing field 'family' (\"gpt\", \"encoder\" or \"seq2seq\")");
  }
  if (config.width % config.heads != 0) {
    fail(origin, "width " + std::to_string(config.width) + " is not divisible by heads " +
                     std::to_string(config.heads));
  }
  if (config.positions == Positions::kSinusoidal && config.width % 2 != 0) {
    fail(origin, "sinusoidal positions need an even width, it is " + std::to_string(config.width));
  }
  return config;
}

ModelConfig load_model_config(const std::filesystem::path& path) {
  return parse_model_config(read_file(path), path.string());
}

std::string to_json(const ModelConfig& config) {
  nlohmann::ordered_json object;
  object["family"] = family_name(config.family);
  object["vocab_size"] = config.vocab_size;
  object["context_length"] = config.context_length;
  object["width"] = config.width;
  object["layers"] = config.layers;
  object["heads"] = config.heads;
  // Rounded so that 0.1f is written as 0.1, not as its float value 0.10000000149011612.
  object["dropout"] = std::round(static_cast<double>(config.dropout) * 1e6) / 1e6;
  object["bias"] = config.bias;
  object["positions"] = config.positions == Positions::kLearned ? "learned" : "sinusoidal";
  if (config.family == Family::kEncoder) object["type_vocab_size"] = config.type_vocab_size;
  return object.dump();
}

}  // namespace tinygpt::models
