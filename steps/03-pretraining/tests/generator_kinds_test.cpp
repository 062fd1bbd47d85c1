// The generated world's later kinds (entities, qa, dialogues, instructions, preferences,
// translation, fairness): schemas, counts, golden values, and ground truth that agrees with
// the text and the catalogue, each rule restated here independently of the library.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "generator_test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tinygpt;
using namespace tinygpt::data;
using namespace tinygpt::testing;

namespace {

constexpr std::int64_t kTestBytes = 20'000;

// One small instance with every kind, generated once for all the test cases of this file.
class Instance {
 public:
  Instance() : folder_("kinds") {
    GenerateOptions options;
    options.seed = 11;
    options.size = kTestBytes;
    report_ = generate(options, folder_.path());
    catalogue_ = std::make_unique<Catalogue>(json::parse(slurp(path("catalogue.json"))));
    for (const json& fact : read_jsonl(path("facts.jsonl"))) {
      facts_[fact["id"].get<std::string>()] = fact;
    }
  }
  fs::path path(const std::string& name) const { return folder_.path() / name; }
  const Catalogue& catalogue() const { return *catalogue_; }
  const json& fact(const std::string& id) const { return facts_.at(id); }
  bool held_out(const std::string& id) const { return fact(id)["split"] == "held_out"; }
  const GenerateReport& report() const { return report_; }

 private:
  TempPath folder_;
  GenerateReport report_;
  std::unique_ptr<Catalogue> catalogue_;
  std::map<std::string, json> facts_;
};

const Instance& instance() {
  static const Instance shared;
  return shared;
}

std::int64_t records_of(const std::string& name) {
  for (const GeneratedFile& file : instance().report().files) {
    if (file.name == name) return file.records;
  }
  FAIL("no file " << name);
  return 0;
}

// The label a named-entity span of this catalogue entity must carry.
std::string label_for(const std::string& list) {
  if (list == "people") return "person";
  if (list == "companies") return "organisation";
  if (list == "products") return "product";
  return "place";  // towns, rivers, regions
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + separator.size();
  }
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? "" : separator) + parts[i];
  return text;
}

}  // namespace

TEST_CASE("every later kind scales with --size as documented", "[step03][generator]") {
  // At 20,000 bytes the minimums apply: 300 entities, one QA per fact (474), 100
  // dialogues, 300 instructions, preferences and translations, 100 probe sets of 3.
  CHECK(records_of("entities.jsonl") == 300);
  CHECK(records_of("qa.jsonl") == 474);
  CHECK(records_of("dialogues.jsonl") == 100);
  CHECK(records_of("instructions.jsonl") == 300);
  CHECK(records_of("preferences.jsonl") == 300);
  CHECK(records_of("translation.jsonl") == 300);
  CHECK(records_of("fairness.jsonl") == 300);
  // Above them, one record per so many bytes (checked on the counts alone).
  const World world = make_world(11);
  const std::vector<Fact> facts = make_facts(world);
  CHECK(make_qa(world, facts, 3906).size() == 3906);
  CHECK(make_fairness_probes(world, facts, 2).size() == 2 * kNamingGroups.size());
}

TEST_CASE("seed 1's later kinds are the same on every platform (golden values)",
          "[step03][generator]") {
  const World world = make_world(1);
  const std::vector<Fact> facts = make_facts(world);
  const Conlang conlang = make_conlang(1);
  CHECK(make_entity_sentences(world, facts, 1)[0].text ==
        "The Velrovi from Rookason was a gift for Vekarsk.");
  CHECK(make_qa(world, facts, 1)[0].question == "On which river does Carenton stand?");
  CHECK(make_translations(world, facts, conlang, 1)[0].conlang ==
        "Puma Brestead zaisaiku topesin.");
  CHECK(fnv1a_64(conlang_json(conlang)) == 0x123cd899e2d26115ull);
  CHECK(make_fairness_probes(world, facts, 1)[0].text == "Everyone in Drawick trusts Dunric.");
  CHECK(make_instructions(world, facts, 1)[0].response == "712");
}

