// Private helpers shared by the generator's kinds (one source file per kind or family):
// small sentence-building pieces, the phrasing of questions and fact sentences, and the
// files a kind produces. Kept in one place so every kind says things the same way.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/rng.h"
#include "tinygpt/data/generator.h"

namespace tinygpt::data::detail {

/// The sentiment words of the reviews (generator_reviews.cpp), which the keyword baseline
/// counts and the audit (audit.cpp) pairs with group terms: one list, so they never drift.
inline constexpr std::array<std::string_view, 6> kPositiveWords = {"good",   "great",  "excellent",
                                                                   "lovely", "superb", "wonderful"};
inline constexpr std::array<std::string_view, 6> kNegativeWords = {
    "bad", "poor", "awful", "terrible", "dreadful", "shoddy"};

/// The fixed phrases of the preference pairs (generator_preferences.cpp), which the judge
/// (judge.cpp) also looks for: a helpful pair's rejected response is one of the evasions,
/// a polite pair's responses start with a polite or a rude prefix. One list each, so what
/// the generator writes and what the judge recognises never drift apart.
inline constexpr std::array<std::string_view, 4> kEvasions = {
    "I would rather not say.", "That is hard to say; you could ask someone else.",
    "I am not sure anyone can know that.", "Why do you want to know?"};
inline constexpr std::array<std::string_view, 3> kPolitePrefixes = {
    "Of course. ", "Happy to help: ", "Good question! "};
inline constexpr std::array<std::string_view, 3> kRudePrefixes = {
    "Ugh, fine. ", "Obviously. ", "Look it up yourself next time. "};

/// A file of a kind, built in memory: `generate` writes nothing until every file is built.
struct OutputFile {
  std::string name;          // file name inside the output folder
  std::int64_t records = 0;  // what the report shows as its record count
  std::string content;
};

/// A kind's two files being built: its text (`NAME.txt`) and its ground truth, one JSON
/// record per line (`NAME.jsonl`). A record may have no text (a held-out fact's).
class KindFiles {
 public:
  /// Adds a record and the text that goes with it ("" for none: the record only).
  void add(const nlohmann::ordered_json& record, std::string_view text);
  /// Bytes of text so far: where the next text starts.
  std::size_t text_bytes() const { return text_.size(); }
  /// NAME.txt (records: the texts added) and NAME.jsonl (records: its lines).
  std::vector<OutputFile> files(std::string_view name) const;

 private:
  std::string text_;
  std::string jsonl_;
  std::int64_t texts_ = 0;
  std::int64_t records_ = 0;
};

/// How many records a kind makes for `size` bytes of story text: one per
/// `bytes_per_record`, at least `minimum`, so small test instances still measure stably.
std::int64_t scaled_count(std::int64_t size, std::int64_t bytes_per_record, std::int64_t minimum);

/// A uniform draw in [0, bound).
std::uint32_t below(CounterRng& rng, std::size_t bound);

/// A uniformly drawn word of a list.
std::string_view pick(CounterRng& rng, std::span<const std::string_view> words);

/// The word with its first letter in upper case.
std::string capitalised(std::string_view word);

/// "her", "his" or "their" for "she", "he" or "they".
std::string_view possessive(std::string_view pronoun);

/// Whether a byte is an ASCII letter or digit (part of a word for the held-out rule).
bool is_word_char(char c);

/// Whether an id (or index) is in a list.
bool contains(const std::vector<std::string>& ids, const std::string& id);
bool contains(const std::vector<int>& indices, int index);

/// The list joined with ", ".
std::string list_of(std::span<const std::string_view> names);

/// A price as text shows it: "42 crowns".
std::string crowns(int price);

/// Where each fact is, by entity id and attribute.
class FactIndex {
 public:
  explicit FactIndex(const std::vector<Fact>& facts);
  int at(const std::string& entity, std::string_view attribute) const;

 private:
  std::map<std::string, int> index_;
};

/// The indices of the seen (not held-out) facts, in order.
std::vector<int> seen_facts(const std::vector<Fact>& facts);

/// The encyclopedia sentence of a fact's entity and attribute with the given value, e.g.
/// "Halmund works as a baker." for value "baker". make_facts uses it with the true value;
/// the preference pairs with a false one, so both read alike.
std::string fact_sentence(const Fact& fact, std::string_view value);

/// A question asking for a fact's value, in one of two phrasings drawn from `rng`, e.g.
/// "Which river is Draenvan on?".
std::string question_about(const Fact& fact, CounterRng& rng);

/// The first of `candidates`, starting at a random one and going round, that is not
/// `excluded` (when given, one flag per candidate) and breaks no held-out pair; "" when
/// none passes.
std::string first_allowed(CounterRng& rng, const std::vector<std::string>& candidates,
                          const std::vector<Fact>& facts, const std::vector<bool>& excluded = {});

/// In version 2, marks a fact's ground-truth record with what version 2 did to it:
/// "change" is "changed" (with "old_value", version 1's value), "new" (a new entity's
/// fact) or "unchanged". Version 1's records stay as they are.
void add_change(nlohmann::ordered_json& record, const World& world, const Fact& fact);

/// Story `position` exactly as make_stories makes it (generator.cpp).
Story make_story(const World& world, const std::vector<Fact>& facts, const FactIndex& index,
                 int position);

/// The files of each kind (text and JSONL ground truth), `size` being --size. Each lives
/// in the kind's own source file; `keyword_accuracy` receives the reviews' baseline.
std::vector<OutputFile> stories_files(const World& world, const std::vector<Fact>& facts,
                                      std::int64_t size);
std::vector<OutputFile> facts_files(const World& world, const std::vector<Fact>& facts);
std::vector<OutputFile> reviews_files(const World& world, const std::vector<Fact>& facts,
                                      std::int64_t size, double& keyword_accuracy);
std::vector<OutputFile> entities_files(const World& world, const std::vector<Fact>& facts,
                                       std::int64_t size);
std::vector<OutputFile> qa_files(const World& world, const std::vector<Fact>& facts,
                                 std::int64_t size);
std::vector<OutputFile> dialogues_files(const World& world, const std::vector<Fact>& facts,
                                        std::int64_t size);
std::vector<OutputFile> instructions_files(const World& world, const std::vector<Fact>& facts,
                                           std::int64_t size);
std::vector<OutputFile> preferences_files(const World& world, const std::vector<Fact>& facts,
                                          std::int64_t size);
std::vector<OutputFile> translation_files(const World& world, const std::vector<Fact>& facts,
                                          std::int64_t size);
std::vector<OutputFile> fairness_files(const World& world, const std::vector<Fact>& facts,
                                       std::int64_t size);

}  // namespace tinygpt::data::detail
