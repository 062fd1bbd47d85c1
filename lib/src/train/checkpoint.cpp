// Checkpoints as safetensors files (see checkpoint.h for the format).
#include "tinygpt/train/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>

#include "tinygpt/core/check.h"
#include "tinygpt/core/safetensors.h"

namespace tinygpt::train {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "checkpoint-";
constexpr std::string_view kSuffix = ".safetensors";
constexpr std::int64_t kMaxStep = 100000000;  // 8 digits

// The step of a checkpoint file name, or -1 when the name is not one.
std::int64_t step_of(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name.size() != kPrefix.size() + 8 + kSuffix.size()) return -1;
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return -1;
  const std::string_view digits = std::string_view(name).substr(kPrefix.size(), 8);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  std::int64_t step = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), step);
  return step;
}

std::string required(const std::map<std::string, std::string>& metadata, const std::string& key,
                     const std::string& origin) {
  const auto found = metadata.find(key);
  TINYGPT_CHECK(found != metadata.end(), "checkpoint ", origin, " has no metadata field '", key,
                "'; it was not written by tinygpt train");
  return found->second;
}

template <typename Integer>
Integer parse_integer(const std::string& text, const std::string& key, const std::string& origin) {
  Integer value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  TINYGPT_CHECK(error == std::errc() && end == text.data() + text.size(), "checkpoint ", origin,
                ": metadata field '", key, "' is not an integer: '", text, "'");
  return value;
}

nlohmann::json parse_object(const std::string& text, const std::string& what,
                            const std::string& origin) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  TINYGPT_CHECK(json.is_object(), "checkpoint ", origin, ": ", what, " is not a JSON object");
  return json;
}

// A value as a person reads it: strings without quotes.
std::string show(const nlohmann::json& value) {
  if (value.is_null()) return "(none)";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void check_field(const nlohmann::json& saved, const nlohmann::json& current, const std::string& key,
                 const std::string& origin) {
  const nlohmann::json a = saved.contains(key) ? saved.at(key) : nlohmann::json();
  const nlohmann::json b = current.contains(key) ? current.at(key) : nlohmann::json();
  TINYGPT_CHECK(a == b, "checkpoint ", origin, " was made with ", key, " ", show(a),
                ", this run has ", key, " ", show(b),
                "; resume with the same settings or train into another --out folder");
}

// The optimizer holds state for the parameters that train (a frozen one has none), in the
// set's order.
void check_slots(const ParameterSet& parameters, const Optimizer& optimizer) {
  const std::vector<OptimizerSlot>& slots = optimizer.slots();
  std::size_t i = 0;
  for (const Parameter& parameter : parameters) {
    if (!parameter.trainable()) continue;
    TINYGPT_CHECK(i < slots.size(), "checkpoint: the optimizer has ", slots.size(),
                  " slots, but more parameters train (", parameter.name, ")");
    const OptimizerSlot& slot = slots[i++];
    // AdamW keeps two moments per value; SGD with momentum one buffer (no second).
    TINYGPT_CHECK(slot.name == parameter.name && slot.first.size() == parameter.value.size() &&
                      (slot.second.empty() || slot.second.size() == parameter.value.size()),
                  "checkpoint: the optimizer's slot '", slot.name, "' does not match parameter '",
                  parameter.name, "'");
  }
  TINYGPT_CHECK(i == slots.size(), "checkpoint: the optimizer has ", slots.size(), " slots for ", i,
                " parameters that train");
}

}  // namespace

fs::path checkpoint_path(const fs::path& dir, std::int64_t step) {
  TINYGPT_CHECK(step >= 0 && step < kMaxStep, "checkpoint step must be in [0, 10^8), got ", step);
  char digits[16];
  std::snprintf(digits, sizeof digits, "%08lld", static_cast<long long>(step));
  return dir / (std::string(kPrefix) + digits + std::string(kSuffix));
}

std::vector<fs::path> list_checkpoints(const fs::path& dir) {
  std::vector<std::pair<std::int64_t, fs::path>> found;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return {};
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    const std::int64_t step = step_of(entry.path());
    if (step >= 0 && entry.is_regular_file(error)) found.emplace_back(step, entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& [step, path] : found) paths.push_back(std::move(path));
  return paths;
}

std::optional<fs::path> latest_checkpoint(const fs::path& dir) {
  std::vector<fs::path> all = list_checkpoints(dir);
  if (all.empty()) return std::nullopt;
  return all.back();
}