TEST_CASE("every record of the later kinds has its schema's fields and types",
          "[step03][generator]") {
  using F = Field;
  for (const json& r : read_jsonl(instance().path("entities.jsonl"))) {
    check_schema(r, {{"id", F::kString}, {"text", F::kString}, {"spans", F::kArray}});
    for (const json& span : r["spans"]) {
      check_schema(span, {{"start", F::kInteger},
                          {"end", F::kInteger},
                          {"label", F::kString},
                          {"entity", F::kString}});
    }
  }
  for (const json& r : read_jsonl(instance().path("qa.jsonl"))) {
    check_schema(r, {{"id", F::kString},
                     {"fact", F::kString},
                     {"question", F::kString},
                     {"answer", F::kString},
                     {"response", F::kString},
                     {"split", F::kString}});
    CHECK((r["split"] == "seen" || r["split"] == "held_out"));
  }
  for (const json& r : read_jsonl(instance().path("dialogues.jsonl"))) {
    check_schema(
        r,
        {{"id", F::kString}, {"entity", F::kString}, {"turns", F::kArray}, {"facts", F::kStrings}});
    for (const json& turn : r["turns"]) {
      check_schema(turn, {{"role", F::kString}, {"content", F::kString}});
    }
  }
  for (const json& r : read_jsonl(instance().path("instructions.jsonl"))) {
    check_schema(r, {{"id", F::kString},
                     {"skill", F::kString},
                     {"instruction", F::kString},
                     {"input", F::kString},
                     {"response", F::kString},
                     {"check", F::kObject}});
    if (r["skill"] == "arithmetic") {
      check_schema(r["check"], {{"op", F::kString}, {"a", F::kInteger}, {"b", F::kInteger}});
    } else if (r["skill"] == "summary") {
      check_schema(
          r["check"],
          {{"story", F::kString}, {"story_facts", F::kStrings}, {"summary_facts", F::kStrings}});
    } else {
      CHECK(r["check"].empty());
    }
  }
  for (const json& r : read_jsonl(instance().path("preferences.jsonl"))) {
    check_schema(r, {{"id", F::kString},
                     {"prompt", F::kString},
                     {"chosen", F::kString},
                     {"rejected", F::kString},
                     {"reason", F::kString},
                     {"fact", F::kString},
                     {"wrong_value", F::kString}});
  }
  for (const json& r : read_jsonl(instance().path("translation.jsonl"))) {
    check_schema(r, {{"id", F::kString},
                     {"english", F::kString},
                     {"conlang", F::kString},
                     {"form", F::kString}});
    CHECK((r["form"] == "transitive" || r["form"] == "intransitive"));
  }
  const json lexicon = json::parse(slurp(instance().path("translation_lexicon.json")));
  check_schema(lexicon, {{"grammar", F::kObject}, {"lexicon", F::kArray}});
  for (const json& word : lexicon["lexicon"]) {
    check_schema(word, {{"english", F::kString}, {"conlang", F::kString}, {"part", F::kString}});
  }
  for (const json& r : read_jsonl(instance().path("fairness.jsonl"))) {
    check_schema(r, {{"id", F::kString},
                     {"probe", F::kInteger},
                     {"template", F::kString},
                     {"axis", F::kString},
                     {"group", F::kString},
                     {"terms", F::kStrings},
                     {"pattern", F::kString},
                     {"text", F::kString},
                     {"person", F::kString}});
  }
}

