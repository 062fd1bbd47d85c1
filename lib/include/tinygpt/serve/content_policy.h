/// @file content_policy.h
/// @brief A content policy for the server: rules on words and patterns, and optionally a
/// fine-tuned classifier and a reward model, checked on the prompt before generation and on
/// the answer after it.
///
/// A policy file is JSON (paths relative to the file's folder):
///
///     {"rules": [{"name": "no-weapons", "applies_to": "both", "match": "word",
///                 "patterns": ["nerve agent", "pipe bomb"],
///                 "message": "The assistant does not help with weapons."},
///                {"name": "no-card-numbers", "applies_to": "output", "match": "regex",
///                 "patterns": ["\\b(?:\\d[ -]?){13,16}\\b"],
///                 "message": "The answer looked like a card number."}],
///      "classifier": {"name": "impolite", "model": "politeness/model", "label": "rude",
///                     "threshold": 0.5, "applies_to": "output",
///                     "message": "The answer was impolite."},
///      "reward_model": {"name": "low-reward", "model": "reward/model", "min_score": -1.0,
///                       "message": "The answer scored too low."}}
///
/// - "rules" (required, may be empty): "name" (unique, letters, digits, '-', '_'),
///   "applies_to" ("input", "output" or "both"), "match" ("word" or "regex"), "patterns" (at
///   least one non-empty string) and "message" (what the refused user reads).
///   - word: case-insensitive for ASCII letters, on word boundaries ("gun" refuses "a gun!"
///     but not "begun"); a pattern of several words matches across any run of whitespace.
///     Bytes of other UTF-8 characters count as letters and are compared exactly.
///   - regex: PCRE2 (Perl syntax), case-insensitive, UTF-8; compiled when the file is read
///     (a bad pattern is an error naming the rule and pattern), and each match runs under a
///     step limit, so a pattern that backtracks catastrophically cannot stall the server:
///     a check that hits the limit refuses (fails closed) with a message saying so.
/// - "classifier" (optional): a `tinygpt finetune --task classify` model folder ("adapter":
///   its adapter folder, optional); a text is refused when the probability of "label" is at
///   least "threshold" (in (0, 1]). "applies_to" as for rules (default "output").
/// - "reward_model" (optional): a `tinygpt align --method reward` model folder; an answer is
///   refused when its score for [user: prompt, assistant: answer] is below "min_score".
///   Outputs only.
///
/// Checks run in the file's order: rules, then the classifier, then the reward model; the
/// first that refuses decides. Every field not listed is an error (a typo in a safety file
/// must not silently disable a rule).
///
/// Thread safety: check_input() and check_output() may be called from many threads at once.
/// Rules are lock-free (compiled patterns are shared read-only, match data is per call); the
/// classifier and the reward model run on one tape each and are guarded by a mutex, so
/// model-based checks run one at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::serve {

/// @brief The verdict on one text.
struct PolicyDecision {
  bool allowed = true;  ///< false: refuse the request
  std::string policy;   ///< the refusing rule's (or model check's) name; empty when allowed
  std::string message;  ///< what to tell the user; empty when allowed
};

/// @brief A loaded policy: rules and optional model-based checks.
class ContentPolicy {
 public:
  /// @brief The empty policy: allows everything.
  ContentPolicy();

  /// @brief Checks a prompt (or a chat's messages, joined) before generation.
  /// @param text the user's text.
  /// @return the decision of the first rule or check that refuses, else allowed.
  PolicyDecision check_input(std::string_view text) const;

  /// @brief Checks an answer after generation.
  /// @param text the generated text.
  /// @param prompt the user's text it answers (only the reward model reads it; empty: the
  /// answer is scored after an empty user turn).
  /// @return the decision of the first rule or check that refuses, else allowed.
  PolicyDecision check_output(std::string_view text, std::string_view prompt = {}) const;

  /// @return the names of every rule and model check, in the order they run.
  std::vector<std::string> names() const;

  /// @brief Internal state (compiled patterns, models); defined in content_policy.cpp.
  struct Impl;

  /// @brief Wraps built state (what load_content_policy() returns).
  /// @param impl the state.
  explicit ContentPolicy(std::shared_ptr<const Impl> impl);

 private:
  std::shared_ptr<const Impl> impl_;  // shared read-only: copies of a policy are cheap
};

/// @brief Parses a policy (format above). Error naming the file, the rule's index and the
/// field for anything wrong, and loads the models it names.
/// @param json_text the policy's JSON text.
/// @param origin the file it came from (for messages; model paths are relative to its folder).
/// @return the policy.
ContentPolicy parse_content_policy(std::string_view json_text, const std::filesystem::path& origin);

/// @brief Reads a policy file: parse_content_policy() on its content.
/// @param file the JSON file.
/// @return the policy.
ContentPolicy load_content_policy(const std::filesystem::path& file);

/// @brief How well a policy's output checks separate a world's polite answers from its rude
/// ones: the "polite" preference pairs of one split, chosen answers polite, rejected rude.
struct PolitenessFigures {
  std::int64_t polite = 0;          ///< polite answers checked
  std::int64_t rude = 0;            ///< rude answers checked
  std::int64_t refused_polite = 0;  ///< false positives
  std::int64_t refused_rude = 0;    ///< true positives
  /// @return refused rude / refused, 0 when nothing was refused.
  double precision() const;
  /// @return refused rude / rude.
  double recall() const;
  /// @return (refused rude + allowed polite) / all.
  double accuracy() const;
};

/// @brief Runs check_output() on the polite and rude answers of a world's "polite"
/// preference pairs (preferences.jsonl) of one split.
/// @param policy the policy.
/// @param world a generated world folder with preferences.
/// @param split "train", "dev" or "test".
/// @return the counts.
PolitenessFigures measure_politeness(const ContentPolicy& policy,
                                     const std::filesystem::path& world, std::string_view split);

/// @brief Writes the politeness task in the form `tinygpt finetune --task classify` reads:
/// `out`/reviews.jsonl, one record per answer of a "polite" preference pair, labelled
/// "polite" (the chosen answer) or "rude" (the rejected one), construction "politeness".
/// Both answers of a pair get ids in the pair's split (the same fact sentence never trains
/// on one side and tests on the other).
/// @param world a generated world folder with preferences.
/// @param out the task's folder (created; reviews.jsonl written atomically).
/// @return the number of records written.
std::int64_t write_politeness_task(const std::filesystem::path& world,
                                   const std::filesystem::path& out);

}  // namespace tinygpt::serve
