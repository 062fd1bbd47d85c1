// Items files (items.h).
#include "human_eval/items.h"

#include <nlohmann/json.hpp>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::human_eval {
namespace {

// Where a problem is, for every message of the parser.
struct Place {
  const std::filesystem::path& path;
  int line = 0;

  std::string at(std::string_view field) const {
    return "items file '" + path.string() + "' line " + std::to_string(line) + ", field '" +
           std::string(field) + "'";
  }
};

std::string text_field(const nlohmann::json& object, std::string_view field, const Place& place,
                       std::string_view path_of_field) {
  const auto found = object.find(field);
  TINYGPT_CHECK(found != object.end(), place.at(path_of_field), ": missing");
  TINYGPT_CHECK(found->is_string(), place.at(path_of_field), ": must be a string, not ",
                found->type_name());
  const std::string value = found->get<std::string>();
  TINYGPT_CHECK(!value.empty(), place.at(path_of_field), ": must not be empty");
  return value;
}

Item parse_item(const nlohmann::json& object, const Place& place, Mode mode,
                std::string_view truth_field) {
  Item item;
  item.id = text_field(object, "id", place, "id");
  item.prompt = text_field(object, "prompt", place, "prompt");
  const auto answers = object.find("answers");
  TINYGPT_CHECK(answers != object.end(), place.at("answers"), ": missing");
  TINYGPT_CHECK(answers->is_array(), place.at("answers"), ": must be an array, not ",
                answers->type_name());
  const std::size_t count = answers->size();
  if (mode == Mode::kPairwise) {
    TINYGPT_CHECK(count == 2, place.at("answers"), ": has ", count,
                  " answers; mode pairwise compares exactly 2 (mode scale rates any number)");
  }
  TINYGPT_CHECK(count >= 1 && count <= static_cast<std::size_t>(kMaxAnswers), place.at("answers"),
                ": has ", count, " answers; an item needs 1 to ", kMaxAnswers);
  std::set<std::string> systems;
  for (std::size_t k = 0; k < count; ++k) {
    const std::string where = "answers[" + std::to_string(k) + "]";
    const nlohmann::json& answer = (*answers)[k];
    TINYGPT_CHECK(answer.is_object(), place.at(where), ": must be an object {\"system\": ..., ",
                  "\"text\": ...}, not ", answer.type_name());
    Answer parsed{.system = text_field(answer, "system", place, where + ".system"),
                  .text = text_field(answer, "text", place, where + ".text")};
    TINYGPT_CHECK(systems.insert(parsed.system).second, place.at(where + ".system"), ": system '",
                  parsed.system, "' answers twice");
    item.answers.push_back(std::move(parsed));
  }
  if (object.contains(truth_field)) {
    item.better = text_field(object, truth_field, place, truth_field);
    TINYGPT_CHECK(systems.contains(item.better), place.at(truth_field), ": '", item.better,
                  "' is not one of the item's systems");
  }
  return item;
}

}  // namespace

Mode parse_mode(std::string_view name) {
  if (name == "pairwise") return Mode::kPairwise;
  TINYGPT_CHECK(name == "scale", "unknown mode '", name, "': use pairwise or scale");
  return Mode::kScale;
}

std::string_view mode_name(Mode mode) {
  return mode == Mode::kPairwise ? "pairwise" : "scale";
}

std::vector<Item> load_items(const std::filesystem::path& path, Mode mode,
                             std::string_view truth_field) {
  TINYGPT_CHECK(std::filesystem::is_regular_file(path), "no items file '", path.string(), "'");
  const std::string text = read_file(path);
  std::vector<Item> items;
  std::set<std::string> ids;
  Place place{.path = path};
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = std::string_view(text).substr(start, end - start);
    start = end + 1;
    ++place.line;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& error) {
      throw Error("items file '" + path.string() + "' line " + std::to_string(place.line) +
                  ": not JSON (" + error.what() + ")");
    }
    TINYGPT_CHECK(object.is_object(), "items file '", path.string(), "' line ", place.line,
                  ": must be a JSON object, not ", object.type_name());
    Item item = parse_item(object, place, mode, truth_field);
    TINYGPT_CHECK(ids.insert(item.id).second, place.at("id"), ": id '", item.id,
                  "' is used by an earlier line");
    items.push_back(std::move(item));
  }
  TINYGPT_CHECK(!items.empty(), "items file '", path.string(),
                "' has no items: it needs one JSON object a line (see apps/human_eval/items.h)");
  return items;
}

std::string items_to_jsonl(const std::vector<Item>& items) {
  std::string text;
  for (const Item& item : items) {
    nlohmann::ordered_json object;
    object["id"] = item.id;
    object["prompt"] = item.prompt;
    object["answers"] = nlohmann::ordered_json::array();
    for (const Answer& answer : item.answers) {
      object["answers"].push_back({{"system", answer.system}, {"text", answer.text}});
    }
    if (!item.better.empty()) object["better"] = item.better;
    text += object.dump() + "\n";
  }
  return text;
}

std::vector<Item> items_from_preferences(const std::filesystem::path& world, int count) {
  TINYGPT_CHECK(count >= 1, "the number of items must be at least 1, not ", count);
  const std::vector<tune::PreferencePair> pairs = tune::load_preferences(world, tune::Split::kTest);
  std::vector<Item> items;
  for (const tune::PreferencePair& pair : pairs) {
    if (static_cast<int>(items.size()) == count) break;
    Item item{.id = pair.id,
              .prompt = pair.prompt,
              .answers = {{"preferred", pair.chosen}, {"rejected", pair.rejected}},
              .better = "preferred"};
    // Half of the items list the rejected answer first (by a hash of the id): agreement is
    // counted on the answer's place in the file, and a file whose better answer always
    // comes first makes one category near-universal, where kappa says little.
    if ((fnv1a_64(pair.id + "/answer-order") & 1) != 0) {
      std::swap(item.answers[0], item.answers[1]);
    }
    items.push_back(std::move(item));
  }
  TINYGPT_CHECK(!items.empty(), "the world '", world.string(),
                "' has no preference pair in its test split");
  return items;
}

}  // namespace tinygpt::human_eval