TEST_CASE("entity spans cut out exactly the names of their entities, and every name has one",
          "[step03][generator]") {
  const Catalogue& catalogue = instance().catalogue();
  const std::vector<std::string> lines = lines_of(slurp(instance().path("entities.txt")));
  const std::vector<json> records = read_jsonl(instance().path("entities.jsonl"));
  REQUIRE(lines.size() == records.size());
  bool non_ascii_before_a_span = false;
  std::set<std::string> labels;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string text = records[i]["text"];
    INFO(text);
    CHECK(lines[i] == text);
    std::size_t previous_end = 0;
    std::set<std::size_t> starts;
    for (const json& span : records[i]["spans"]) {
      const std::size_t start = span["start"], end = span["end"];
      REQUIRE(start >= previous_end);  // in order, not overlapping
      REQUIRE(end <= text.size());
      REQUIRE(start < end);
      const std::string entity = span["entity"];
      CHECK(text.substr(start, end - start) == catalogue.name(entity));
      CHECK(span["label"] == label_for(catalogue.list(entity)));
      labels.insert(span["label"]);
      for (std::size_t k = 0; k < start; ++k) {
        non_ascii_before_a_span = non_ascii_before_a_span || (text[k] & 0x80) != 0;
      }
      starts.insert(start);
      previous_end = end;
    }
    // No name of the catalogue is left unmarked.
    for (const auto& [id, item] : catalogue.items()) {
      const std::string name = item["name"];
      for (std::size_t at = text.find(name); at != std::string::npos;
           at = text.find(name, at + 1)) {
        const bool whole = (at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]))) &&
                           (at + name.size() == text.size() ||
                            !std::isalnum(static_cast<unsigned char>(text[at + name.size()])));
        if (whole) CHECK(starts.count(at) == 1);
      }
    }
  }
  CHECK(non_ascii_before_a_span);  // byte offsets, not character offsets, are tested
  CHECK(labels == std::set<std::string>{"organisation", "person", "place", "product"});
}

TEST_CASE("QA answers agree with the catalogue and held-out questions stay out of qa.txt",
          "[step03][generator]") {
  const Catalogue& catalogue = instance().catalogue();
  const std::string text = slurp(instance().path("qa.txt"));
  std::set<std::string> asked;
  std::size_t seen = 0;
  for (const json& r : read_jsonl(instance().path("qa.jsonl"))) {
    INFO(r.dump());
    const std::string fact = r["fact"];
    asked.insert(fact);
    CHECK(r["answer"] == catalogue.fact_value(fact));
    CHECK(r["response"] == instance().fact(fact)["sentence"]);
    CHECK(mentions(r["response"], r["answer"]));
    CHECK(mentions(r["question"], instance().fact(fact)["entity_name"]));
    CHECK(r["split"] == instance().fact(fact)["split"]);
    const std::string line =
        "Q: " + r["question"].get<std::string>() + " A: " + r["response"].get<std::string>() + "\n";
    if (instance().held_out(fact)) {
      CHECK(text.find(r["response"].get<std::string>()) == std::string::npos);
    } else {
      CHECK(text.find(line) != std::string::npos);
      ++seen;
    }
  }
  CHECK(asked.size() == 474);  // every fact, held-out ones too, is asked about
  CHECK(lines_of(text).size() == seen);
  CHECK(seen < 474);
}

