// Training configs: the typed JSON field reader shared by the loop's settings
// (loop_config.cpp), the pre-training front-end's (train_config.cpp), fine-tuning's
// (tune/finetune_config.cpp) and alignment's (align/align_config.cpp), and the checks that need the
// run's steps. Private to the library.
#pragma once

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/train/loop.h"

namespace tinygpt::train::detail {

// Checks the settings that need S, once it is known (given, the default, or from epochs).
void check_step_settings(const LoopConfig& config);

// Reads json[key] into value when present, refusing a wrong type with the file and field.
template <typename Value>
void read_field(const nlohmann::json& json, const char* key, Value& value,
                const std::string& origin) {
  if (!json.contains(key)) return;
  const nlohmann::json& field = json.at(key);
  if constexpr (std::is_same_v<Value, float> || std::is_same_v<Value, double>) {
    TINYGPT_CHECK(field.is_number(), origin, ": field '", key, "' must be a number, got ",
                  field.dump());
    value = field.get<Value>();
  } else if constexpr (std::is_same_v<Value, bool>) {
    TINYGPT_CHECK(field.is_boolean(), origin, ": field '", key, "' must be true or false, got ",
                  field.dump());
    value = field.get<bool>();
  } else if constexpr (std::is_same_v<Value, std::string>) {
    TINYGPT_CHECK(field.is_string(), origin, ": field '", key, "' must be a string, got ",
                  field.dump());
    value = field.get<std::string>();
  } else if constexpr (std::is_same_v<Value, std::filesystem::path>) {
    TINYGPT_CHECK(field.is_string(), origin, ": field '", key, "' must be a string (a path), got ",
                  field.dump());
    value = field.get<std::string>();
  } else if constexpr (std::is_same_v<Value, std::vector<std::string>> ||
                       std::is_same_v<Value, std::vector<std::filesystem::path>>) {
    TINYGPT_CHECK(
        field.is_array() && std::all_of(field.begin(), field.end(),
                                        [](const auto& item) { return item.is_string(); }),
        origin, ": field '", key, "' must be a list of strings, got ", field.dump());
    value.clear();
    for (const auto& item : field) value.emplace_back(item.template get<std::string>());
  } else {
    TINYGPT_CHECK(field.is_number_integer(), origin, ": field '", key, "' must be an integer, got ",
                  field.dump());
    value = field.get<Value>();
  }
}

// A path of a config file is relative to the file's folder.
inline std::filesystem::path relative_to(const std::filesystem::path& base,
                                         const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute()) return path;
  return base / path;
}

// Parses a config file's text as a JSON object, or throws naming the file and an example.
inline nlohmann::json parse_config_object(std::string_view json_text, const std::string& origin,
                                          const char* example) {
  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, false);
  TINYGPT_CHECK(!json.is_discarded() && json.is_object(), origin, ": not a JSON object (", example,
                ")");
  return json;
}

}  // namespace tinygpt::train::detail
