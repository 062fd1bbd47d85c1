// LoRA adapters on disk (lora_files.h): PEFT's adapter_config.json and
// adapter_model.safetensors, with tinygpt's checks of the base in the metadata.
#include "tinygpt/tune/lora_files.h"

#include <nlohmann/json.hpp>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::tune {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kWeightsFile = "adapter_model.safetensors";
// The token embedding, saved whole by an adapter that added chat markers.
constexpr const char* kEmbeddingName = "base_model.model.transformer.wte.weight";

// PEFT's name of a layer's tensor: GPT-2's modules sit under "transformer." in transformers'
// GPT2LMHeadModel; the other families keep tinygpt's names.
std::string peft_name(models::Family family, const std::string& layer, const char* tensor) {
  const std::string module = family == models::Family::kGpt ? "transformer." + layer : layer;
  return "base_model.model." + module + "." + tensor + ".weight";
}

std::string task_type(const models::ModelFolder& model) {
  if (!model.head) return "CAUSAL_LM";
  return model.head->task == "classification" ? "SEQ_CLS" : "TOKEN_CLS";
}

// A (rows, cols) row-major matrix transposed, for PyTorch's (out, in) layout and back.
std::vector<float> transposed(std::span<const float> values, std::int64_t rows, std::int64_t cols) {
  std::vector<float> out(values.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) out[c * rows + r] = values[r * cols + c];
  }
  return out;
}

std::string hex(std::uint64_t value) {
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(value));
  return digits;
}

std::string metadata_field(const SafetensorsFile& file, const std::string& name) {
  const auto found = file.metadata().find(name);
  TINYGPT_CHECK(found != file.metadata().end(), file.origin(), ": no '", name,
                "' in the metadata: not an adapter saved by tinygpt");
  return found->second;
}

}  // namespace

std::uint64_t weights_hash(const ParameterSet& parameters) {
  std::string bytes;
  for (const Parameter& parameter : parameters) {
    bytes += parameter.name + '\0' + parameter.shape.str() + '\0';
    bytes.append(reinterpret_cast<const char*>(parameter.value.data()),
                 parameter.value.size() * sizeof(float));
  }
  return fnv1a_64(bytes);
}

LoraSettings read_lora_settings(const fs::path& adapter) {
  const fs::path path = adapter / kConfigFile;
  TINYGPT_CHECK(fs::is_regular_file(path), "--adapter ", adapter.string(), ": no ", kConfigFile,
                " (a folder saved by `tinygpt finetune --method lora`)");
  const std::string origin = path.string();
  const json object = json::parse(read_file(path), nullptr, false);
  TINYGPT_CHECK(object.is_object(), origin, ": not a JSON object");
  TINYGPT_CHECK(object.value("peft_type", "") == "LORA", origin,
                ": peft_type is not \"LORA\" (tinygpt loads LoRA adapters)");
  const auto field = [&](const char* name) -> const json& {
    TINYGPT_CHECK(object.contains(name), origin, ": no field '", name, "'");
    return object.at(name);
  };
  LoraSettings settings;
  TINYGPT_CHECK(field("r").is_number_integer(), origin, ": 'r' must be an integer");
  settings.rank = field("r").get<std::int64_t>();
  TINYGPT_CHECK(field("lora_alpha").is_number(), origin, ": 'lora_alpha' must be a number");
  settings.alpha = field("lora_alpha").get<float>();
  settings.dropout = object.value("lora_dropout", 0.0f);
  TINYGPT_CHECK(field("target_modules").is_array(), origin,
                ": 'target_modules' must be a list of layer names");
  settings.targets = field("target_modules").get<std::vector<std::string>>();
  TINYGPT_CHECK(object.value("fan_in_fan_out", false), origin,
                ": fan_in_fan_out must be true (GPT-2's layers keep W as (C_in, C_out))");
  return settings;
}

void save_lora_adapter(const fs::path& folder, const Lora& lora, models::ModelFolder& model,
                       std::uint64_t base_hash, const fs::path& base_folder) {
  TINYGPT_CHECK(!lora.merged(), "save_lora_adapter: unmerge the adapter first");
  ParameterSet& parameters = model.parameters();
  std::vector<std::vector<float>> storage;  // the transposed tensors, alive until written
  std::vector<NamedTensor> tensors;
  storage.reserve(2 * lora.layers().size());
  for (const std::string& layer : lora.layers()) {
    for (const char* tensor : {"lora_A", "lora_B"}) {
      const Parameter& parameter = parameters.at(layer + "." + tensor);
      const std::int64_t rows = parameter.shape[0];
      const std::int64_t cols = parameter.shape[1];
      storage.push_back(transposed(parameter.value, rows, cols));
      tensors.push_back(
          {peft_name(model.config.family, layer, tensor), {cols, rows}, storage.back()});
    }
  }
  std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"tinygpt.family", models::family_name(model.config.family)},
      {"tinygpt.base_hash", hex(base_hash)},
      {"tinygpt.base_format", lora.base_format()},
      {"tinygpt.vocab_size", std::to_string(model.config.vocab_size)}};
  if (model.head) {
    metadata["tinygpt.head"] = models::to_json(*model.head);
    for (const char* name : {"head.weight", "head.bias"}) {
      const Parameter& parameter = parameters.at(name);
      tensors.push_back(
          {std::string("base_model.model.") + name, parameter.shape.dims(), parameter.value});
    }
  }
  // An adapter that added chat markers trained the token embedding (their rows): it is saved
  // whole, as PEFT saves a module in modules_to_save.
  std::vector<std::string> modules_to_save;
  if (model.head) modules_to_save.push_back("head");
  if (model.chat) {
    metadata["tinygpt.chat"] = models::to_json(*model.chat);
    const Parameter& wte = parameters.at("wte.weight");
    tensors.push_back({kEmbeddingName, wte.shape.dims(), wte.value});
    modules_to_save.push_back("wte");
  }

  const LoraSettings& settings = lora.settings();
  nlohmann::ordered_json config;
  config["peft_type"] = "LORA";
  config["task_type"] = task_type(model);
  config["base_model_name_or_path"] = base_folder.string();
  config["r"] = settings.rank;
  config["lora_alpha"] = settings.alpha;
  config["lora_dropout"] = settings.dropout;
  config["target_modules"] = settings.targets;
  config["fan_in_fan_out"] = true;
  config["bias"] = "none";
  config["modules_to_save"] = modules_to_save.empty() ? json() : json(modules_to_save);
  config["inference_mode"] = true;
  fs::create_directories(folder);
  write_safetensors(folder / kWeightsFile, tensors, metadata);
  write_file_atomically(folder / kConfigFile, config.dump(2) + "\n");
}