fs::path save_checkpoint(const fs::path& dir, const ParameterSet& parameters,
                         const Optimizer& optimizer, const CheckpointState& state, int keep,
                         const ParameterSet* extra_state) {
  TINYGPT_CHECK(keep >= 1, "checkpoints to keep must be at least 1, got ", keep);
  check_slots(parameters, optimizer);
  const fs::path path = checkpoint_path(dir, state.step);

  // Names are kept alive here: NamedTensor views the values, not the strings' owner.
  std::vector<NamedTensor> tensors;
  tensors.reserve(3 * parameters.size() + (extra_state != nullptr ? extra_state->size() : 0));
  for (const Parameter& parameter : parameters) {
    tensors.push_back({"param." + parameter.name, parameter.shape.dims(), parameter.value});
  }
  for (const OptimizerSlot& slot : optimizer.slots()) {
    const std::vector<std::int64_t> shape = parameters.at(slot.name).shape.dims();
    tensors.push_back({"optim.first." + slot.name, shape, slot.first});
    if (!slot.second.empty()) tensors.push_back({"optim.second." + slot.name, shape, slot.second});
  }
  if (extra_state != nullptr) {
    for (const Parameter& tensor : *extra_state) {
      tensors.push_back({"state." + tensor.name, tensor.shape.dims(), tensor.value});
    }
  }
  const std::map<std::string, std::string> metadata = {
      {"format", kCheckpointFormat},
      {"model_config", state.model_config},
      {"train_config", state.train_config},
      {"step", std::to_string(state.step)},
      {"seed", std::to_string(state.seed)},
      {"tokenizer_hash", std::to_string(state.tokenizer_hash)},
      {"optimizer_steps", std::to_string(optimizer.step_count())},
  };
  fs::create_directories(dir);
  write_safetensors(path, tensors, metadata);

  // Only now that the new file is in place do older ones go.
  std::vector<fs::path> all = list_checkpoints(dir);
  const std::size_t excess = all.size() > static_cast<std::size_t>(keep) ? all.size() - keep : 0;
  for (std::size_t k = 0; k < excess; ++k) {
    std::error_code error;
    fs::remove(all[k], error);  // a checkpoint that cannot be removed is only wasted space
  }
  return path;
}

CheckpointState read_checkpoint_state(const fs::path& path) {
  const SafetensorsFile file = SafetensorsFile::read(path);
  const std::string origin = path.string();
  const auto& metadata = file.metadata();
  const std::string format = required(metadata, "format", origin);
  TINYGPT_CHECK(format == kCheckpointFormat, "checkpoint ", origin, " has format '", format,
                "', this program reads '", kCheckpointFormat, "'");
  CheckpointState state;
  state.step = parse_integer<std::int64_t>(required(metadata, "step", origin), "step", origin);
  state.seed = parse_integer<std::uint64_t>(required(metadata, "seed", origin), "seed", origin);
  state.tokenizer_hash = parse_integer<std::uint64_t>(required(metadata, "tokenizer_hash", origin),
                                                      "tokenizer_hash", origin);
  state.optimizer_steps = parse_integer<std::int64_t>(required(metadata, "optimizer_steps", origin),
                                                      "optimizer_steps", origin);
  state.model_config = required(metadata, "model_config", origin);
  state.train_config = required(metadata, "train_config", origin);
  return state;
}

void check_checkpoint_matches(const CheckpointState& saved, const CheckpointState& current,
                              const std::string& origin) {
  const nlohmann::json saved_model = parse_object(saved.model_config, "model_config", origin);
  const nlohmann::json current_model = parse_object(current.model_config, "model config", origin);
  for (const auto& [key, value] : saved_model.items()) {
    check_field(saved_model, current_model, key, origin);
  }
  for (const auto& [key, value] : current_model.items()) {
    check_field(saved_model, current_model, key, origin);
  }
  nlohmann::json saved_train = parse_object(saved.train_config, "train_config", origin);
  nlohmann::json current_train = parse_object(current.train_config, "train config", origin);
  // A config leaves out the defaults that came later: checkpoints made before the optimizer
  // could be chosen were all made with AdamW, and float32 runs do not write their precision.
  for (nlohmann::json* train : {&saved_train, &current_train}) {
    if (!train->contains("optimizer")) (*train)["optimizer"] = "adamw";
    if (!train->contains("precision")) (*train)["precision"] = "float32";
  }
  for (const char* key : kEssentialTrainFields) {
    check_field(saved_train, current_train, key, origin);
  }
  check_field({{"seed", saved.seed}}, {{"seed", current.seed}}, "seed", origin);
  check_field({{"tokenizer hash", saved.tokenizer_hash}},
              {{"tokenizer hash", current.tokenizer_hash}}, "tokenizer hash", origin);
}

CheckpointState load_checkpoint(const fs::path& path, ParameterSet& parameters,
                                Optimizer& optimizer, const CheckpointState& current,
                                ParameterSet* extra_state) {
  const std::string origin = path.string();
  const CheckpointState saved = read_checkpoint_state(path);
  check_checkpoint_matches(saved, current, origin);
  check_slots(parameters, optimizer);
  const SafetensorsFile file = SafetensorsFile::read(path);
  for (Parameter& parameter : parameters) {
    file.read_into("param." + parameter.name, parameter.shape.dims(), parameter.value);
  }
  for (OptimizerSlot& slot : optimizer.slots()) {
    const std::vector<std::int64_t> shape = parameters.at(slot.name).shape.dims();
    file.read_into("optim.first." + slot.name, shape, slot.first);
    if (!slot.second.empty()) file.read_into("optim.second." + slot.name, shape, slot.second);
  }
  if (extra_state != nullptr) {
    for (Parameter& tensor : *extra_state) {
      file.read_into("state." + tensor.name, tensor.shape.dims(), tensor.value);
    }
  }
  optimizer.set_step_count(saved.optimizer_steps);
  return saved;
}

}  // namespace tinygpt::train
