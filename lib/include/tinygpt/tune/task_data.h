/// @file task_data.h
/// @brief The fine-tuning tasks' examples, read from a generated world's JSONL files
/// (`tinygpt data generate`; schemas in datasets/README.md), and their splits.
///
/// Every example goes to train, dev or test by a hash of its id alone (FNV-1a 64 mod 100:
/// below 80 train, below 90 dev, the rest test), so a split never depends on how many
/// examples a run reads, and prompt search (dev) never sees a test example.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/text/chat_template.h"

namespace tinygpt::tune {

/// @brief Where an example belongs.
enum class Split { kTrain, kDev, kTest };

/// @param id an example's id, e.g. "review:17".
/// @return its split.
Split split_of(std::string_view id);

/// @param name "train", "dev" or "test" (anything else throws Error).
/// @return the split.
Split parse_split(std::string_view name);

/// @brief A text with its label (reviews: the sentiment, grouped by construction).
struct LabelledText {
  std::string id;     ///< e.g. "review:17"
  std::string text;   ///< the input
  std::string label;  ///< the gold label's name
  std::string group;  ///< a subgroup to report separately (the review's construction)
};

/// @brief Reads reviews.jsonl of a world folder.
/// @param world the folder; Error naming the file, line and field when it is missing or bad.
/// @param split the split to keep.
/// @return the reviews of that split, in file order.
std::vector<LabelledText> load_reviews(const std::filesystem::path& world, Split split);

/// @brief The label names of a set of examples: sorted, each once.
/// @param examples the examples.
/// @return the labels.
std::vector<std::string> label_set(const std::vector<LabelledText>& examples);

/// @brief Reads qa.jsonl of a world folder: text the question, label the short answer,
/// group the fact's split ("seen" or "held_out").
/// @param world the folder.
/// @param split the split to keep.
/// @return the pairs of that split, in file order.
std::vector<LabelledText> load_questions(const std::filesystem::path& world, Split split);

/// @brief A name in a sentence: its bytes and its label.
struct TaggedSpan {
  int start = 0;      ///< the first byte of the name
  int end = 0;        ///< just after its last byte
  std::string label;  ///< person, place, organisation or product
};

/// @brief A sentence with its names marked.
struct TaggedSentence {
  std::string id;                 ///< e.g. "entities:3"
  std::string text;               ///< the sentence (UTF-8; byte offsets, not characters)
  std::vector<TaggedSpan> spans;  ///< in order, not overlapping
};

/// @brief Reads entities.jsonl of a world folder; Error naming the line when a span is out
/// of the sentence or overlaps the one before.
/// @param world the folder.
/// @param split the split to keep.
/// @return the sentences of that split, in file order.
std::vector<TaggedSentence> load_entities(const std::filesystem::path& world, Split split);

/// @brief A conversation to learn from or to answer, with what a correct answer is.
struct ChatExample {
  std::string id;                     ///< e.g. "instruction:4" or "dialogue:9"
  std::string skill;                  ///< an instruction's skill, or "dialogue"
  std::vector<text::ChatTurn> turns;  ///< user first; the assistant's turns are the answers
};

/// @brief Reads instructions.jsonl of a world folder: each becomes one exchange, the user
/// turn "instruction" or "instruction\n\ninput", the assistant turn the response.
/// @param world the folder.
/// @param split the split to keep.
/// @return the instructions of that split, in file order.
std::vector<ChatExample> load_instructions(const std::filesystem::path& world, Split split);

/// @brief Reads dialogues.jsonl of a world folder (skill "dialogue").
/// @param world the folder.
/// @param split the split to keep.
/// @return the dialogues of that split, in file order.
std::vector<ChatExample> load_dialogues(const std::filesystem::path& world, Split split);

/// @brief A question with a better and a worse answer (alignment, step 05).
struct PreferencePair {
  std::string id;        ///< e.g. "preference:7"
  std::string prompt;    ///< the user's question
  std::string chosen;    ///< the better answer
  std::string rejected;  ///< the worse answer
  std::string reason;    ///< what makes `chosen` better: correct_fact, helpful or polite
};

/// @brief The records of a world's reviews.jsonl as they are, every field in file order: what
/// a copy of the world with other training reviews (augmented, adversarial, a labelled
/// subset) is written from. Errors as load_reviews(), and a record without a string "id".
/// @param world the folder.
/// @return the records, in file order.
std::vector<nlohmann::ordered_json> review_records(const std::filesystem::path& world);

/// @brief The records of a world's translation.jsonl as they are, every field in file order
/// (what a copy of the world with other training pairs is written from). Error naming the
/// file, line and field when a record lacks a string "id", "english" or "conlang".
/// @param world the folder.
/// @return the records, in file order.
std::vector<nlohmann::ordered_json> translation_records(const std::filesystem::path& world);

/// @brief Copies every file of a world folder (subfolders included) into another, byte for
/// byte and each atomically, except the files the copy writes itself: how a world copy with
/// other training records (augmented, adversarial, retrieval-augmented) starts.
/// @param world the folder.
/// @param copy the copy's folder (created as needed).
/// @param replaced paths relative to the world, e.g. "reviews.jsonl", left out.
void copy_world_except(const std::filesystem::path& world, const std::filesystem::path& copy,
                       std::initializer_list<std::string_view> replaced);

/// @brief A new record's id that split_of() puts in the training split: the first
/// "<kind>:<tag>-K" for K = counter, counter + 1, ... (so an added example trains and never
/// lands in dev or test); counter moves past it.
/// @param kind the file's kind of record, e.g. "review" or "instruction".
/// @param tag names the kind of example, e.g. "eda", "adversarial" or "rag".
/// @param counter the next K to try; updated.
/// @return the id.
std::string next_training_id(std::string_view kind, std::string_view tag, std::int64_t& counter);

/// @brief next_training_id() for a review: "review:<tag>-K".
/// @param tag names the kind of example, e.g. "eda" or "adversarial".
/// @param counter the next K to try; updated.
/// @return the id.
inline std::string next_training_id(std::string_view tag, std::int64_t& counter) {
  return next_training_id("review", tag, counter);
}

/// @brief Reads preferences.jsonl of a world folder; Error naming the line and field when
/// one is missing, not a string, or (prompt, chosen, rejected) empty.
/// @param world the folder.
/// @param split the split to keep.
/// @return the pairs of that split, in file order.
std::vector<PreferencePair> load_preferences(const std::filesystem::path& world, Split split);

}  // namespace tinygpt::tune
