// The alignment config (align/alignment.h): read from a JSON file, written back, and
// checked before any work is done.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "../train/config_detail.h"
#include "tinygpt/align/alignment.h"
#include "tinygpt/core/check.h"
#include "tinygpt/models/pretrained.h"

namespace tinygpt::align {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFields[] = {"model", "data", "method", "beta", "context", "test_pairs"};

}  // namespace

AlignConfig parse_align_config(std::string_view json_text, const fs::path& origin) {
  const std::string where = origin.string();
  const nlohmann::json object = train::detail::parse_config_object(
      json_text, where, "an alignment config is {\"model\": ..., \"method\": \"dpo\", ...}");
  const std::vector<std::string_view> loop_fields = train::loop_config_fields();
  for (const auto& [key, value] : object.items()) {
    TINYGPT_CHECK(std::find(std::begin(kFields), std::end(kFields), key) != std::end(kFields) ||
                      std::find(loop_fields.begin(), loop_fields.end(), key) != loop_fields.end(),
                  where, ": unknown field '", key, "'");
  }
  AlignConfig config;
  train::read_loop_config(json_text, origin, config);
  train::detail::read_field(object, "model", config.model, where);
  train::detail::read_field(object, "data", config.data, where);
  train::detail::read_field(object, "method", config.method, where);
  train::detail::read_field(object, "beta", config.beta, where);
  train::detail::read_field(object, "context", config.context, where);
  train::detail::read_field(object, "test_pairs", config.test_pairs, where);
  config.model = train::detail::relative_to(origin.parent_path(), config.model);
  config.data = train::detail::relative_to(origin.parent_path(), config.data);
  return config;
}

std::string to_json(const AlignConfig& config) {
  nlohmann::ordered_json object;
  object["model"] = config.model.string();
  object["data"] = config.data.string();
  object["method"] = config.method;
  if (config.method == "dpo") object["beta"] = config.beta;
  object["context"] = config.context;
  object["test_pairs"] = config.test_pairs;
  std::string text = object.dump();
  text.pop_back();  // the loop's fields follow in the same object
  return text + "," + train::loop_config_json(config) + "}";
}

void check_align_config(const AlignConfig& config) {
  TINYGPT_CHECK(config.method == "reward" || config.method == "dpo", "--method \"", config.method,
                "\" is unknown; use reward or dpo");
  TINYGPT_CHECK(config.beta > 0.0f, "--beta must be positive, got ", config.beta);
  TINYGPT_CHECK(!config.model.empty(),
                "--model is missing: give an instruction-tuned model folder (tinygpt finetune "
                "--task instruct makes one)");
  TINYGPT_CHECK(fs::is_regular_file(config.model / "config.json"), "--model ",
                config.model.string(), ": not a model folder (no config.json)");
  const models::FolderConfig folder = models::read_folder_config(config.model);
  TINYGPT_CHECK(folder.model.family == models::Family::kGpt, "--model ", config.model.string(),
                ": the model is of family ", models::family_name(folder.model.family),
                "; alignment trains a gpt");
  TINYGPT_CHECK(folder.chat.has_value(), "--model ", config.model.string(),
                " has no chat template: align an instruction-tuned model (tinygpt finetune "
                "--task instruct makes one)");
  TINYGPT_CHECK(config.context >= 0 && config.context <= folder.model.context_length,
                "--context must be in [0, ", folder.model.context_length,
                "] (0: the model's context_length), got ", config.context);
  TINYGPT_CHECK(config.test_pairs >= 0, "--test-pairs must be 0 (all) or more, got ",
                config.test_pairs);
  TINYGPT_CHECK(!config.data.empty(),
                "--data is missing: give a folder made by `tinygpt data generate`");
  TINYGPT_CHECK(fs::is_regular_file(config.data / "preferences.jsonl"), "--data ",
                config.data.string(),
                ": no preferences.jsonl (make it with: tinygpt data generate --kinds preferences "
                "--out ",
                config.data.string(), ")");
  train::check_loop_config(config);  // last: it creates --out, once everything else is right
}

}  // namespace tinygpt::align
