// PEFT adapters on disk (adapter_files.h): PEFT's adapter_config.json and
// adapter_model.safetensors for LoRA, soft prompts and prefixes, with tinygpt's checks of
// the base in the metadata.
#include "tinygpt/tune/adapter_files.h"

#include <list>
#include <nlohmann/json.hpp>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/lora.h"
#include "tinygpt/tune/prompt_tuning.h"

namespace tinygpt::tune {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kWeightsFile = "adapter_model.safetensors";
// The token embedding, saved whole by an adapter that added chat markers.
constexpr const char* kEmbeddingName = "base_model.model.transformer.wte.weight";
// A soft prompt's or a prefix's virtual tokens, PEFT's name.
constexpr const char* kPromptName = "prompt_embeddings";

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

// What a method writes: its fields of adapter_config.json and its tensors (their values
// kept alive in `storage` until written).
struct MethodFiles {
  nlohmann::ordered_json config;
  std::list<std::vector<float>> storage;
  std::vector<NamedTensor> tensors;

  void add(std::string name, std::vector<std::int64_t> shape, std::vector<float> values) {
    storage.push_back(std::move(values));
    tensors.push_back({std::move(name), std::move(shape), storage.back()});
  }
};

void lora_files(const Lora& lora, models::ModelFolder& model, MethodFiles& files) {
  TINYGPT_CHECK(!lora.merged(), "save_adapter: unmerge the LoRA adapter first");
  for (const std::string& layer : lora.layers()) {
    for (const char* tensor : {"lora_A", "lora_B"}) {
      const Parameter& parameter = model.parameters().at(layer + "." + tensor);
      const std::int64_t rows = parameter.shape[0];
      const std::int64_t cols = parameter.shape[1];
      files.add(peft_name(model.config.family, layer, tensor), {cols, rows},
                transposed(parameter.value, rows, cols));
    }
  }
  const LoraSettings& settings = lora.settings();
  files.config["r"] = settings.rank;
  files.config["lora_alpha"] = settings.alpha;
  files.config["lora_dropout"] = settings.dropout;
  files.config["target_modules"] = settings.targets;
  files.config["fan_in_fan_out"] = true;
  files.config["bias"] = "none";
}

// The fields soft prompts and prefixes share (PEFT's PromptLearningConfig).
void prompt_config(const PromptSettings& settings, const models::ModelConfig& config,
                   MethodFiles& files) {
  files.config["num_virtual_tokens"] = settings.virtual_tokens;
  files.config["token_dim"] = config.width;
  files.config["num_transformer_submodules"] = 1;
  files.config["num_attention_heads"] = config.heads;
  files.config["num_layers"] = config.layers;
}

void soft_prompt_files(const SoftPrompt& prompt, models::ModelFolder& model,
                       const fs::path& base_folder, MethodFiles& files) {
  const Parameter& embeddings = model.parameters().at(std::string(SoftPrompt::kName));
  files.add(kPromptName, embeddings.shape.dims(),
            std::vector<float>(embeddings.value.begin(), embeddings.value.end()));
  const PromptSettings& settings = prompt.settings();
  prompt_config(settings, model.config, files);
  const bool text = settings.init == "text";
  files.config["prompt_tuning_init"] = text ? "TEXT" : "RANDOM";
  files.config["prompt_tuning_init_text"] = text ? json(settings.init_text) : json();
  files.config["tokenizer_name_or_path"] = text ? json(base_folder.string()) : json();
}

void prefix_files(Prefix& prefix, const models::ModelFolder& model, MethodFiles& files) {
  // (L, n, 2C) from key_values(), stored (n, L 2C) as PEFT's folded prompt_embeddings.
  const std::vector<float> values = prefix.key_values();
  const std::int64_t layers = model.config.layers;
  const std::int64_t n = prefix.virtual_tokens();
  const std::int64_t row = 2 * model.config.width;
  std::vector<float> stored(values.size());
  for (std::int64_t l = 0; l < layers; ++l) {
    for (std::int64_t i = 0; i < n; ++i) {
      std::copy_n(values.begin() + (l * n + i) * row, row, stored.begin() + (i * layers + l) * row);
    }
  }
  files.add(kPromptName, {n, layers * row}, std::move(stored));
  const PromptSettings& settings = prefix.settings();
  prompt_config(settings, model.config, files);
  files.config["prefix_projection"] = settings.projection;
  files.config["encoder_hidden_size"] = settings.projection ? settings.projection_hidden : 0;
}

json read_config(const fs::path& adapter) {
  const fs::path path = adapter / kConfigFile;
  TINYGPT_CHECK(fs::is_regular_file(path), "--adapter ", adapter.string(), ": no ", kConfigFile,
                " (a folder saved by `tinygpt finetune --method lora`, soft_prompt or prefix)");
  const json object = json::parse(read_file(path), nullptr, false);
  TINYGPT_CHECK(object.is_object(), path.string(), ": not a JSON object");
  return object;
}

// A field of adapter_config.json that must be there, with the kind of value it must have.
template <typename Check>
const json& field(const json& config, const std::string& origin, const char* name, Check is_kind,
                  const char* kind) {
  TINYGPT_CHECK(config.contains(name), origin, ": no field '", name, "'");
  const json& value = config.at(name);
  TINYGPT_CHECK(is_kind(value), origin, ": '", name, "' must be ", kind);
  return value;
}

std::int64_t integer(const json& config, const std::string& origin, const char* name) {
  return field(
             config, origin, name, [](const json& v) { return v.is_number_integer(); },
             "an integer")
      .get<std::int64_t>();
}

std::unique_ptr<PeftAdapter> load_lora(const json& config, const std::string& origin,
                                       const SafetensorsFile& file, models::ModelFolder& model) {
  LoraSettings settings;
  settings.rank = integer(config, origin, "r");
  settings.alpha =
      field(
          config, origin, "lora_alpha", [](const json& v) { return v.is_number(); }, "a number")
          .get<float>();
  settings.dropout = config.value("lora_dropout", 0.0f);
  settings.targets = field(
                         config, origin, "target_modules",
                         [](const json& v) { return v.is_array(); }, "a list of layer names")
                         .get<std::vector<std::string>>();
  TINYGPT_CHECK(config.value("fan_in_fan_out", false), origin,
                ": fan_in_fan_out must be true (GPT-2's layers keep W as (C_in, C_out))");
  auto lora = std::make_unique<Lora>(model.parameters(), model.config, settings, 0);
  for (const std::string& layer : lora->layers()) {
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
  return lora;
}

// The settings of a soft prompt or prefix, checked against the model it attaches to.
PromptSettings prompt_settings(const json& config, const std::string& origin,
                               const models::ModelConfig& model) {
  PromptSettings settings;
  settings.virtual_tokens = integer(config, origin, "num_virtual_tokens");
  for (const auto& [name, expected] :
       {std::pair<const char*, std::int64_t>{"token_dim", model.width},
        {"num_layers", model.layers},
        {"num_attention_heads", model.heads}}) {
    const std::int64_t value = integer(config, origin, name);
    TINYGPT_CHECK(value == expected, origin, ": ", name, " is ", value, ", the base model's ",
                  expected);
  }
  return settings;
}

std::unique_ptr<PeftAdapter> load_soft_prompt(const json& config, const std::string& origin,
                                              const SafetensorsFile& file,
                                              models::ModelFolder& model) {
  // Loaded values replace the init, so the loaded prompt starts "random".
  auto prompt = std::make_unique<SoftPrompt>(model.parameters(), model.config,
                                             prompt_settings(config, origin, model.config),
                                             std::span<const std::int32_t>{}, 0);
  Parameter& embeddings = model.parameters().at(std::string(SoftPrompt::kName));
  file.read_into(kPromptName, embeddings.shape.dims(), embeddings.value);
  return prompt;
}

std::unique_ptr<PeftAdapter> load_prefix(const json& config, const std::string& origin,
                                         const SafetensorsFile& file, models::ModelFolder& model) {
  PromptSettings settings = prompt_settings(config, origin, model.config);
  settings.projection = false;  // saved folded
  auto prefix = std::make_unique<Prefix>(model.parameters(), model.config, settings, 0);
  const std::int64_t layers = model.config.layers;
  const std::int64_t n = settings.virtual_tokens;
  const std::int64_t row = 2 * model.config.width;
  std::vector<float> stored(static_cast<std::size_t>(n * layers * row));
  const std::vector<std::int64_t> shape = {n, layers * row};
  file.read_into(kPromptName, shape, stored);
  std::vector<float> values(stored.size());  // (n, L 2C) back to (L, n, 2C)
  for (std::int64_t l = 0; l < layers; ++l) {
    for (std::int64_t i = 0; i < n; ++i) {
      std::copy_n(stored.begin() + (i * layers + l) * row, row, values.begin() + (l * n + i) * row);
    }
  }
  prefix->set_key_values(values);
  return prefix;
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

void save_adapter(const fs::path& folder, PeftAdapter& adapter, models::ModelFolder& model,
                  std::uint64_t base_hash, const fs::path& base_folder) {
  MethodFiles files;
  files.config["peft_type"] = std::string(adapter.peft_type());
  files.config["task_type"] = task_type(model);
  files.config["base_model_name_or_path"] = base_folder.string();
  std::string base_format = "float32";
  if (const auto* lora = dynamic_cast<const Lora*>(&adapter)) {
    lora_files(*lora, model, files);
    base_format = lora->base_format();
  } else if (const auto* prompt = dynamic_cast<const SoftPrompt*>(&adapter)) {
    soft_prompt_files(*prompt, model, base_folder, files);
  } else if (auto* prefix = dynamic_cast<Prefix*>(&adapter)) {
    prefix_files(*prefix, model, files);
  } else {
    TINYGPT_CHECK(false, "save_adapter: no file layout for a ", adapter.peft_type(), " adapter");
  }

  std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"tinygpt.family", models::family_name(model.config.family)},
      {"tinygpt.base_hash", hex(base_hash)},
      {"tinygpt.base_format", base_format},
      {"tinygpt.vocab_size", std::to_string(model.config.vocab_size)}};
  ParameterSet& parameters = model.parameters();
  std::vector<std::string> modules_to_save;
  if (model.head) {
    metadata["tinygpt.head"] = models::to_json(*model.head);
    for (const char* name : {"head.weight", "head.bias"}) {
      const Parameter& parameter = parameters.at(name);
      files.tensors.push_back(
          {std::string("base_model.model.") + name, parameter.shape.dims(), parameter.value});
    }
    modules_to_save.push_back("head");
  }
  // An adapter that added chat markers trained the token embedding (their rows): it is saved
  // whole, as PEFT saves a module in modules_to_save.
  if (model.chat) {
    metadata["tinygpt.chat"] = models::to_json(*model.chat);
    const Parameter& wte = parameters.at("wte.weight");
    files.tensors.push_back({kEmbeddingName, wte.shape.dims(), wte.value});
    modules_to_save.push_back("wte");
  }
  files.config["modules_to_save"] = modules_to_save.empty() ? json() : json(modules_to_save);
  files.config["inference_mode"] = true;
  fs::create_directories(folder);
  write_safetensors(folder / kWeightsFile, files.tensors, metadata);
  write_file_atomically(folder / kConfigFile, files.config.dump(2) + "\n");
}

AdaptedModel load_adapter(const fs::path& base, const fs::path& adapter) {
  const json config = read_config(adapter);
  const std::string origin = (adapter / kConfigFile).string();
  const std::string type = config.value("peft_type", "");
  TINYGPT_CHECK(type == "LORA" || type == "PROMPT_TUNING" || type == "PREFIX_TUNING", origin,
                ": peft_type is '", type,
                "'; tinygpt loads LORA, PROMPT_TUNING and PREFIX_TUNING adapters");
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
  if (type == "LORA") {
    adapted.adapter = load_lora(config, origin, file, model);
  } else if (type == "PROMPT_TUNING") {
    adapted.adapter = load_soft_prompt(config, origin, file, model);
  } else {
    adapted.adapter = load_prefix(config, origin, file, model);
  }
  return adapted;
}

void merge_adapter(const fs::path& base, const fs::path& adapter, const fs::path& out) {
  AdaptedModel adapted = load_adapter(base, adapter);
  auto* lora = dynamic_cast<Lora*>(adapted.adapter.get());
  TINYGPT_CHECK(lora != nullptr, "--adapter ", adapter.string(), ": a ",
                adapted.adapter->peft_type(),
                " adapter has no weights to merge into: its virtual tokens stay an adapter "
                "(load it with --adapter)");
  lora->merge();
  // The model's own parameters (and head), without the adapter's A and B.
  ParameterSet merged;
  for (const Parameter& parameter : adapted.folder.parameters()) {
    if (lora->owns(parameter.name)) continue;
    merged.add(parameter.name, parameter.shape);
    std::copy(parameter.value.begin(), parameter.value.end(),
              merged.at(parameter.name).value.begin());
  }
  const models::ModelFolder& folder = adapted.folder;
  models::save_model_folder(out, folder.config, merged, folder.tokenizer, folder.head, folder.chat);
}

}  // namespace tinygpt::tune
