// Sentence-building pieces shared by every kind of the generator: how a fact is stated and
// asked about, how a sentence is chosen under the held-out rule, how counts scale.
#include <algorithm>

#include "generator_detail.h"
#include "tinygpt/core/check.h"

namespace tinygpt::data::detail {

namespace {

// The kind of an entity, from its id: "person:3" gives "person".
std::string_view category_of(const Fact& fact) {
  const std::string_view id = fact.entity;
  return id.substr(0, id.find(':'));
}

}  // namespace

void KindFiles::add(const nlohmann::ordered_json& record, std::string_view text) {
  jsonl_ += record.dump() + "\n";
  ++records_;
  if (!text.empty()) {
    text_ += text;
    ++texts_;
  }
}

std::vector<OutputFile> KindFiles::files(std::string_view name) const {
  return {{std::string(name) + ".txt", texts_, text_},
          {std::string(name) + ".jsonl", records_, jsonl_}};
}

std::int64_t scaled_count(std::int64_t size, std::int64_t bytes_per_record, std::int64_t minimum) {
  return std::max(minimum, size / bytes_per_record);
}

std::uint32_t below(CounterRng& rng, std::size_t bound) {
  return rng.below(static_cast<std::uint32_t>(bound));
}

std::string_view pick(CounterRng& rng, std::span<const std::string_view> words) {
  return words[below(rng, words.size())];
}

std::string capitalised(std::string_view word) {
  std::string result(word);
  if (!result.empty() && result[0] >= 'a' && result[0] <= 'z') result[0] -= 'a' - 'A';
  return result;
}

std::string_view possessive(std::string_view pronoun) {
  if (pronoun == "she") return "her";
  if (pronoun == "he") return "his";
  return "their";
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool contains(const std::vector<int>& indices, int index) {
  return std::find(indices.begin(), indices.end(), index) != indices.end();
}

std::string list_of(std::span<const std::string_view> names) {
  std::string list;
  for (const std::string_view name : names) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

std::string crowns(int price) {
  return std::to_string(price) + " crowns";
}

FactIndex::FactIndex(const std::vector<Fact>& facts) {
  for (std::size_t i = 0; i < facts.size(); ++i) index_[facts[i].id] = static_cast<int>(i);
}

int FactIndex::at(const std::string& entity, std::string_view attribute) const {
  return index_.at(entity + "/" + std::string(attribute));
}

std::vector<int> seen_facts(const std::vector<Fact>& facts) {
  std::vector<int> seen;
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (!facts[i].held_out) seen.push_back(static_cast<int>(i));
  }
  return seen;
}

std::string fact_sentence(const Fact& fact, std::string_view value) {
  const std::string_view category = category_of(fact);
  const std::string& name = fact.entity_name;
  const std::string_view attribute = fact.attribute;
  const std::string v(value);
  if (category == "town" && attribute == "river")
    return name + " is a town on the river " + v + ".";
  if (category == "town") return name + " lies in the region of " + v + ".";
  if (category == "person" && attribute == "town") return name + " lives in " + v + ".";
  if (attribute == "occupation") return name + " works as " + with_article(v) + ".";
  if (attribute == "pet") return name + " has " + with_article(v) + " as a pet.";
  if (category == "company") return name + " is a company based in " + v + ".";
  if (attribute == "maker") return "The " + name + " is made by " + v + ".";
  if (attribute == "kind") return "The " + name + " is " + with_article(v) + ".";
  TINYGPT_CHECK(attribute == "price", "fact_sentence: unknown attribute '", attribute, "'");
  return "The " + name + " costs " + v + ".";
}

std::string question_about(const Fact& fact, CounterRng& rng) {
  const std::string_view category = category_of(fact);
  const std::string_view attribute = fact.attribute;
  const std::string& n = fact.entity_name;
  const bool first = rng.below(2) == 0;
  if (category == "town" && attribute == "river") {
    return first ? "Which river is " + n + " on?" : "On which river does " + n + " stand?";
  }
  if (category == "town") {
    return first ? "Which region is " + n + " in?" : "In which region does " + n + " lie?";
  }
  if (category == "person" && attribute == "town") {
    return first ? "Where does " + n + " live?" : "Which town does " + n + " live in?";
  }
  if (attribute == "occupation") {
    return first ? "What does " + n + " do for a living?" : "What is " + n + "'s job?";
  }
  if (attribute == "pet") {
    return first ? "What pet does " + n + " have?" : "Which animal does " + n + " keep as a pet?";
  }
  if (category == "company") {
    return first ? "Where is " + n + " based?" : "In which town is " + n + " based?";
  }
  if (attribute == "maker") {
    return first ? "Who makes the " + n + "?" : "Which company makes the " + n + "?";
  }
  if (attribute == "kind") {
    return first ? "What kind of thing is the " + n + "?" : "What is the " + n + "?";
  }
  return first ? "How much does the " + n + " cost?" : "What is the price of the " + n + "?";
}

std::string first_allowed(CounterRng& rng, const std::vector<std::string>& candidates,
                          const std::vector<Fact>& facts, const std::vector<bool>& excluded) {
  const std::size_t first = below(rng, candidates.size());
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const std::size_t i = (first + k) % candidates.size();
    if (!excluded.empty() && excluded[i]) continue;
    if (!sentence_has_held_out_pair(candidates[i], facts)) return candidates[i];
  }
  return "";
}

}  // namespace tinygpt::data::detail
