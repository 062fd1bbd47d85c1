// The fine-tuning config (tune/finetune.h): read from a JSON file, written back, and
// checked before any work is done.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "../train/config_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kFields[] = {"model",
                                        "data",
                                        "task",
                                        "method",
                                        "top_k",
                                        "train_examples",
                                        "hold_out_skill",
                                        "from_scratch",
                                        "context",
                                        "test_per_skill",
                                        "lora_rank",
                                        "lora_alpha",
                                        "lora_dropout",
                                        "lora_targets",
                                        "virtual_tokens",
                                        "prompt_init",
                                        "prompt_init_text",
                                        "prefix_projection",
                                        "prefix_hidden"};
constexpr std::string_view kTasks[] = {"classify", "instruct", "tokens"};
constexpr std::string_view kMethods[] = {"full",  "head",        "top_k_blocks", "lora",
                                         "qlora", "soft_prompt", "prefix"};
constexpr std::string_view kSkills[] = {"arithmetic", "copy", "reverse", "list", "summary"};

template <std::size_t N>
std::string listed(const std::string_view (&names)[N]) {
  std::string text;
  for (const std::string_view name : names) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

template <std::size_t N>
bool one_of(const std::string& value, const std::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), value) != std::end(names);
}

}  // namespace

std::vector<std::string_view> finetune_config_fields() {
  return {std::begin(kFields), std::end(kFields)};
}

FinetuneConfig parse_finetune_config(std::string_view json_text, const fs::path& origin) {
  const std::string where = origin.string();
  const json object = json::parse(json_text, nullptr, false);
  TINYGPT_CHECK(!object.is_discarded() && object.is_object(), where,
                ": not a JSON object (a fine-tuning config is {\"model\": ..., \"task\": ...})");
  const std::vector<std::string_view> loop_fields = train::loop_config_fields();
  for (const auto& [key, value] : object.items()) {
    TINYGPT_CHECK(one_of(key, kFields) ||
                      std::find(loop_fields.begin(), loop_fields.end(), key) != loop_fields.end(),
                  where, ": unknown field '", key, "'");
  }
  FinetuneConfig config;
  train::read_loop_config(json_text, origin, config);
  using train::detail::read_field;
  read_field(object, "model", config.model, where);
  read_field(object, "data", config.data, where);
  config.model = train::detail::relative_to(origin.parent_path(), config.model);
  config.data = train::detail::relative_to(origin.parent_path(), config.data);
  read_field(object, "task", config.task, where);
  read_field(object, "method", config.method, where);
  read_field(object, "top_k", config.top_k, where);
  read_field(object, "train_examples", config.train_examples, where);
  read_field(object, "hold_out_skill", config.hold_out_skill, where);
  read_field(object, "from_scratch", config.from_scratch, where);
  read_field(object, "context", config.context, where);
  read_field(object, "test_per_skill", config.test_per_skill, where);
  read_field(object, "lora_rank", config.lora.rank, where);
  read_field(object, "lora_alpha", config.lora.alpha, where);
  read_field(object, "lora_dropout", config.lora.dropout, where);
  read_field(object, "lora_targets", config.lora.targets, where);
  read_field(object, "virtual_tokens", config.prompt.virtual_tokens, where);
  read_field(object, "prompt_init", config.prompt.init, where);
  read_field(object, "prompt_init_text", config.prompt.init_text, where);
  read_field(object, "prefix_projection", config.prompt.projection, where);
  read_field(object, "prefix_hidden", config.prompt.projection_hidden, where);
  return config;
}

std::string settings_json(const FinetuneConfig& config) {
  nlohmann::ordered_json object;
  object["model"] = config.model.string();
  object["data"] = config.data.string();
  object["task"] = config.task;
  object["method"] = config.method;
  object["top_k"] = config.top_k;
  object["train_examples"] = config.train_examples;
  object["hold_out_skill"] = config.hold_out_skill;
  object["from_scratch"] = config.from_scratch;
  object["context"] = config.context;
  object["test_per_skill"] = config.test_per_skill;
  if (config.method == "lora" || config.method == "qlora") {
    object["lora_rank"] = config.lora.rank;
    object["lora_alpha"] = config.lora.alpha;
    object["lora_dropout"] = config.lora.dropout;
    object["lora_targets"] = config.lora.targets;
  }
  if (config.method == "soft_prompt" || config.method == "prefix") {
    object["virtual_tokens"] = config.prompt.virtual_tokens;
  }
  if (config.method == "soft_prompt") {
    object["prompt_init"] = config.prompt.init;
    object["prompt_init_text"] = config.prompt.init_text;
  }
  if (config.method == "prefix") {
    object["prefix_projection"] = config.prompt.projection;
    object["prefix_hidden"] = config.prompt.projection_hidden;
  }
  const std::string text = object.dump();
  return text.substr(1, text.size() - 2);  // without the braces
}

