// The alignment config (align/alignment.h): read from a JSON file, written back, and
// checked before any work is done.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "../train/config_detail.h"
#include "tinygpt/align/alignment.h"
#include "tinygpt/core/check.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/models/pretrained.h"

namespace tinygpt::align {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMethods[] = {"reward", "dpo", "ppo", "contrastive"};

constexpr std::string_view kFields[] = {
    "model",         "data",         "method",   "beta",        "context",   "test_pairs",
    "reference",     "reward_model", "rollouts", "ppo_epochs",  "ppo_clip",  "value_clip",
    "value_coef",    "gamma",        "lambda",   "adaptive_kl", "kl_target", "kl_horizon",
    "answer_tokens", "temperature",  "weaker"};

// The model folder at `path` (named by `option`): a GPT with the chat markers.
models::FolderConfig chat_gpt_folder(const fs::path& path, const char* option) {
  TINYGPT_CHECK(fs::is_regular_file(path / "config.json"), option, " ", path.string(),
                ": not a model folder (no config.json)");
  const models::FolderConfig folder = models::read_folder_config(path);
  TINYGPT_CHECK(folder.model.family == models::Family::kGpt, option, " ", path.string(),
                ": the model is of family ", models::family_name(folder.model.family),
                "; alignment needs a gpt");
  TINYGPT_CHECK(folder.chat.has_value(), option, " ", path.string(),
                " has no chat template: give an instruction-tuned model (tinygpt finetune "
                "--task instruct makes one)");
  return folder;
}

// A model that reads the policy's token ids: the same tokenizer file, byte for byte.
void check_same_tokenizer(const fs::path& path, const char* option, const fs::path& model) {
  TINYGPT_CHECK(data::tokenizer_file_hash(path / "tokenizer.bpe") ==
                    data::tokenizer_file_hash(model / "tokenizer.bpe"),
                option, " ", path.string(), " has another tokenizer than --model ", model.string(),
                ": it would read the policy's token ids as other text");
}

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
  using train::detail::read_field;
  read_field(object, "model", config.model, where);
  read_field(object, "data", config.data, where);
  read_field(object, "method", config.method, where);
  read_field(object, "beta", config.beta, where);
  read_field(object, "context", config.context, where);
  read_field(object, "test_pairs", config.test_pairs, where);
  read_field(object, "reference", config.reference, where);
  read_field(object, "reward_model", config.ppo.reward_model, where);
  read_field(object, "rollouts", config.ppo.rollouts, where);
  read_field(object, "ppo_epochs", config.ppo.epochs, where);
  read_field(object, "ppo_clip", config.ppo.clip, where);
  read_field(object, "value_clip", config.ppo.value_clip, where);
  read_field(object, "value_coef", config.ppo.value_coef, where);
  read_field(object, "gamma", config.ppo.gamma, where);
  read_field(object, "lambda", config.ppo.lambda, where);
  read_field(object, "adaptive_kl", config.ppo.adaptive_kl, where);
  read_field(object, "kl_target", config.ppo.kl_target, where);
  read_field(object, "kl_horizon", config.ppo.kl_horizon, where);
  read_field(object, "answer_tokens", config.ppo.answer_tokens, where);
  read_field(object, "temperature", config.ppo.temperature, where);
  read_field(object, "weaker", config.weaker, where);
  read_field(object, "sft_coef", config.sft_coef, where);
  const fs::path base = origin.parent_path();
  config.model = train::detail::relative_to(base, config.model);
  config.data = train::detail::relative_to(base, config.data);
  config.reference = train::detail::relative_to(base, config.reference);
  config.ppo.reward_model = train::detail::relative_to(base, config.ppo.reward_model);
  for (fs::path& weaker : config.weaker) weaker = train::detail::relative_to(base, weaker);
  return config;
}

std::string settings_json(const AlignConfig& config) {
  nlohmann::ordered_json object;
  object["model"] = config.model.string();
  object["data"] = config.data.string();
  object["method"] = config.method;
  if (config.method != "reward") {
    object["beta"] = config.beta;
    object["reference"] = config.reference.string();
  }
  if (config.method == "dpo" || config.method == "contrastive") {
    object["sft_coef"] = config.sft_coef;
  }
  object["context"] = config.context;
  object["test_pairs"] = config.test_pairs;
  if (config.method == "ppo") {
    const AlignConfig::Ppo& ppo = config.ppo;
    object["reward_model"] = ppo.reward_model.string();
    object["rollouts"] = ppo.rollouts;
    object["ppo_epochs"] = ppo.epochs;
    object["ppo_clip"] = ppo.clip;
    object["value_clip"] = ppo.value_clip;
    object["value_coef"] = ppo.value_coef;
    object["gamma"] = ppo.gamma;
    object["lambda"] = ppo.lambda;
    object["adaptive_kl"] = ppo.adaptive_kl;
    object["kl_target"] = ppo.kl_target;
    object["kl_horizon"] = ppo.kl_horizon;
    object["answer_tokens"] = ppo.answer_tokens;
    object["temperature"] = ppo.temperature;
  }
  if (config.method == "contrastive") {
    object["weaker"] = nlohmann::ordered_json::array();
    for (const fs::path& weaker : config.weaker) object["weaker"].push_back(weaker.string());
  }
  const std::string text = object.dump();
  return text.substr(1, text.size() - 2);  // without the braces
}

