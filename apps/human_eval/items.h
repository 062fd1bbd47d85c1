/// @file items.h
/// @brief The items of a human evaluation: a prompt and the answers of several systems,
/// read from a JSONL file, one item a line:
///
///     {"id": "preference:7", "prompt": "What is the Faroello?",
///      "answers": [{"system": "preferred", "text": "The Faroello is a teapot."},
///                  {"system": "rejected", "text": "The Faroello is a backpack."}],
///      "better": "preferred"}
///
/// In mode `pairwise` every item has exactly two answers and a rater says which is better
/// (or a tie); in mode `scale` an item has one answer or more and a rater scores each from 1
/// to 5. "better" is optional ground truth, read only by the simulated panel
/// (`tinygpt eval human simulate`); the rating page never sends it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::human_eval {

/// @brief What a rater is asked about an item.
enum class Mode {
  kPairwise,  ///< two answers: which is better, or a tie
  kScale,     ///< one or more answers: a score from 1 to 5 for each
};

/// @param name "pairwise" or "scale" (anything else throws Error).
/// @return the mode.
Mode parse_mode(std::string_view name);

/// @param mode a mode.
/// @return its name, "pairwise" or "scale".
std::string_view mode_name(Mode mode);

/// @brief The most answers an item may have: the page labels them A to Z.
inline constexpr int kMaxAnswers = 26;

/// @brief One system's answer to an item's prompt.
struct Answer {
  std::string system;  ///< which system wrote it (never shown to raters)
  std::string text;    ///< the answer

  /// @brief Field by field.
  bool operator==(const Answer&) const = default;
};

/// @brief A prompt and the answers to rate.
struct Item {
  std::string id;               ///< unique in its file
  std::string prompt;           ///< what the systems were asked
  std::vector<Answer> answers;  ///< in the file's order, systems distinct
  std::string better;           ///< the truly better system, or "" (for the simulation only)

  /// @brief Field by field.
  bool operator==(const Item&) const = default;
};

/// @brief Reads an items file. Throws Error naming the file, the line and the field for a
/// line that is not a JSON object, a missing or empty id, prompt, system or text, a repeated
/// id or system, the wrong number of answers for the mode, or a truth field that names no
/// system of its item; and for a file without items.
/// @param path the JSONL file (blank lines are skipped).
/// @param mode the mode the items are for.
/// @param truth_field the name of the optional ground-truth field ("better").
/// @return the items in file order.
std::vector<Item> load_items(const std::filesystem::path& path, Mode mode,
                             std::string_view truth_field = "better");

/// @brief Items as a JSONL file that load_items() reads back equal.
/// @param items the items.
/// @return one JSON object a line.
std::string items_to_jsonl(const std::vector<Item>& items);

/// @brief Demo items from a generated world's preference pairs (`tinygpt data generate
/// --kinds preferences`): the test split's first `count` pairs, each with the answers of
/// systems "preferred" (the chosen answer) and "rejected", and "better": "preferred". The
/// answers' order in the file depends on a hash of the id, so that about half of the items
/// list the rejected answer first (see report.h: agreement counts the answer's place in the
/// file, and a category every rating falls into leaves kappa nothing to measure).
/// @param world the world folder.
/// @param count how many items, at least 1.
/// @return the items (fewer when the test split has fewer pairs).
std::vector<Item> items_from_preferences(const std::filesystem::path& world, int count);

}  // namespace tinygpt::human_eval