AdaptedModel load_lora_adapter(const fs::path& base, const fs::path& adapter) {
  const LoraSettings settings = read_lora_settings(adapter);
  const fs::path weights_path = adapter / kWeightsFile;
  TINYGPT_CHECK(fs::is_regular_file(weights_path), "--adapter ", adapter.string(), ": no ",
                kWeightsFile);
  const SafetensorsFile file = SafetensorsFile::read(weights_path);
  AdaptedModel adapted{models::load_model_folder(base), nullptr};
  models::ModelFolder& model = adapted.folder;
  const std::string family = metadata_field(file, "tinygpt.family");
  TINYGPT_CHECK(family == models::family_name(model.config.family), "--adapter ", adapter.string(),
                ": the adapter is for a ", family, ", the base ", base.string(), " is a ",
                models::family_name(model.config.family));
  const std::string saved_hash = metadata_field(file, "tinygpt.base_hash");
  const std::string base_hash = hex(weights_hash(model.parameters()));
  TINYGPT_CHECK(saved_hash == base_hash, "--adapter ", adapter.string(),
                ": the adapter was trained on another base (weights hash ", saved_hash,
                "), not on ", base.string(), " (hash ", base_hash, ")");
  if (file.metadata().count("tinygpt.chat") != 0) {
    model.chat = models::parse_chat_template(file.metadata().at("tinygpt.chat"), file.origin());
    add_chat_markers(model);
    Parameter& wte = model.parameters().at("wte.weight");
    file.read_into(kEmbeddingName, wte.shape.dims(), wte.value);
  }
  const std::string vocab = metadata_field(file, "tinygpt.vocab_size");
  TINYGPT_CHECK(vocab == std::to_string(model.config.vocab_size), file.origin(),
                ": the adapter's model has ", vocab, " tokens, the base with its chat markers ",
                model.config.vocab_size);
  if (file.metadata().count("tinygpt.head") != 0) {
    model.head = models::parse_task_head(file.metadata().at("tinygpt.head"), file.origin());
    models::add_head_parameters(model.parameters(), model.config.width, *model.head, 0);
    for (const char* name : {"head.weight", "head.bias"}) {
      Parameter& parameter = model.parameters().at(name);
      file.read_into(std::string("base_model.model.") + name, parameter.shape.dims(),
                     parameter.value);
    }
  }
  adapted.lora = std::make_unique<Lora>(model.parameters(), model.config, settings, 0);
  for (const std::string& layer : adapted.lora->layers()) {
    for (const char* tensor : {"lora_A", "lora_B"}) {
      Parameter& parameter = model.parameters().at(layer + "." + tensor);
      const std::int64_t rows = parameter.shape[0];
      const std::int64_t cols = parameter.shape[1];
      std::vector<float> stored(parameter.value.size());
      const std::vector<std::int64_t> shape = {cols, rows};
      file.read_into(peft_name(model.config.family, layer, tensor), shape, stored);
      const std::vector<float> values = transposed(stored, cols, rows);
      std::copy(values.begin(), values.end(), parameter.value.begin());
    }
  }
  return adapted;
}

void merge_lora_adapter(const fs::path& base, const fs::path& adapter, const fs::path& out) {
  AdaptedModel adapted = load_lora_adapter(base, adapter);
  adapted.lora->merge();
  // The model's own parameters (and head), without the adapter's A and B.
  ParameterSet merged;
  for (const Parameter& parameter : adapted.folder.parameters()) {
    if (adapted.lora->owns(parameter.name)) continue;
    merged.add(parameter.name, parameter.shape);
    std::copy(parameter.value.begin(), parameter.value.end(),
              merged.at(parameter.name).value.begin());
  }
  const models::ModelFolder& folder = adapted.folder;
  models::save_model_folder(out, folder.config, merged, folder.tokenizer, folder.head, folder.chat);
}

}  // namespace tinygpt::tune