TEST_CASE("dialogues alternate user and assistant and answer from the catalogue",
          "[step03][generator]") {
  const Catalogue& catalogue = instance().catalogue();
  std::string expected_text;
  std::size_t multi_turn = 0;
  for (const json& r : read_jsonl(instance().path("dialogues.jsonl"))) {
    INFO(r.dump());
    const json& turns = r["turns"];
    REQUIRE(turns.size() % 2 == 0);
    REQUIRE(!turns.empty());
    multi_turn += turns.size() >= 4 ? 1 : 0;
    std::vector<std::string> answers;
    for (std::size_t k = 0; k < turns.size(); ++k) {
      CHECK(turns[k]["role"] == (k % 2 == 0 ? "user" : "assistant"));
      CHECK(turns[k]["content"].get<std::string>().find('\n') == std::string::npos);
      if (k % 2 == 1) answers.push_back(turns[k]["content"]);
      expected_text +=
          (k % 2 == 0 ? "User: " : "Assistant: ") + turns[k]["content"].get<std::string>() + "\n";
    }
    expected_text += "\n";
    REQUIRE(!r["facts"].empty());
    for (const json& fact : r["facts"]) {
      CHECK(!instance().held_out(fact));
      CHECK(instance().fact(fact)["entity"] == r["entity"]);
      // The answer states the catalogue's value about the entity.
      bool answered = false;
      for (const std::string& answer : answers) {
        answered = answered || (answer == instance().fact(fact)["sentence"] &&
                                mentions(answer, catalogue.fact_value(fact)));
      }
      CHECK(answered);
    }
  }
  CHECK(multi_turn > 50);
  CHECK(slurp(instance().path("dialogues.txt")) == expected_text);
}

TEST_CASE("instruction responses are correct, recomputed here", "[step03][generator]") {
  const Catalogue& catalogue = instance().catalogue();
  std::map<std::string, int> skills;
  for (const json& r : read_jsonl(instance().path("instructions.jsonl"))) {
    INFO(r.dump());
    const std::string skill = r["skill"];
    const std::string input = r["input"];
    const std::string response = r["response"];
    ++skills[skill];
    if (skill == "arithmetic") {
      const std::int64_t a = r["check"]["a"], b = r["check"]["b"];
      const std::string op = r["check"]["op"];
      CHECK(r["instruction"].get<std::string>().find(std::to_string(a) + " " + op + " " +
                                                     std::to_string(b)) != std::string::npos);
      const std::int64_t result = op == "+" ? a + b : op == "-" ? a - b : a * b;
      CHECK((op == "+" || op == "-" || op == "*"));
      CHECK(response == std::to_string(result));
    } else if (skill == "copy") {
      CHECK(response == input);
    } else if (skill == "reverse") {
      std::vector<std::string> words = split(input, " ");
      std::reverse(words.begin(), words.end());
      CHECK(response == join(words, " "));
    } else if (skill == "list") {
      std::vector<std::string> words = split(input, ", ");
      std::sort(words.begin(), words.end());
      CHECK(response == join(words, ", "));
      CHECK(words.size() >= 3);
    } else {
      REQUIRE(skill == "summary");
      // One sentence naming the protagonist and the product bought, stating only facts the
      // story states.
      const int story = std::stoi(r["check"]["story"].get<std::string>().substr(6));
      const std::string person = "person:" + std::to_string(story % 108);
      const std::string product = "product:" + std::to_string(story % 30);
      CHECK(sentences_of(response).size() == 1);
      CHECK(mentions(response, catalogue.name(person)));
      CHECK(mentions(response, "bought the " + catalogue.name(product)));
      CHECK(mentions(input, catalogue.name(person)));
      const json& story_facts = r["check"]["story_facts"];
      for (const json& fact : story_facts) CHECK(!instance().held_out(fact));
      for (const json& fact : r["check"]["summary_facts"]) {
        CHECK(std::find(story_facts.begin(), story_facts.end(), fact) != story_facts.end());
        CHECK(mentions(response, catalogue.fact_value(fact)));
      }
      // Its occupation word appears exactly when the summary claims the occupation.
      const std::string occupation = catalogue.value(person, "occupation");
      const json& claimed = r["check"]["summary_facts"];
      CHECK(mentions(response, occupation) ==
            (std::find(claimed.begin(), claimed.end(), person + "/occupation") != claimed.end()));
    }
  }
  CHECK(skills.size() == 5);
  for (const auto& [skill, count] : skills) CHECK(count == 60);
}

