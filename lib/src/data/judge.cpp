// The ground-truth judge: which fact a question asks about, found from the one name in it
// and the wording, and what an answer states about it, read word by word against every
// value the fact's attribute takes in the catalogue. Everything a judgement looks up is
// built once in the constructor, so a judgement is one pass over the prompt's and the
// answer's words with hash lookups (microseconds).
#include "tinygpt/data/judge.h"

#include <span>

#include "generator_detail.h"
#include "tinygpt/core/check.h"

namespace tinygpt::data {

namespace {

// The words that ask for an attribute of an entity of a category: the generator's own
// phrasings (question_about in generator_text.cpp) and a few synonyms a person might use.
// One list per (category, attribute); any of its words in the prompt asks for it.
struct Wording {
  std::string_view category;                // "town", "person", "company" or "product"
  std::string_view attribute;               // as in Fact::attribute
  std::span<const std::string_view> words;  // lowercase
};

constexpr std::string_view kRiverWords[] = {"river", "stream"};
constexpr std::string_view kRegionWords[] = {"region", "area"};
constexpr std::string_view kHomeWords[] = {"live", "lives", "home", "town"};
// "living" asks for a job ("do for a living"), not a home: words match whole, so it is
// never taken for "live".
constexpr std::string_view kJobWords[] = {"job",   "living", "occupation", "work",
                                          "works", "trade",  "profession"};
constexpr std::string_view kPetWords[] = {"pet", "pets", "animal"};
constexpr std::string_view kBaseWords[] = {"based", "where", "town", "workshop", "located"};
constexpr std::string_view kPriceWords[] = {"cost", "costs", "price", "much"};
constexpr std::string_view kMakerWords[] = {"make", "makes", "made", "maker", "company", "who"};
constexpr std::string_view kKindWords[] = {"kind", "type", "sort"};

constexpr Wording kWordings[] = {
    {"town", "river", kRiverWords},    {"town", "region", kRegionWords},
    {"person", "town", kHomeWords},    {"person", "occupation", kJobWords},
    {"person", "pet", kPetWords},      {"company", "town", kBaseWords},
    {"product", "price", kPriceWords}, {"product", "maker", kMakerWords},
    {"product", "kind", kKindWords},
};

// The words of a text: maximal runs of ASCII letters and digits (detail::is_word_char, as
// contains_words reads them), lowercased when asked.
std::vector<std::string> words_of(std::string_view text, bool lowercase) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!detail::is_word_char(text[i])) {
      ++i;
      continue;
    }
    std::string word;
    for (; i < text.size() && detail::is_word_char(text[i]); ++i) {
      const char c = text[i];
      word += (lowercase && c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    words.push_back(std::move(word));
  }
  return words;
}

bool has_word(const std::vector<std::string>& words, std::string_view word) {
  for (const std::string& w : words) {
    if (w == word) return true;
  }
  return false;
}

// Whether `phrase` (a list of words) appears in `words` as consecutive words.
bool has_phrase(const std::vector<std::string>& words, const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  for (std::size_t start = 0; start + phrase.size() <= words.size(); ++start) {
    std::size_t k = 0;
    while (k < phrase.size() && words[start + k] == phrase[k]) ++k;
    if (k == phrase.size()) return true;
  }
  return false;
}

bool has_any_phrase(const std::vector<std::string>& words,
                    const std::vector<std::vector<std::string>>& phrases) {
  for (const std::vector<std::string>& phrase : phrases) {
    if (has_phrase(words, phrase)) return true;
  }
  return false;
}

bool all_digits(std::string_view word) {
  for (const char c : word) {
    if (c < '0' || c > '9') return false;
  }
  return !word.empty();
}

// The category of a fact's entity, from its id: "person:3" gives "person".
std::string_view category_of(const Fact& fact) {
  const std::string_view id = fact.entity;
  return id.substr(0, id.find(':'));
}

// Adds a value to an attribute's index under its lowercase word: "Ossel" is found as
// "ossel". Every value but a price is one word.
void add_value(std::unordered_map<std::string, std::string>& index, std::string_view value) {
  index[words_of(value, true).front()] = std::string(value);
}

}  // namespace

std::string_view correctness_name(Correctness correctness) {
  switch (correctness) {
    case Correctness::kCorrect:
      return "correct";
    case Correctness::kWrong:
      return "wrong";
    case Correctness::kAbstains:
      return "abstains";
    case Correctness::kUnknown:
      break;
  }
  return "unknown";
}

