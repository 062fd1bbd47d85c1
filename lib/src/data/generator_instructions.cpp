// Instruction/response pairs of five simple skills whose answers a test (or a grader in
// step 04) can recompute: arithmetic, copying, reversing words, sorting a list, and a
// one-sentence summary built from what the story is known to state.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "world_detail.h"

namespace tinygpt::data {

namespace {

constexpr std::string_view kSkills[] = {"arithmetic", "copy", "reverse", "list", "summary"};

Instruction arithmetic(CounterRng& rng) {
  Instruction item;
  item.skill = "arithmetic";
  const std::uint32_t kind = rng.below(3);
  if (kind == 2) {
    // Products stay small (at most 99 * 12) so a small model can learn them.
    item.op = "*";
    item.a = rng.below(100);
    item.b = rng.below(13);
  } else {
    item.op = kind == 0 ? "+" : "-";
    item.a = rng.below(1000);
    item.b = rng.below(1000);
    if (item.op == "-" && item.a < item.b) std::swap(item.a, item.b);  // no negative results
  }
  const std::string sum = std::to_string(item.a) + " " + item.op + " " + std::to_string(item.b);
  item.instruction = rng.below(2) == 0 ? "What is " + sum + "?" : "Calculate " + sum + ".";
  const std::int64_t result = item.op == "+"   ? item.a + item.b
                              : item.op == "-" ? item.a - item.b
                                               : item.a * item.b;
  item.response = std::to_string(result);
  return item;
}

// A seen fact's sentence: inputs never carry a held-out fact.
const std::string& some_sentence(CounterRng& rng, const std::vector<Fact>& facts,
                                 const std::vector<int>& seen) {
  return facts[seen[detail::below(rng, seen.size())]].sentence;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
  std::string text;
  for (const std::string& word : words) {
    if (!text.empty()) text += separator;
    text += word;
  }
  return text;
}

Instruction reverse(CounterRng& rng, const std::vector<Fact>& facts, const std::vector<int>& seen) {
  Instruction item;
  item.skill = "reverse";
  item.instruction = "Write the words of the input in reverse order.";
  item.input = some_sentence(rng, facts, seen);
  item.input.pop_back();  // the full stop, so that words are just words
  std::vector<std::string> words = split_words(item.input);
  std::reverse(words.begin(), words.end());
  item.response = join(words, " ");
  return item;
}

Instruction sort_list(CounterRng& rng) {
  Instruction item;
  item.skill = "list";
  item.instruction = "Sort these words alphabetically, separated by commas.";
  // Three to six distinct common nouns of the world.
  std::vector<std::string> pool(kAnimals.begin(), kAnimals.end());
  pool.insert(pool.end(), kProductKinds.begin(), kProductKinds.end());
  std::vector<std::string> words;
  const std::uint32_t count = 3 + rng.below(4);
  while (words.size() < count) {
    const std::string& word = pool[detail::below(rng, pool.size())];
    if (!detail::contains(words, word)) words.push_back(word);
  }
  item.input = join(words, ", ");
  std::sort(words.begin(), words.end());
  item.response = join(words, ", ");
  return item;
}

// "Halowin, a potter from Draenvan, bought the Solbio." (or "Halowin from Draenvan bought
// ...", "Halowin bought ..."): the occupation and the home are said only when the story
// states them, so the summary never adds a fact.
Instruction summary(CounterRng& rng, const World& world, const std::vector<Fact>& facts,
                    const detail::FactIndex& index) {
  Instruction item;
  item.skill = "summary";
  item.instruction = "Summarise the story in one sentence.";
  item.story = static_cast<int>(detail::below(rng, world.people.size() * world.products.size()));
  const Story story = detail::make_story(world, facts, index, item.story);
  item.input = story.text;
  item.story_facts = story.facts;
  const Person& person = world.people[item.story % world.people.size()];
  const Product& product = world.products[item.story % world.products.size()];
  const int works_as = index.at(person.id, "occupation");
  const int lives_in = index.at(person.id, "town");
  const std::string from = " from " + world.towns[person.town].name;
  std::string who = person.name;
  if (detail::contains(story.facts, works_as)) {
    who += ", " + with_article(kOccupations[person.occupation]);
    item.summary_facts.push_back(works_as);
    if (detail::contains(story.facts, lives_in)) {
      who += from;
      item.summary_facts.push_back(lives_in);
    }
    who += ",";
  } else if (detail::contains(story.facts, lives_in)) {
    who += from;
    item.summary_facts.push_back(lives_in);
  }
  item.response = who + " bought the " + product.name + ".";
  if (sentence_has_held_out_pair(item.response, facts)) {
    item.response = person.name + " bought the " + product.name + ".";
    item.summary_facts.clear();
  }
  return item;
}

}  // namespace

std::vector<Instruction> make_instructions(const World& world, const std::vector<Fact>& facts,
                                           std::int64_t count) {
  TINYGPT_CHECK(count > 0, "make_instructions: count must be positive, got ", count);
  const std::vector<int> seen = detail::seen_facts(facts);
  TINYGPT_CHECK(!seen.empty(), "make_instructions: no seen facts");
  const detail::FactIndex index(facts);
  std::vector<Instruction> items;
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kInstructionStep,
                   static_cast<std::uint64_t>(i));
    // Skills in turn, so their shares are exactly equal.
    const std::string_view skill = kSkills[i % std::size(kSkills)];
    if (skill == "arithmetic") {
      items.push_back(arithmetic(rng));
    } else if (skill == "copy") {
      Instruction item;
      item.skill = "copy";
      item.instruction = "Copy the input exactly.";
      item.input = some_sentence(rng, facts, seen);
      item.response = item.input;
      items.push_back(item);
    } else if (skill == "reverse") {
      items.push_back(reverse(rng, facts, seen));
    } else if (skill == "list") {
      items.push_back(sort_list(rng));
    } else {
      items.push_back(summary(rng, world, facts, index));
    }
  }
  return items;
}

std::vector<detail::OutputFile> detail::instructions_files(const World& world,
                                                           const std::vector<Fact>& facts,
                                                           std::int64_t size) {
  const std::vector<Instruction> items =
      make_instructions(world, facts, scaled_count(size, 512, 300));
  KindFiles files;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Instruction& item = items[i];
    nlohmann::ordered_json record;
    record["id"] = "instruction:" + std::to_string(i);
    record["skill"] = item.skill;
    record["instruction"] = item.instruction;
    record["input"] = item.input;
    record["response"] = item.response;
    // What a checker needs beyond the input: copy, reverse and list follow from it alone.
    record["check"] = nlohmann::ordered_json::object();
    if (item.skill == "arithmetic") {
      record["check"] = {{"op", item.op}, {"a", item.a}, {"b", item.b}};
    } else if (item.skill == "summary") {
      std::vector<std::string> story_facts;
      std::vector<std::string> summary_facts;
      for (const int f : item.story_facts) story_facts.push_back(facts[f].id);
      for (const int f : item.summary_facts) summary_facts.push_back(facts[f].id);
      record["check"] = {{"story", "story:" + std::to_string(item.story)},
                         {"story_facts", story_facts},
                         {"summary_facts", summary_facts}};
    }
    const std::string input = item.input.empty() ? "" : "Input: " + item.input + "\n";
    files.add(record, "Instruction: " + item.instruction + "\n" + input +
                          "Response: " + item.response + "\n\n");
  }
  return files.files("instructions");
}

}  // namespace tinygpt::data