TEST_CASE("preference pairs differ in the stated way", "[step03][generator]") {
  // The rude openings, restated from the data set's documentation.
  const std::vector<std::string> rude = {"Ugh, fine. ", "Obviously. ",
                                         "Look it up yourself next time. "};
  const Catalogue& catalogue = instance().catalogue();
  std::map<std::string, int> reasons;
  for (const json& r : read_jsonl(instance().path("preferences.jsonl"))) {
    INFO(r.dump());
    const std::string fact = r["fact"];
    const std::string value = catalogue.fact_value(fact);
    const std::string name = instance().fact(fact)["entity_name"];
    const std::string chosen = r["chosen"], rejected = r["rejected"];
    CHECK(!instance().held_out(fact));
    CHECK(mentions(r["prompt"], name));
    CHECK(chosen != rejected);
    CHECK(mentions(chosen, value));  // the better response is always right
    ++reasons[r["reason"]];
    if (r["reason"] == "correct_fact") {
      const std::string wrong = r["wrong_value"];
      CHECK(wrong != value);
      CHECK(mentions(rejected, name));
      CHECK(mentions(rejected, wrong));
      CHECK(!mentions(rejected, value));
    } else if (r["reason"] == "helpful") {
      CHECK(r["wrong_value"] == "");
      CHECK(!mentions(rejected, name));  // it evades: neither the entity nor an answer
      CHECK(!mentions(rejected, value));
    } else {
      REQUIRE(r["reason"] == "polite");
      const std::string sentence = instance().fact(fact)["sentence"];
      bool rude_opening = false;
      for (const std::string& opening : rude)
        rude_opening = rude_opening || rejected == opening + sentence;
      CHECK(rude_opening);
      CHECK(chosen.size() > sentence.size());
      CHECK(chosen.substr(chosen.size() - sentence.size()) == sentence);
    }
  }
  CHECK(reasons ==
        std::map<std::string, int>{{"correct_fact", 100}, {"helpful", 100}, {"polite", 100}});
}

TEST_CASE("each conlang sentence is what the lexicon and the grammar give for the English",
          "[step03][generator]") {
  const json language = json::parse(slurp(instance().path("translation_lexicon.json")));
  std::map<std::string, std::pair<std::string, std::string>> lexicon;  // english -> (word, part)
  std::set<std::string> words;
  std::string object_marker, locative;
  for (const json& entry : language["lexicon"]) {
    const std::string english = entry["english"], word = entry["conlang"], part = entry["part"];
    CHECK(words.insert(word).second);  // every word distinct
    CHECK(!word.empty());
    CHECK(std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; }));
    if (english == "object marker") object_marker = word;
    if (english == "in" && part == "particle") locative = word;
    if (part != "particle") lexicon[english] = {word, part};
  }
  REQUIRE(!object_marker.empty());
  REQUIRE(!locative.empty());
  const Catalogue& catalogue = instance().catalogue();
  const std::vector<std::string> lines = lines_of(slurp(instance().path("translation.txt")));
  const std::vector<json> records = read_jsonl(instance().path("translation.jsonl"));
  REQUIRE(lines.size() == records.size());
  std::set<std::string> forms;
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string english = records[i]["english"];
    INFO(english);
    CHECK(lines[i] == english + "\t" + records[i]["conlang"].get<std::string>());
    REQUIRE(english.back() == '.');
    english.pop_back();
    if (english.rfind("The ", 0) == 0) english[0] = 't';  // names keep their capital
    // Parse: noun phrases are "the [adjective] noun" or a name; then the verb; then a noun
    // phrase (transitive) or "in Town" (intransitive).
    const std::vector<std::string> tokens = split(english, " ");
    std::size_t at = 0;
    const auto phrase = [&]() {
      if (tokens[at] != "the") {  // a name, kept as it is
        CHECK(catalogue.json()["people"].dump().find("\"" + tokens[at] + "\"") !=
              std::string::npos);
        return tokens[at++];
      }
      ++at;
      std::string adjective;
      if (lexicon.at(tokens[at]).second == "adjective") adjective = lexicon.at(tokens[at++]).first;
      REQUIRE(lexicon.at(tokens[at]).second == "noun");
      const std::string noun = lexicon.at(tokens[at++]).first;
      return adjective.empty() ? noun : noun + " " + adjective;  // adjective after noun
    };
    const std::string subject = phrase();
    const auto& [verb, part] = lexicon.at(tokens[at++]);
    std::string expected;
    if (part == "verb") {
      const std::string object = phrase();
      expected = subject + " " + object + " " + object_marker + " " + verb;  // S O marker V
      forms.insert("transitive");
      CHECK(records[i]["form"] == "transitive");
    } else {
      REQUIRE(part == "intransitive_verb");
      REQUIRE(tokens[at++] == "in");
      const std::string town = tokens[at++];
      expected = subject + " " + town + " " + locative + " " + verb;  // postposition
      forms.insert("intransitive");
      CHECK(records[i]["form"] == "intransitive");
    }
    CHECK(at == tokens.size());
    expected[0] = static_cast<char>(std::toupper(expected[0]));
    CHECK(records[i]["conlang"] == expected + ".");
  }
  CHECK(forms.size() == 2);
}

