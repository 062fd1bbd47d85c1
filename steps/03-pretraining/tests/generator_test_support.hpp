// Helpers shared by the generator's tests (generator*_test.cpp): temporary folders,
// reading files, splitting text into sentences and words independently of the library,
// reading catalogue.json, and a small schema check for JSONL records.
#pragma once

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace tinygpt::testing {

/// A fresh, empty path under the temporary folder (not created); removed when it goes.
class TempPath {
 public:
  explicit TempPath(const std::string& label)
      : path_(std::filesystem::temp_directory_path() /
              ("tinygpt-generator-test-" + std::to_string(getpid()) + "-" + label)) {
    std::filesystem::remove_all(path_);
  }
  ~TempPath() { std::filesystem::remove_all(path_); }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  return records;
}

/// The lines of a text, without their newlines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

/// The sentences of a text: pieces ending with '.', '?' or '!' or at a line's end,
/// without surrounding spaces.
inline std::vector<std::string> sentences_of(const std::string& text) {
  std::vector<std::string> sentences;
  std::string sentence;
  for (const char c : text) {
    if (c == '\n' || c == '\t') {
      if (!sentence.empty()) sentences.push_back(std::exchange(sentence, {}));
      continue;
    }
    if (c == ' ' && sentence.empty()) continue;
    sentence += c;
    if (c == '.' || c == '?' || c == '!') sentences.push_back(std::exchange(sentence, {}));
  }
  if (!sentence.empty()) sentences.push_back(sentence);
  return sentences;
}

/// The words of a sentence (runs of ASCII letters and digits).
inline std::vector<std::string> words_of(const std::string& sentence) {
  std::vector<std::string> words(1);
  for (const char c : sentence) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      words.back() += c;
    } else if (!words.back().empty()) {
      words.emplace_back();
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

inline bool has_word_run(const std::vector<std::string>& words,
                         const std::vector<std::string>& run) {
  for (std::size_t i = 0; i + run.size() <= words.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < run.size(); ++j) match = match && words[i + j] == run[j];
    if (match) return true;
  }
  return false;
}

/// Whether `phrase`'s words appear in a row among `text`'s words.
inline bool mentions(const std::string& text, const std::string& phrase) {
  return has_word_run(words_of(text), words_of(phrase));
}

/// catalogue.json, indexed: every entity by id.
class Catalogue {
 public:
  explicit Catalogue(const nlohmann::json& json) : json_(json) {
    for (const char* list : {"regions", "rivers", "towns", "people", "companies", "products"}) {
      for (const nlohmann::json& item : json[list]) {
        items_[item["id"].get<std::string>()] = item;
        list_of_[item["id"].get<std::string>()] = list;
      }
    }
  }
  const nlohmann::json& json() const { return json_; }
  bool has(const std::string& id) const { return items_.count(id) != 0; }
  const nlohmann::json& at(const std::string& id) const {
    INFO("entity " << id);
    REQUIRE(has(id));
    return items_.at(id);
  }
  std::string name(const std::string& id) const { return at(id)["name"]; }
  /// "regions", "rivers", "towns", "people", "companies" or "products".
  std::string list(const std::string& id) const { return list_of_.at(id); }
  /// An attribute's value as text shows it: names for references, "N crowns" for prices.
  std::string value(const std::string& id, const std::string& attribute) const {
    const nlohmann::json& value = at(id)[attribute];
    if (attribute == "price") return std::to_string(value.get<int>()) + " crowns";
    const std::string text = value.get<std::string>();
    return has(text) ? name(text) : text;
  }
  /// The value of a fact by its id ("person:3/pet").
  std::string fact_value(const std::string& fact_id) const {
    const std::size_t slash = fact_id.find('/');
    return value(fact_id.substr(0, slash), fact_id.substr(slash + 1));
  }
  const std::map<std::string, nlohmann::json>& items() const { return items_; }

 private:
  nlohmann::json json_;
  std::map<std::string, nlohmann::json> items_;
  std::map<std::string, std::string> list_of_;
};

/// JSON types a schema can ask for.
enum class Field { kString, kInteger, kArray, kObject, kStrings };

/// Checks that a record has exactly these fields, each of its type (kStrings: an array of
/// strings).
inline void check_schema(const nlohmann::json& record,
                         const std::vector<std::pair<std::string, Field>>& fields) {
  INFO(record.dump());
  REQUIRE(record.is_object());
  CHECK(record.size() == fields.size());
  for (const auto& [name, type] : fields) {
    INFO("field " << name);
    REQUIRE(record.contains(name));
    const nlohmann::json& value = record[name];
    switch (type) {
      case Field::kString:
        CHECK(value.is_string());
        break;
      case Field::kInteger:
        CHECK(value.is_number_integer());
        break;
      case Field::kArray:
        CHECK(value.is_array());
        break;
      case Field::kObject:
        CHECK(value.is_object());
        break;
      case Field::kStrings:
        REQUIRE(value.is_array());
        for (const nlohmann::json& item : value) CHECK(item.is_string());
        break;
    }
  }
}

}  // namespace tinygpt::testing
