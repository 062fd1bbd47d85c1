/// @file generator.h
/// @brief Text about the generated world (world.h), each kind with its ground truth:
/// stories (pre-training text), encyclopedia facts split into seen and held-out, and
/// labelled product reviews; and `generate`, which writes them into a folder.
///
/// The held-out rule: a held-out fact's entity name and value never appear together in
/// one sentence of any generated text. Every sentence is checked against it as it is
/// built (sentence_has_held_out_pair), so the rule holds by construction.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/world.h"

namespace tinygpt::data {

/// The kinds this version generates.
inline constexpr std::array<std::string_view, 3> kGeneratedKinds = {"stories", "facts", "reviews"};
/// Kinds of the full design that this version does not generate yet.
inline constexpr std::array<std::string_view, 7> kPlannedKinds = {
    "entities", "qa", "dialogues", "instructions", "preferences", "translation", "fairness"};

/// Default amount of story text: enough for a small GPT to learn the world's language.
inline constexpr std::int64_t kDefaultStoryBytes = 2'000'000;
/// Largest --size accepted; more is almost certainly a typo (and would not fit memory).
inline constexpr std::int64_t kMaxStoryBytes = 1'000'000'000;

/// @brief One fact of the catalogue, with its encyclopedia sentence.
struct Fact {
  std::string id;           ///< entity id + "/" + attribute, e.g. "town:3/river"
  std::string entity;       ///< entity id, e.g. "town:3"
  std::string entity_name;  ///< the entity's name as it appears in text
  std::string attribute;    ///< river, region, town, occupation, pet, maker, kind or price
  std::string value;        ///< the value as it appears in text ("Ossel", "baker", "42 crowns")
  std::string sentence;     ///< encyclopedia sentence stating exactly this fact
  bool held_out = false;    ///< never stated, nor entity and value in one sentence, in any text
};

/// @brief Every fact of the world, in catalogue order (towns, people, companies, products),
/// about one in five held out, chosen by CounterRng(seed, kData, kHeldOutStep, position).
/// @param world the catalogue.
/// @return the facts.
std::vector<Fact> make_facts(const World& world);

/// @brief Whether `text` contains `phrase` as whole words (not inside a longer word).
/// @param text a sentence.
/// @param phrase one or more words, e.g. "cat" or "42 crowns".
/// @return true when found with no letter or digit right before or after it.
bool contains_words(std::string_view text, std::string_view phrase);

/// @brief Whether one sentence breaks the held-out rule: it contains, as whole words, both
/// the entity name and the value of a held-out fact.
/// @param sentence one sentence.
/// @param facts the facts (only held-out ones matter).
/// @return true when the sentence must not be used.
bool sentence_has_held_out_pair(std::string_view sentence, const std::vector<Fact>& facts);

/// @brief One story and what it states.
struct Story {
  std::string text;                   ///< sentences separated by spaces, no newline
  std::string protagonist;            ///< person id
  std::vector<std::string> entities;  ///< ids of every entity named, in first-mention order
  std::vector<int> facts;             ///< indices into the facts of every fact stated
};

/// @brief Stories until their text (with a blank line after each) reaches `bytes`. Story i
/// is drawn from CounterRng(seed, kData, kStoryStep, i) alone, so a smaller size gives a
/// prefix of a larger one. Story i is about person i mod kPersonCount, so every person,
/// town and product is covered. Only seen facts are stated.
/// @param world the catalogue.
/// @param facts make_facts(world).
/// @param bytes approximate total size of the text, at least 1.
/// @return the stories.
std::vector<Story> make_stories(const World& world, const std::vector<Fact>& facts,
                                std::int64_t bytes);

/// @brief A review's label.
enum class Sentiment { kNegative, kNeutral, kPositive };

/// @brief "negative", "neutral" or "positive".
/// @param sentiment the label.
/// @return its name.
std::string_view sentiment_name(Sentiment sentiment);

/// @brief One product review.
struct Review {
  std::string product;       ///< product id
  std::string text;          ///< two or three sentences, no newline
  Sentiment label{};         ///< the verdict, by the rule of its construction
  std::string construction;  ///< plain, intensified, negated, contrast or neutral
};

/// @brief Reviews of random products. The label follows from the construction: plain and
/// intensified ("really awful") keep the adjective's polarity; negated flips it ("not
/// good" is negative, "not bad at all" positive); contrast ("A and B, but overall C")
/// takes the polarity of the clause after "but"; neutral uses no sentiment word or a
/// balanced "neither good nor bad". Review i is drawn from CounterRng(seed, kData,
/// kReviewStep, i).
/// @param world the catalogue.
/// @param facts make_facts(world): held-out facts are never stated in a review either.
/// @param count number of reviews, at least 1.
/// @return the reviews.
std::vector<Review> make_reviews(const World& world, const std::vector<Fact>& facts,
                                 std::int64_t count);

/// @brief The keyword-counting baseline: +1 per positive word, -1 per negative word of its
/// fixed lists; above 0 is positive, below 0 negative, 0 neutral. It ignores negation and
/// contrast, which is what the reviews are built to show.
/// @param text a review.
/// @return the predicted label.
Sentiment keyword_sentiment(std::string_view text);

/// @brief Share of reviews whose keyword_sentiment equals their label.
/// @param reviews the reviews, not empty.
/// @return accuracy in [0, 1].
double keyword_baseline_accuracy(const std::vector<Review>& reviews);

/// @brief What `generate` makes.
struct GenerateOptions {
  std::uint64_t seed = 1;                  ///< the world's and the texts' seed
  std::int64_t size = kDefaultStoryBytes;  ///< approximate bytes of story text, above 0
  std::vector<std::string> kinds = {"stories", "facts", "reviews"};  ///< kinds to write
};

/// @brief One file `generate` wrote.
struct GeneratedFile {
  std::string name;          ///< file name inside the output folder
  std::int64_t records = 0;  ///< stories, facts, reviews (lines of a JSONL file), or entities
  std::int64_t bytes = 0;    ///< file size
};

/// @brief What `generate` did.
struct GenerateReport {
  std::vector<GeneratedFile> files;  ///< in the order written
  double keyword_accuracy = -1;      ///< keyword baseline on the reviews; -1 without reviews
};

/// @brief Splits a comma-separated list of kinds and checks each: a kind of kPlannedKinds
/// is "not implemented yet in this version", anything else not in kGeneratedKinds is an
/// "unknown kind"; both errors list the valid kinds. Repeated kinds are kept once.
/// @param list e.g. "stories,reviews".
/// @return the kinds, in the order given.
std::vector<std::string> parse_kinds(std::string_view list);

/// @brief Checks options and output folder without writing anything: size in (0,
/// kMaxStoryBytes], kinds valid and not empty, `out` a writable folder or a path whose
/// nearest existing ancestor is a writable folder. Throws Error naming the bad argument.
/// @param options what to make.
/// @param out the output folder.
void check_generate_arguments(const GenerateOptions& options, const std::filesystem::path& out);

/// @brief Checks the arguments (nothing is written when they are bad), creates `out` if
/// needed and writes catalogue.json and, per kind, its text file and its JSONL ground
/// truth, each atomically (a temporary file renamed over the name).
/// @param options what to make.
/// @param out the output folder.
/// @return the files written and the keyword baseline's accuracy.
GenerateReport generate(const GenerateOptions& options, const std::filesystem::path& out);

}  // namespace tinygpt::data