Judge::Judge(const World& world) : facts_(make_facts(world)) {
  for (std::size_t i = 0; i < facts_.size(); ++i) {
    facts_of_name_[facts_[i].entity_name].push_back(static_cast<int>(i));
  }
  // Every value each attribute can take, not only the values some fact has: a wrong
  // answer may name an occupation nobody in this world has. The same lists the
  // preference pairs draw their false values from (other_values in
  // generator_preferences.cpp).
  for (const River& river : world.rivers) add_value(values_["river"], river.name);
  for (const Region& region : world.regions) add_value(values_["region"], region.name);
  for (const Town& town : world.towns) add_value(values_["town"], town.name);
  for (const std::string_view job : kOccupations) add_value(values_["occupation"], job);
  for (const std::string_view animal : kAnimals) add_value(values_["pet"], animal);
  for (const Company& company : world.companies) add_value(values_["maker"], company.name);
  for (const std::string_view kind : kProductKinds) add_value(values_["kind"], kind);
  for (const std::string_view evasion : detail::kEvasions) {
    evasions_.push_back(words_of(evasion, true));
  }
  for (const std::string_view rude : detail::kRudePrefixes) rude_.push_back(words_of(rude, true));
}

std::optional<int> Judge::fact_asked(std::string_view prompt) const {
  const std::vector<std::string> lower = words_of(prompt, true);
  std::optional<int> asked;
  for (const std::string& word : words_of(prompt, false)) {
    const auto named = facts_of_name_.find(word);
    if (named == facts_of_name_.end()) continue;
    // The entity's attributes the wording asks for. A named entity the wording asks
    // nothing about (the town in "Does Halmund live in Ossel?") is passed over.
    const std::vector<int>& candidates = named->second;
    const std::string_view category = category_of(facts_[candidates.front()]);
    int found = -1;
    int matches = 0;
    for (const int f : candidates) {
      for (const Wording& wording : kWordings) {
        if (wording.category != category || wording.attribute != facts_[f].attribute) continue;
        for (const std::string_view w : wording.words) {
          if (has_word(lower, w)) {
            found = f;
            ++matches;
            break;
          }
        }
      }
    }
    // "What is the Zorvi?" asks for its kind without any of the kind's words.
    if (matches == 0 && category == "product" && has_word(lower, "what")) {
      for (const int f : candidates) {
        if (facts_[f].attribute == "kind") {
          found = f;
          matches = 1;
        }
      }
    }
    if (matches != 1) continue;                         // nothing asked, or two attributes at once
    if (asked && *asked != found) return std::nullopt;  // two facts: no single one
    asked = found;
  }
  return asked;
}

Verdict Judge::judge(std::string_view prompt, std::string_view answer) const {
  const std::optional<int> fact = fact_asked(prompt);
  if (fact) return judge_fact(*fact, answer);
  const std::vector<std::string> words = words_of(answer, true);
  Verdict verdict;
  verdict.stock_evasion = has_any_phrase(words, evasions_);
  verdict.polite = !has_any_phrase(words, rude_);
  return verdict;
}

Verdict Judge::judge_fact(int fact, std::string_view answer) const {
  TINYGPT_CHECK(fact >= 0 && static_cast<std::size_t>(fact) < facts_.size(),
                "Judge::judge_fact: fact ", fact, " is not an index of the world's ", facts_.size(),
                " facts");
  const Fact& asked = facts_[fact];
  const std::vector<std::string> words = words_of(answer, true);
  Verdict verdict;
  verdict.fact = fact;
  verdict.stock_evasion = has_any_phrase(words, evasions_);
  verdict.polite = !has_any_phrase(words, rude_);

  // The values of the asked attribute the answer states, in order, spelt as the
  // catalogue spells them; the first wrong one decides (it contradicts the catalogue even
  // when the right one is there too).
  bool states_right = false;
  const auto stated = [&](const std::string& value) {
    verdict.answers = true;
    if (value == asked.value) {
      states_right = true;
    } else if (verdict.wrong_value.empty()) {
      verdict.wrong_value = value;
    }
  };
  if (asked.attribute == "price") {
    // A price is "N crowns": a number alone could be anything (a count, a year).
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      if (!all_digits(words[i]) || (words[i + 1] != "crowns" && words[i + 1] != "crown")) {
        continue;
      }
      // Read as a number, so "042 crowns" is 42 crowns; a number too long for an int is
      // kept as written (never a catalogue price, which is 5 to 300).
      stated(words[i].size() <= 9 ? detail::crowns(std::stoi(words[i])) : words[i] + " crowns");
    }
  } else {
    const std::unordered_map<std::string, std::string>& values = values_.at(asked.attribute);
    for (const std::string& word : words) {
      const auto value = values.find(word);
      if (value != values.end()) stated(value->second);
    }
  }
  if (!verdict.wrong_value.empty()) {
    verdict.correctness = Correctness::kWrong;
  } else if (states_right) {
    verdict.correctness = Correctness::kCorrect;
  } else {
    verdict.correctness = Correctness::kAbstains;
  }
  return verdict;
}

}  // namespace tinygpt::data
