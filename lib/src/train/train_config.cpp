// The pre-training config (train/trainer.h): reading it from a JSON file, writing it back,
// and checking it before any work is done.
#include <algorithm>
#include <string>

#include "config_detail.h"
#include "pretraining_detail.h"
#include "tinygpt/train/trainer.h"

namespace tinygpt::train {

namespace fs = std::filesystem;

namespace {
// The fields a pre-training config has besides the loop's (loop_config_fields()).
constexpr const char* kPretrainingFields[] = {"model_config", "family",  "data",
                                              "tokenizer",    "context", "sample_tokens"};
}  // namespace

TrainConfig parse_train_config(std::string_view json_text, const fs::path& origin) {
  const std::string where = origin.string();
  const nlohmann::json json = detail::parse_config_object(
      json_text, where, "a training config is {\"model_config\": ..., ...}");
  const std::vector<std::string_view> loop_fields = loop_config_fields();
  for (const auto& [key, value] : json.items()) {
    const bool known =
        std::find(loop_fields.begin(), loop_fields.end(), key) != loop_fields.end() ||
        std::any_of(std::begin(kPretrainingFields), std::end(kPretrainingFields),
                    [&key](const char* field) { return key == field; });
    TINYGPT_CHECK(known, where, ": unknown field '", key, "'");
  }
  TrainConfig config;
  read_loop_config(json_text, origin, config);
  const fs::path base = origin.parent_path();
  using detail::read_field;
  using detail::relative_to;
  read_field(json, "model_config", config.model_config, where);
  TINYGPT_CHECK(!config.model_config.empty(), where,
                ": field 'model_config' (the model's config.json) is missing");
  config.model_config = relative_to(base, config.model_config);
  config.model = models::load_model_config(config.model_config);
  if (json.contains("family")) {
    TINYGPT_CHECK(json.at("family").is_string(), where, ": field 'family' must be a string");
    const std::string family = json.at("family").get<std::string>();
    TINYGPT_CHECK(family == models::family_name(config.model.family), where, ": family '", family,
                  "' but the model config ", config.model_config.string(), " is a '",
                  models::family_name(config.model.family), "'");
  }
  read_field(json, "data", config.data, where);
  read_field(json, "tokenizer", config.tokenizer, where);
  config.data = relative_to(base, config.data);
  config.tokenizer = relative_to(base, config.tokenizer);
  read_field(json, "context", config.context, where);
  read_field(json, "sample_tokens", config.sample_tokens, where);
  return config;
}

std::string detail::pretraining_settings_json(const TrainConfig& config) {
  // Fields in a fixed order (ordered_json), so two equal configs give equal text.
  nlohmann::ordered_json json;
  json["model_config"] = config.model_config.string();
  json["family"] = models::family_name(config.model.family);
  json["data"] = config.data.string();
  json["tokenizer"] = config.tokenizer.string();
  json["context"] = config.time();
  json["sample_tokens"] = config.sample_tokens;
  const std::string text = json.dump();
  return text.substr(1, text.size() - 2);  // without the braces
}

std::string to_json(const TrainConfig& config) {
  // Built by appending: GCC 12 warns (wrongly, -Wrestrict) about "{" + a temporary string.
  std::string json = "{";
  json += detail::pretraining_settings_json(config);
  json += ",";
  json += loop_config_json(config);
  return json + "}";
}

void check_train_config(const TrainConfig& config) {
  TINYGPT_CHECK(
      config.context >= 0 && config.time() >= 1 && config.time() <= config.model.context_length,
      "--context must be in [1, ", config.model.context_length,
      "] (the model's context_length), got ", config.time());
  TINYGPT_CHECK(config.sample_tokens >= 0, "--sample-tokens must be 0 or more, got ",
                config.sample_tokens);
  TINYGPT_CHECK(!config.data.empty(),
                "--data is missing: give a folder of token files, a folder "
                "made by `tinygpt data generate`, or a text file");
  TINYGPT_CHECK(fs::exists(config.data), "--data ", config.data.string(),
                ": no such file or folder");
  if (config.model.family == models::Family::kSeq2Seq) {
    TINYGPT_CHECK(!detail::translation_file(config.data).empty(), "--data ", config.data.string(),
                  ": a seq2seq model trains on translation pairs; the folder needs translation.txt "
                  "or translation.jsonl (make it with: tinygpt data generate --kinds translation "
                  "--out ",
                  config.data.string(), ")");
  } else if (fs::is_directory(config.data)) {
    TINYGPT_CHECK(
        detail::has_token_files(config.data) || fs::is_regular_file(config.data / "stories.txt"),
        "--data ", config.data.string(),
        ": the folder has neither train.tokens + validation.tokens nor stories.txt "
        "(make it with: tinygpt data generate --out ",
        config.data.string(), ")");
  }
  if (!config.tokenizer.empty()) {
    TINYGPT_CHECK(fs::is_regular_file(config.tokenizer), "--tokenizer ", config.tokenizer.string(),
                  ": no such file");
  }
  check_loop_config(config);  // last: it creates --out, once everything else is right
}

}  // namespace tinygpt::train