void check_align_config(const AlignConfig& config) {
  TINYGPT_CHECK(
      std::find(std::begin(kMethods), std::end(kMethods), config.method) != std::end(kMethods),
      "--method \"", config.method, "\" is unknown; use reward, dpo, ppo or contrastive");
  TINYGPT_CHECK(config.beta > 0.0f, "--beta must be positive, got ", config.beta);
  TINYGPT_CHECK(config.sft_coef >= 0.0f, "--sft-coef must be 0 or more, got ", config.sft_coef);
  TINYGPT_CHECK(!config.model.empty(),
                "--model is missing: give an instruction-tuned model folder (tinygpt finetune "
                "--task instruct makes one)");
  const models::FolderConfig folder = chat_gpt_folder(config.model, "--model");
  if (!config.reference.empty()) {
    const models::FolderConfig reference = chat_gpt_folder(config.reference, "--reference");
    TINYGPT_CHECK(models::to_json(reference.model) == models::to_json(folder.model), "--reference ",
                  config.reference.string(),
                  " is not of --model's shape: ", models::to_json(reference.model), " against ",
                  models::to_json(folder.model));
    check_same_tokenizer(config.reference, "--reference", config.model);
  }
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
  if (config.method == "ppo") {
    const AlignConfig::Ppo& ppo = config.ppo;
    TINYGPT_CHECK(!ppo.reward_model.empty(),
                  "--reward-model is missing: PPO needs a reward model (tinygpt align --method "
                  "reward makes one)");
    TINYGPT_CHECK(fs::is_regular_file(ppo.reward_model / "config.json"), "--reward-model ",
                  ppo.reward_model.string(), ": not a model folder (no config.json)");
    const models::FolderConfig reward = models::read_folder_config(ppo.reward_model);
    TINYGPT_CHECK(reward.head.has_value() && reward.head->task == "reward", "--reward-model ",
                  ppo.reward_model.string(),
                  " has no reward head: make one with tinygpt align --method reward");
    check_same_tokenizer(ppo.reward_model, "--reward-model", config.model);
    TINYGPT_CHECK(ppo.rollouts > 0 && ppo.rollouts % config.batch == 0, "--rollouts (",
                  ppo.rollouts, ") must be a positive multiple of --batch (", config.batch,
                  "): each iteration's samples split into equal minibatches");
    TINYGPT_CHECK(ppo.epochs > 0, "--ppo-epochs must be positive, got ", ppo.epochs);
    TINYGPT_CHECK(ppo.clip > 0.0f && ppo.value_clip > 0.0f,
                  "--ppo-clip and --value-clip must be "
                  "positive, got ",
                  ppo.clip, " and ", ppo.value_clip);
    TINYGPT_CHECK(ppo.value_coef >= 0.0f, "--value-coef must be 0 or more, got ", ppo.value_coef);
    TINYGPT_CHECK(
        ppo.gamma >= 0.0f && ppo.gamma <= 1.0f && ppo.lambda >= 0.0f && ppo.lambda <= 1.0f,
        "--gamma and --lambda must be in [0, 1], got ", ppo.gamma, " and ", ppo.lambda);
    TINYGPT_CHECK(ppo.kl_target > 0.0f && ppo.kl_horizon > 0.0f,
                  "--kl-target and --kl-horizon must be positive, got ", ppo.kl_target, " and ",
                  ppo.kl_horizon);
    TINYGPT_CHECK(ppo.answer_tokens > 0, "--answer-tokens must be positive, got ",
                  ppo.answer_tokens);
    TINYGPT_CHECK(ppo.temperature > 0.0f, "--temperature must be positive (PPO samples), got ",
                  ppo.temperature);
  }
  if (config.method == "contrastive") {
    TINYGPT_CHECK(!config.weaker.empty(),
                  "--weaker is missing: contrastive post-training needs at least one weaker "
                  "model, whose answers are the rejected ones");
    // Their answers are text, read again with the model's tokenizer: any chat GPT will do.
    for (const fs::path& weaker : config.weaker) chat_gpt_folder(weaker, "--weaker");
  }
  train::check_loop_config(config);  // last: it creates --out, once everything else is right
}

}  // namespace tinygpt::align