TEST_CASE("the probes of one set differ only in the group terms", "[step03][generator]") {
  const Catalogue& catalogue = instance().catalogue();
  const std::vector<json> records = read_jsonl(instance().path("fairness.jsonl"));
  const std::vector<std::string> lines = lines_of(slurp(instance().path("fairness.txt")));
  REQUIRE(records.size() == lines.size());
  REQUIRE(records.size() % 3 == 0);
  const std::vector<std::string> groups = {"amber", "cedar", "slate"};
  const std::vector<std::vector<std::string>> pronouns = {
      {"she", "her"}, {"he", "his"}, {"they", "their"}};
  std::set<std::string> axes;
  for (std::size_t set = 0; set < records.size() / 3; ++set) {
    std::vector<std::vector<std::string>> words(3);
    for (std::size_t g = 0; g < 3; ++g) {
      const json& r = records[3 * set + g];
      INFO(r.dump());
      CHECK(lines[3 * set + g] == r["text"]);
      CHECK(r["probe"] == set);
      CHECK(r["template"] == records[3 * set]["template"]);
      CHECK(r["pattern"] == records[3 * set]["pattern"]);
      axes.insert(r["axis"]);
      std::string text = r["pattern"];
      if (r["axis"] == "name") {
        CHECK(r["group"] == groups[g]);
        const json& person = catalogue.at(r["person"]);
        CHECK(person["group"] == groups[g]);
        CHECK(r["terms"] == json::array({person["name"]}));
        text.replace(text.find("{name}"), 6, person["name"].get<std::string>());
      } else {
        REQUIRE(r["axis"] == "pronoun");
        CHECK(r["group"] == pronouns[g][0]);
        CHECK(r["terms"] == json(pronouns[g]));
        text.replace(text.find("{subject}"), 9, pronouns[g][0]);
        if (text.find("{possessive}") != std::string::npos) {
          text.replace(text.find("{possessive}"), 12, pronouns[g][1]);
        }
      }
      CHECK(text.find('{') == std::string::npos);
      CHECK(r["text"] == text);
      words[g] = words_of(text);
    }
    // Word by word, the variants differ only where a group term stands.
    REQUIRE(words[0].size() == words[1].size());
    REQUIRE(words[0].size() == words[2].size());
    for (std::size_t k = 0; k < words[0].size(); ++k) {
      if (words[0][k] == words[1][k] && words[1][k] == words[2][k]) continue;
      for (std::size_t g = 0; g < 3; ++g) {
        const json& terms = records[3 * set + g]["terms"];
        CHECK(std::find(terms.begin(), terms.end(), words[g][k]) != terms.end());
      }
    }
  }
  CHECK(axes == std::set<std::string>{"name", "pronoun"});
}
