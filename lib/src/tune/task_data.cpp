#include "tinygpt/tune/task_data.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "../core/jsonl.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::tune {

namespace {

namespace fs = std::filesystem;
// Ordered, so that review_records() gives records back with their fields in file order.
using json = nlohmann::ordered_json;

// Calls `use` with every record of one of the world's JSONL files and where it is.
template <typename Use>
void for_each_record(const fs::path& world, const char* name, Use use) {
  const fs::path path = world / name;
  TINYGPT_CHECK(fs::is_regular_file(path), world.string(), ": no ", name,
                "; make it with `tinygpt data generate --out ", world.string(), "`");
  tinygpt::detail::for_each_jsonl_object<json>(path, use);
}

std::string text_field(const json& record, const char* field, const std::string& where) {
  TINYGPT_CHECK(record.contains(field) && record[field].is_string(), where, ": field '", field,
                "' must be a string");
  return record[field].get<std::string>();
}

}  // namespace

Split split_of(std::string_view id) {
  const std::uint64_t bucket = fnv1a_64(id) % 100;
  return bucket < 80 ? Split::kTrain : bucket < 90 ? Split::kDev : Split::kTest;
}

Split parse_split(std::string_view name) {
  if (name == "train") return Split::kTrain;
  if (name == "dev") return Split::kDev;
  if (name == "test") return Split::kTest;
  throw Error("unknown split \"" + std::string(name) + "\"; use train, dev or test");
}

std::vector<nlohmann::ordered_json> review_records(const fs::path& world) {
  std::vector<json> records;
  for_each_record(world, "reviews.jsonl", [&](const json& record, const std::string& where) {
    text_field(record, "id", where);
    records.push_back(record);
  });
  return records;
}

std::vector<nlohmann::ordered_json> translation_records(const fs::path& world) {
  std::vector<json> records;
  for_each_record(world, "translation.jsonl", [&](const json& record, const std::string& where) {
    for (const char* field : {"id", "english", "conlang"}) text_field(record, field, where);
    records.push_back(record);
  });
  return records;
}

void copy_world_except(const fs::path& world, const fs::path& copy,
                       std::initializer_list<std::string_view> replaced) {
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(world)) {
    if (!entry.is_regular_file()) continue;
    const fs::path relative = entry.path().lexically_relative(world);
    if (std::find(replaced.begin(), replaced.end(), relative.generic_string()) != replaced.end()) {
      continue;
    }
    write_file_atomically(copy / relative, read_file(entry.path()));
  }
}

std::string next_training_id(std::string_view kind, std::string_view tag, std::int64_t& counter) {
  for (;; ++counter) {
    std::string id = std::string(kind) + ":" + std::string(tag) + "-" + std::to_string(counter);
    if (split_of(id) == Split::kTrain) {
      ++counter;
      return id;
    }
  }
}

std::vector<LabelledText> load_reviews(const fs::path& world, Split split) {
  std::vector<LabelledText> reviews;
  for_each_record(world, "reviews.jsonl", [&](const json& record, const std::string& where) {
    LabelledText review{text_field(record, "id", where), text_field(record, "text", where),
                        text_field(record, "label", where),
                        text_field(record, "construction", where)};
    if (split_of(review.id) == split) reviews.push_back(std::move(review));
  });
  return reviews;
}

std::vector<LabelledText> load_questions(const fs::path& world, Split split) {
  std::vector<LabelledText> questions;
  for_each_record(world, "qa.jsonl", [&](const json& record, const std::string& where) {
    LabelledText question{text_field(record, "id", where), text_field(record, "question", where),
                          text_field(record, "answer", where), text_field(record, "split", where)};
    if (split_of(question.id) == split) questions.push_back(std::move(question));
  });
  return questions;
}

std::vector<TaggedSentence> load_entities(const fs::path& world, Split split) {
  std::vector<TaggedSentence> sentences;
  for_each_record(world, "entities.jsonl", [&](const json& record, const std::string& where) {
    TaggedSentence sentence{text_field(record, "id", where), text_field(record, "text", where), {}};
    if (split_of(sentence.id) != split) return;
    TINYGPT_CHECK(record.contains("spans") && record["spans"].is_array(), where,
                  ": field 'spans' must be an array");
    int previous_end = 0;
    for (const json& span : record["spans"]) {
      TINYGPT_CHECK(span.contains("start") && span["start"].is_number_integer() &&
                        span.contains("end") && span["end"].is_number_integer(),
                    where, ": a span needs integer 'start' and 'end'");
      TaggedSpan parsed{span["start"].get<int>(), span["end"].get<int>(),
                        text_field(span, "label", where)};
      TINYGPT_CHECK(parsed.start >= previous_end && parsed.start < parsed.end &&
                        parsed.end <= static_cast<int>(sentence.text.size()),
                    where, ": span [", parsed.start, ", ", parsed.end,
                    ") is outside the sentence or overlaps the one before");
      previous_end = parsed.end;
      sentence.spans.push_back(std::move(parsed));
    }
    sentences.push_back(std::move(sentence));
  });
  return sentences;
}

std::vector<std::string> label_set(const std::vector<LabelledText>& examples) {
  std::set<std::string> labels;
  for (const LabelledText& example : examples) labels.insert(example.label);
  return {labels.begin(), labels.end()};
}

std::vector<ChatExample> load_instructions(const fs::path& world, Split split) {
  std::vector<ChatExample> examples;
  for_each_record(world, "instructions.jsonl", [&](const json& record, const std::string& where) {
    const std::string id = text_field(record, "id", where);
    if (split_of(id) != split) return;
    const std::string input = text_field(record, "input", where);
    std::string request = text_field(record, "instruction", where);
    if (!input.empty()) request += "\n\n" + input;
    examples.push_back({id,
                        text_field(record, "skill", where),
                        {{"user", request}, {"assistant", text_field(record, "response", where)}}});
  });
  return examples;
}

std::vector<ChatExample> load_dialogues(const fs::path& world, Split split) {
  std::vector<ChatExample> examples;
  for_each_record(world, "dialogues.jsonl", [&](const json& record, const std::string& where) {
    const std::string id = text_field(record, "id", where);
    if (split_of(id) != split) return;
    TINYGPT_CHECK(record.contains("turns") && record["turns"].is_array(), where,
                  ": field 'turns' must be an array");
    ChatExample example{id, "dialogue", {}};
    for (const json& turn : record["turns"]) {
      example.turns.push_back(
          {text_field(turn, "role", where), text_field(turn, "content", where)});
    }
    examples.push_back(std::move(example));
  });
  return examples;
}

std::vector<PreferencePair> load_preferences(const fs::path& world, Split split) {
  std::vector<PreferencePair> pairs;
  for_each_record(world, "preferences.jsonl", [&](const json& record, const std::string& where) {
    const std::string id = text_field(record, "id", where);
    if (split_of(id) != split) return;
    PreferencePair pair{id, text_field(record, "prompt", where),
                        text_field(record, "chosen", where), text_field(record, "rejected", where),
                        text_field(record, "reason", where)};
    for (const auto& [field, value] :
         {std::pair<const char*, const std::string*>{"prompt", &pair.prompt},
          {"chosen", &pair.chosen},
          {"rejected", &pair.rejected}}) {
      TINYGPT_CHECK(!value->empty(), where, ": field '", field, "' is empty");
    }
    pairs.push_back(std::move(pair));
  });
  return pairs;
}

}  // namespace tinygpt::tune