bool trains_adapter(std::string_view method) {
  return method == "lora" || method == "qlora" || method == "soft_prompt" || method == "prefix";
}

void check_finetune_config(const FinetuneConfig& config) {
  TINYGPT_CHECK(one_of(config.task, kTasks), "--task \"", config.task, "\" is unknown; use one of ",
                listed(kTasks));
  TINYGPT_CHECK(one_of(config.method, kMethods), "--method \"", config.method,
                "\" is unknown; use one of ", listed(kMethods));
  TINYGPT_CHECK(!(config.task == "instruct" && config.method == "head"),
                "--method head trains a classification head only; --task instruct has none "
                "(use full or top_k_blocks)");
  TINYGPT_CHECK(!config.model.empty(),
                "--model is missing: give a model folder (e.g. the "
                "journey's .tinygpt/journey/gpt/model)");
  TINYGPT_CHECK(fs::is_regular_file(config.model / "config.json"), "--model ",
                config.model.string(), ": not a model folder (no config.json)");
  const models::ModelConfig model = models::read_folder_config(config.model).model;
  // classify: a GPT or an encoder; instruct: a GPT (it generates); tokens: an encoder.
  const bool fits = config.task == "classify"   ? model.family != models::Family::kSeq2Seq
                    : config.task == "instruct" ? model.family == models::Family::kGpt
                                                : model.family == models::Family::kEncoder;
  TINYGPT_CHECK(fits, "--model ", config.model.string(), ": the model is of family ",
                models::family_name(model.family), "; --task ", config.task, " fine-tunes ",
                config.task == "classify"   ? "a gpt or an encoder"
                : config.task == "instruct" ? "a gpt"
                                            : "an encoder");
  if (config.method == "lora" || config.method == "qlora") check_lora_settings(config.lora, model);
  if (config.method == "soft_prompt" || config.method == "prefix") {
    check_prompt_settings(config.prompt, model);
    TINYGPT_CHECK(config.context + config.prompt.virtual_tokens <= model.context_length,
                  "--context ", config.context, " and --virtual-tokens ",
                  config.prompt.virtual_tokens, " exceed the model's context of ",
                  model.context_length, " (they share it; --context 0 takes what is left)");
  }
  TINYGPT_CHECK(
      config.method != "top_k_blocks" || (config.top_k >= 1 && config.top_k <= model.layers),
      "--top-k must be in [1, ", model.layers, "] (the model's layers), got ", config.top_k);
  TINYGPT_CHECK(config.context >= 0 && config.context <= model.context_length,
                "--context must be in "
                "[0, ",
                model.context_length, "] (0: the model's context_length), got ", config.context);
  TINYGPT_CHECK(config.test_per_skill >= 0, "--test-per-skill must be 0 (all) or more, got ",
                config.test_per_skill);
  TINYGPT_CHECK(config.train_examples >= 0, "--train-examples must be 0 (all) or more, got ",
                config.train_examples);
  TINYGPT_CHECK(!config.data.empty(),
                "--data is missing: give a folder made by `tinygpt data generate`");
  const char* file = config.task == "classify" ? "reviews.jsonl"
                     : config.task == "tokens" ? "entities.jsonl"
                                               : "instructions.jsonl";
  TINYGPT_CHECK(fs::is_regular_file(config.data / file), "--data ", config.data.string(), ": no ",
                file, " for --task ", config.task, " (make it with: tinygpt data generate --out ",
                config.data.string(), ")");
  TINYGPT_CHECK(config.hold_out_skill.empty() || config.task == "instruct",
                "--hold-out-skill is for --task instruct");
  TINYGPT_CHECK(config.hold_out_skill.empty() || one_of(config.hold_out_skill, kSkills),
                "--hold-out-skill \"", config.hold_out_skill, "\" is not a skill; use one of ",
                listed(kSkills));
  train::check_loop_config(config);  // last: it creates --out, once everything else is right
}

}  // namespace tinygpt::tune
