#include "tinygpt/models/pretrained.h"

#include <nlohmann/json.hpp>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/models/weights.h"

namespace tinygpt::models {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The head's weights draw from the init stream after every backbone parameter's index.
constexpr std::uint64_t kHeadInitIndex = std::uint64_t{1} << 32;

fs::path required(const fs::path& folder, const char* name, const char* what) {
  const fs::path path = folder / name;
  if (!fs::is_regular_file(path)) {
    throw Error(folder.string() + ": no " + name + " (" + what + ")");
  }
  return path;
}

text::BpeTokenizer load_tokenizer(const fs::path& folder) {
  if (fs::is_regular_file(folder / "tokenizer.bpe")) {
    return text::BpeTokenizer::load(folder / "tokenizer.bpe");
  }
  if (fs::is_regular_file(folder / "vocab.json")) {
    return text::BpeTokenizer::load_gpt2(
        folder / "vocab.json", required(folder, "merges.txt", "GPT-2's merges, with vocab.json"));
  }
  throw Error(folder.string() +
              ": no tokenizer; it needs tokenizer.bpe (ours) or vocab.json + merges.txt (GPT-2)");
}

std::string string_field(const json& object, const char* name, const std::string& origin) {
  TINYGPT_CHECK(object.contains(name) && object[name].is_string(), origin, ": field '", name,
                "' must be a string");
  return object[name].get<std::string>();
}

TaskHead parse_head(const json& object, const std::string& origin) {
  TINYGPT_CHECK(object.is_object(), origin, ": field 'head' must be an object");
  TaskHead head;
  head.task = string_field(object, "task", origin + " head");
  TINYGPT_CHECK(head.task == "classification" || head.task == "tagging" || head.task == "reward",
                origin,
                ": head task must be \"classification\", \"tagging\" or \"reward\", it is \"",
                head.task, "\"");
  // A reward head scores a sequence: one output, read where a classification head reads.
  const bool pooled = head.task == "classification" || head.task == "reward";
  TINYGPT_CHECK(object.contains("labels") && object["labels"].is_array(), origin,
                ": head field 'labels' must be an array of label names");
  std::set<std::string> seen;
  for (const json& label : object["labels"]) {
    TINYGPT_CHECK(label.is_string() && !label.get<std::string>().empty(), origin,
                  ": head labels must be non-empty strings, one is ", label.dump());
    TINYGPT_CHECK(seen.insert(label.get<std::string>()).second, origin, ": head label \"",
                  label.get<std::string>(), "\" is listed twice");
    head.labels.push_back(label.get<std::string>());
  }
  TINYGPT_CHECK(head.task == "reward" ? head.labels.size() == 1 : head.labels.size() >= 2, origin,
                ": a ", head.task, " head needs ",
                head.task == "reward" ? "exactly 1 label" : "at least 2 labels", ", it has ",
                head.labels.size());
  if (pooled) {
    head.pooling = string_field(object, "pooling", origin + " head");
    TINYGPT_CHECK(head.pooling == "last" || head.pooling == "first", origin,
                  ": head pooling must be \"last\" or \"first\", it is \"", head.pooling, "\"");
  }
  for (const auto& [name, value] : object.items()) {
    TINYGPT_CHECK(name == "task" || name == "labels" || (name == "pooling" && pooled), origin,
                  ": unknown head field '", name, "'");
  }
  return head;
}

text::ChatTemplate parse_chat(const json& object, const std::string& origin) {
  TINYGPT_CHECK(object.is_object(), origin, ": field 'chat' must be an object");
  text::ChatTemplate chat{string_field(object, "user", origin + " chat"),
                          string_field(object, "assistant", origin + " chat"),
                          string_field(object, "end", origin + " chat")};
  TINYGPT_CHECK(object.size() == 3, origin,
                ": field 'chat' has fields besides user, assistant and end");
  return chat;
}

std::variant<Gpt, Encoder, Seq2Seq> make_model(const ModelConfig& config) {
  switch (config.family) {
    case Family::kGpt:
      return Gpt(config);
    case Family::kEncoder:
      return Encoder(config);
    case Family::kSeq2Seq:
      return Seq2Seq(config);
  }
  throw Error("make_model: unknown family");
}

}  // namespace

std::string to_json(const TaskHead& head) {
  nlohmann::ordered_json object;
  object["task"] = head.task;
  object["labels"] = head.labels;
  if (!head.pooling.empty()) object["pooling"] = head.pooling;
  return object.dump();
}

TaskHead parse_task_head(std::string_view json_text, const std::string& origin) {
  return parse_head(json::parse(json_text, nullptr, false), origin);
}

