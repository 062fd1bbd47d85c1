/// @file judge.h
/// @brief A ground-truth judge for answers about the generated world (world.h): given a
/// question about one fact, as the generator asks them (QA pairs, dialogues, preference
/// prompts), and a model's answer, it says whether the answer states the catalogue's value,
/// another value (a hallucination), or none, and whether it is polite.
///
/// Because the world is generated, every question has a known answer: the judge needs no
/// model and no human, so hallucination rates, helpfulness and politeness can be measured
/// exactly on thousands of answers (everything is precomputed in the constructor).
///
/// Matching rules:
/// - A **word** is a maximal run of ASCII letters and digits, as for contains_words
///   (generator.h): "Ossel's" gives "Ossel" and "s". Values match as whole words, so
///   "clock" is not found in "clockmaker", nor "5 crowns" in "15 crowns".
/// - The **fact asked about**: the prompt names an entity that has facts (a town, person,
///   company or product: names are unique and capitalised, matched case-sensitively) and
///   its wording asks for exactly one of that entity's attributes ("river", "live", "job",
///   "pet", "based", "cost", "makes", "kind", ...; case-insensitive). A named entity the
///   wording asks nothing about is passed over (the town in "Does Halmund live in
///   Ossel?"). No such fact, or two different ones, means the prompt asks about no single
///   fact: the verdict is kUnknown, never an error.
/// - A **value** of the attribute asked about is any value that attribute takes somewhere
///   in the catalogue (every river name for a town's river, every occupation for a job,
///   ...), matched case-insensitively; a price is a number followed by "crowns"
///   ("42 crowns"), and a bare number is not a price.
/// - A **rude** or **evasive** answer contains, as consecutive words in any case and with
///   any punctuation, one of the generator's own rude prefixes or evasions (the lists the
///   preference pairs are built from).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tinygpt/data/generator.h"
#include "tinygpt/data/world.h"

namespace tinygpt::data {

/// @brief What an answer says about the fact asked about.
enum class Correctness {
  kUnknown,   ///< the prompt asks about no single fact of the world: nothing to judge
  kCorrect,   ///< states the catalogue's value, and no other value of that attribute
  kWrong,     ///< states another value of the attribute (even next to the right one)
  kAbstains,  ///< states no value of the attribute
};

/// @brief "unknown", "correct", "wrong" or "abstains".
/// @param correctness the judgement.
/// @return its name.
std::string_view correctness_name(Correctness correctness);

/// @brief The judgement of one answer.
struct Verdict {
  int fact = -1;  ///< index into Judge::facts() of the fact asked about; -1 when unknown
  Correctness correctness = Correctness::kUnknown;  ///< see Correctness
  /// kWrong: the first wrong value the answer states, spelt as the catalogue spells it
  /// ("Ossel", "baker", "42 crowns"); "" otherwise.
  std::string wrong_value;
  /// It answers: it states a value of the attribute asked about, right or wrong. False
  /// means it evades (always false when the fact is unknown).
  bool answers = false;
  bool stock_evasion = false;  ///< it contains one of the generator's evasion phrases
  bool polite = true;          ///< it contains none of the generator's rude phrases
};

/// @brief Judges answers to questions about one world's facts against its catalogue.
class Judge {
 public:
  /// @brief Indexes the world's facts (make_facts(world)), names and values.
  /// @param world the catalogue; not referenced after construction.
  explicit Judge(const World& world);

  /// @brief The facts a Verdict's `fact` indexes: make_facts(world), in its order.
  /// @return the facts.
  const std::vector<Fact>& facts() const { return facts_; }

  /// @brief Which fact a prompt asks about (see the file's matching rules).
  /// @param prompt a question, e.g. "Which river is Draenvan on?".
  /// @return the index into facts(), or nothing when it asks about no single fact.
  std::optional<int> fact_asked(std::string_view prompt) const;

  /// @brief Judges an answer to a prompt: fact_asked(prompt), then judge_fact. A prompt
  /// about no single fact gives correctness kUnknown, fact -1 and answers false; stock
  /// evasions and politeness are judged all the same.
  /// @param prompt a question about one fact.
  /// @param answer the answer's text, any case, possibly with more text after it.
  /// @return the verdict.
  Verdict judge(std::string_view prompt, std::string_view answer) const;

  /// @brief Judges an answer about a known fact.
  /// @param fact index into facts(), in [0, facts().size()); Error otherwise.
  /// @param answer the answer's text, any case, possibly with more text after it.
  /// @return the verdict.
  Verdict judge_fact(int fact, std::string_view answer) const;

 private:
  std::vector<Fact> facts_;
  // Name of an entity that has facts -> indices of its facts.
  std::unordered_map<std::string, std::vector<int>> facts_of_name_;
  // Attribute -> (lowercase word -> the value as the catalogue spells it): every value
  // the attribute takes in the world. Prices are read from numbers instead.
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> values_;
  // The generator's evasions and rude prefixes, each as its lowercase words.
  std::vector<std::vector<std::string>> evasions_;
  std::vector<std::vector<std::string>> rude_;
};

}  // namespace tinygpt::data