std::string to_json(const text::ChatTemplate& chat) {
  nlohmann::ordered_json object = {
      {"user", chat.user}, {"assistant", chat.assistant}, {"end", chat.end}};
  return object.dump();
}

text::ChatTemplate parse_chat_template(std::string_view json_text, const std::string& origin) {
  return parse_chat(json::parse(json_text, nullptr, false), origin);
}

void add_head_parameters(ParameterSet& parameters, std::int64_t width, const TaskHead& head,
                         std::uint64_t seed) {
  const auto labels = static_cast<std::int64_t>(head.labels.size());
  Tensor weight = parameters.add("head.weight", Shape{width, labels});
  parameters.add("head.bias", Shape{labels});
  fill_normal(std::span<float>(weight.data, static_cast<std::size_t>(weight.numel())), seed,
              RngStream::kInit, kHeadInitIndex, 0.0f, 0.02f);
}

ParameterSet& ModelFolder::parameters() {
  return std::visit([](auto& network) -> ParameterSet& { return network.parameters(); }, model);
}

FolderConfig read_folder_config(const fs::path& folder) {
  if (!fs::is_directory(folder)) throw Error(folder.string() + ": no such model folder");
  const fs::path config_path = required(folder, "config.json", "the model's config");
  const std::string origin = config_path.string();
  json object = json::parse(read_file(config_path), nullptr, false);
  TINYGPT_CHECK(!object.is_discarded() && object.is_object(), origin,
                ": not a JSON object (a model config)");
  FolderConfig config;
  if (object.contains("head")) {
    config.head = parse_head(object["head"], origin);
    object.erase("head");
  }
  if (object.contains("chat")) {
    config.chat = parse_chat(object["chat"], origin);
    object.erase("chat");
  }
  config.model = parse_model_config(object.dump(), origin);
  return config;
}

ModelFolder load_model_folder(const fs::path& folder) {
  auto [config, head, chat] = read_folder_config(folder);
  ModelFolder loaded{config, make_model(config), load_tokenizer(folder), std::nullopt, head, chat};
  // Checked before the weights are read: a real checkpoint is hundreds of megabytes.
  if (loaded.tokenizer.vocab_size() > config.vocab_size) {
    throw Error(folder.string() + ": the tokenizer has " +
                std::to_string(loaded.tokenizer.vocab_size()) + " tokens but the model only " +
                std::to_string(config.vocab_size));
  }
  if (chat) {
    for (const std::string& marker : chat->markers()) {
      TINYGPT_CHECK(loaded.tokenizer.has_special(marker), folder.string(), ": the chat marker ",
                    marker, " is not a special token of the tokenizer");
    }
  }
  if (head) add_head_parameters(loaded.parameters(), config.width, *head, 0);
  load_weights(SafetensorsFile::read(required(folder, "model.safetensors", "the model's weights")),
               loaded.parameters());
  if (loaded.tokenizer.has_special("<|endoftext|>")) {
    loaded.end_of_text = loaded.tokenizer.special_id("<|endoftext|>");
  }
  return loaded;
}

void save_model_folder(const fs::path& folder, const ModelConfig& config,
                       const ParameterSet& parameters, const text::BpeTokenizer& tokenizer,
                       const std::optional<TaskHead>& head,
                       const std::optional<text::ChatTemplate>& chat) {
  nlohmann::ordered_json object = nlohmann::ordered_json::parse(to_json(config));
  if (head) object["head"] = nlohmann::ordered_json::parse(to_json(*head));
  if (chat) object["chat"] = nlohmann::ordered_json::parse(to_json(*chat));
  fs::create_directories(folder);
  write_file_atomically(folder / "config.json", object.dump(2) + "\n");
  save_weights(folder / "model.safetensors", config, parameters);
  tokenizer.save(folder / "tokenizer.bpe");
}

PretrainedGpt load_pretrained_gpt(const fs::path& folder) {
  return pretrained_gpt(load_model_folder(folder), folder);
}

PretrainedGpt pretrained_gpt(ModelFolder loaded, const fs::path& folder) {
  Gpt* gpt = std::get_if<Gpt>(&loaded.model);
  TINYGPT_CHECK(gpt != nullptr, folder.string(), ": the model is of family ",
                family_name(loaded.config.family), "; a gpt is needed here");
  return {std::move(*gpt), std::move(loaded.tokenizer), loaded.end_of_text, loaded.head,
          loaded.chat};
}

void save_pretrained_gpt(const fs::path& folder, Gpt& model, const text::BpeTokenizer& tokenizer) {
  save_model_folder(folder, model.config(), model.parameters(), tokenizer);
}

}  // namespace tinygpt::models
