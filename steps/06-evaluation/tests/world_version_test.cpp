// World version 2 (data/world.h: change_world): version 1's files untouched by it, the
// stated share of facts changed to other valid values, the rest kept, new entities with
// new names, every kind generated about it under the held-out rule, catalogue.json's
// record of the change read back, the judge of either version, and bad options refused.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/data/judge.h"
#include "tinygpt/data/world.h"

using namespace tinygpt;
using namespace tinygpt::data;
using tinygpt::testing::TempDir;

namespace {

constexpr std::int64_t kTestBytes = 20'000;

std::map<std::string, std::string> files_of(const std::filesystem::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    files[entry.path().filename().string()] = read_file(entry.path());
  }
  return files;
}

std::map<std::string, const Fact*> by_id(const std::vector<Fact>& facts) {
  std::map<std::string, const Fact*> index;
  for (const Fact& fact : facts) index[fact.id] = &fact;
  return index;
}

int index_of(const std::vector<Fact>& facts, const std::string& id) {
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (facts[i].id == id) return static_cast<int>(i);
  }
  FAIL("no fact " << id);
  return -1;
}

// Every value an attribute may take in a world, as text shows it (prices: 5 to 300 crowns).
std::set<std::string> valid_values(const World& world, const std::string& attribute) {
  std::set<std::string> values;
  if (attribute == "town") {
    for (const Town& town : world.towns) values.insert(town.name);
  } else if (attribute == "occupation") {
    values.insert(kOccupations.begin(), kOccupations.end());
  } else if (attribute == "pet") {
    values.insert(kAnimals.begin(), kAnimals.end());
  } else if (attribute == "maker") {
    for (const Company& company : world.companies) values.insert(company.name);
  } else if (attribute == "price") {
    for (int price = 5; price <= 300; ++price) values.insert(std::to_string(price) + " crowns");
  }
  return values;
}

// The sentences of a text: pieces ending with '.', '?' or '!', or at a line's end or a tab.
std::vector<std::string> sentences_of(const std::string& text) {
  std::vector<std::string> sentences;
  std::string sentence;
  for (const char c : text) {
    if (c == '\n' || c == '\t') {
      if (!sentence.empty()) sentences.push_back(sentence);
      sentence.clear();
      continue;
    }
    if (c == ' ' && sentence.empty()) continue;
    sentence += c;
    if (c == '.' || c == '?' || c == '!') {
      sentences.push_back(sentence);
      sentence.clear();
    }
  }
  if (!sentence.empty()) sentences.push_back(sentence);
  return sentences;
}

}  // namespace

TEST_CASE("version 1's files are byte-identical with and without version 2 generated",
          "[step06][world_version]") {
  TempDir dir("world_version_v1");
  const GenerateOptions defaults{.seed = 4, .size = kTestBytes};
  generate(defaults, dir.path() / "before");
  GenerateOptions changed = defaults;
  changed.world_version = 2;
  changed.change = {.share = 0.3, .new_entities = 24};
  generate(changed, dir.path() / "v2");
  GenerateOptions explicit_v1 = defaults;
  explicit_v1.world_version = 1;
  explicit_v1.change = {.share = 0.9, .new_entities = 100};  // unused by version 1
  generate(explicit_v1, dir.path() / "after");
  generate(defaults, dir.path() / "again");

  const auto before = files_of(dir.path() / "before");
  const auto v2 = files_of(dir.path() / "v2");
  REQUIRE(before.size() == 22);
  CHECK(files_of(dir.path() / "after") == before);
  CHECK(files_of(dir.path() / "again") == before);
  // Version 2 writes the same files, with other content about its changed catalogue (the
  // conlang's lexicon depends on the seed alone).
  REQUIRE(v2.size() == before.size());
  for (const auto& [name, content] : before) {
    INFO(name);
    REQUIRE(v2.count(name) == 1);
    if (name != "translation_lexicon.json") CHECK(v2.at(name) != content);
  }
  // Seed 1's catalogue is pinned by step 03's golden hash; making version 2 of it first
  // changes nothing of it.
  const World v1 = make_world(1);
  const World changed_world = change_world(v1, {});
  CHECK(changed_world.people.size() > v1.people.size());
  CHECK(fnv1a_64(catalogue_json(make_world(1))) == 0x9f4dca1b994d3f1cull);
  CHECK(catalogue_json(make_world(1, 1, {.share = 0.5, .new_entities = 12})) == catalogue_json(v1));
}

TEST_CASE("version 2 changes round(share x changeable facts) facts to other valid values",
          "[step06][world_version]") {
  const World v1 = make_world(7);
  const std::vector<Fact> v1_facts = make_facts(v1);
  const auto old_facts = by_id(v1_facts);
  CHECK(kChangeableFacts == 360);
  for (const double share : {0.0, 0.01, 0.2, 0.5, 0.999, 1.0}) {
    INFO("share " << share);
    const World v2 = change_world(v1, {.share = share, .new_entities = 12});
    const std::vector<Fact> v2_facts = make_facts(v2);
    const auto new_facts = by_id(v2_facts);
    REQUIRE(v2.changed_facts.size() ==
            static_cast<std::size_t>(std::llround(share * kChangeableFacts)));
    std::set<std::string> ids;
    for (const ChangedFact& changed : v2.changed_facts) {
      INFO(changed.id);
      CHECK(ids.insert(changed.id).second);
      CHECK(changed.id == changed.entity + "/" + changed.attribute);
      REQUIRE(old_facts.count(changed.id) == 1);
      CHECK(changed.old_value == old_facts.at(changed.id)->value);
      CHECK(changed.new_value == new_facts.at(changed.id)->value);
      CHECK(changed.new_value != changed.old_value);
      CHECK(valid_values(v2, changed.attribute).count(changed.new_value) == 1);
      // Rivers, regions and kinds never change, nor the first resident of each town and
      // the first product of each company.
      CHECK(!changed.entity.starts_with("town:"));
      CHECK(changed.attribute != "kind");
      const int position = std::stoi(changed.entity.substr(changed.entity.find(':') + 1));
      if (changed.entity.starts_with("person:") && changed.attribute == "town") {
        CHECK(position >= kTownCount);
      }
      if (changed.attribute == "maker") CHECK(position >= kCompanyCount);
    }
  }
  // All 360 changeable facts change at share 1: people move, take other jobs and pets,
  // companies move, products change maker and price.
  const World all = change_world(v1, {.share = 1.0, .new_entities = 0});
  std::map<std::string, int> per_attribute;
  for (const ChangedFact& changed : all.changed_facts) {
    ++per_attribute[changed.entity.substr(0, changed.entity.find(':')) + "/" + changed.attribute];
  }
  CHECK(per_attribute["person/town"] == kPersonCount - kTownCount);
  CHECK(per_attribute["person/occupation"] == kPersonCount);
  CHECK(per_attribute["person/pet"] == kPersonCount);
  CHECK(per_attribute["company/town"] == kCompanyCount);
  CHECK(per_attribute["product/maker"] == kProductCount - kCompanyCount);
  CHECK(per_attribute["product/price"] == kProductCount);
}

TEST_CASE("a larger share changes a superset of facts, each to the same new value",
          "[step06][world_version]") {
  const World v1 = make_world(3);
  const World small = change_world(v1, {.share = 0.1, .new_entities = 12});
  const World large = change_world(v1, {.share = 0.4, .new_entities = 12});
  std::map<std::string, std::string> large_values;
  for (const ChangedFact& changed : large.changed_facts) {
    large_values[changed.id] = changed.new_value;
  }
  REQUIRE(small.changed_facts.size() == 36);
  REQUIRE(large.changed_facts.size() == 144);
  for (const ChangedFact& changed : small.changed_facts) {
    INFO(changed.id);
    REQUIRE(large_values.count(changed.id) == 1);
    CHECK(large_values.at(changed.id) == changed.new_value);
  }
  // And the same arguments give the same world.
  CHECK(catalogue_json(change_world(v1, {.share = 0.4, .new_entities = 12})) ==
        catalogue_json(large));
}

TEST_CASE("unchanged facts keep their value, every fact keeps its held-out flag",
          "[step06][world_version]") {
  const World v1 = make_world(5);
  const World v2 = change_world(v1, {.share = 0.25, .new_entities = 36});
  const std::vector<Fact> old_facts = make_facts(v1);
  const std::vector<Fact> v2_facts = make_facts(v2);
  const auto new_facts = by_id(v2_facts);
  const auto old_by_id = by_id(old_facts);
  std::set<std::string> changed;
  for (const ChangedFact& fact : v2.changed_facts) changed.insert(fact.id);
  int kept = 0;
  for (const Fact& old : old_facts) {
    INFO(old.id);
    REQUIRE(new_facts.count(old.id) == 1);
    const Fact& now = *new_facts.at(old.id);
    CHECK(now.entity_name == old.entity_name);
    CHECK(now.held_out == old.held_out);
    if (changed.count(old.id) == 0) {
      CHECK(now.value == old.value);
      CHECK(now.sentence == old.sentence);
      ++kept;
    } else {
      CHECK(now.value != old.value);
    }
  }
  CHECK(kept == static_cast<int>(old_facts.size()) - 90);
  // The new entities' facts: about one in five held out, as version 1's.
  int new_count = 0;
  int new_held_out = 0;
  for (const auto& [id, fact] : new_facts) {
    if (old_by_id.count(id) != 0) continue;
    ++new_count;
    new_held_out += fact->held_out ? 1 : 0;
  }
  CHECK(new_count > 90);
  CHECK(new_held_out > new_count / 10);
  CHECK(new_held_out < new_count * 3 / 10);
}

TEST_CASE("new entities follow the cycle and have names no other entity has",
          "[step06][world_version]") {
  const World v1 = make_world(2);
  const std::vector<std::string> old_names = entity_names(v1);
  const std::set<std::string> old_set(old_names.begin(), old_names.end());
  for (const int count : {0, 1, 5, 12, 100, kMaxNewEntities}) {
    INFO("new entities " << count);
    const World v2 = change_world(v1, {.share = 0.2, .new_entities = count});
    REQUIRE(v2.new_entities.size() == static_cast<std::size_t>(count));
    std::map<std::string, int> next = {{"town", kTownCount},
                                       {"person", kPersonCount},
                                       {"company", kCompanyCount},
                                       {"product", kProductCount}};
    for (int j = 0; j < count; ++j) {
      const std::string category(kNewEntityCycle[static_cast<std::size_t>(j) % 12]);
      CHECK(v2.new_entities[j] == category + ":" + std::to_string(next[category]++));
    }
    CHECK(v2.towns.size() == static_cast<std::size_t>(next["town"]));
    CHECK(v2.people.size() == static_cast<std::size_t>(next["person"]));
    CHECK(v2.companies.size() == static_cast<std::size_t>(next["company"]));
    CHECK(v2.products.size() == static_cast<std::size_t>(next["product"]));
    // Version 1's entities are where they were, with the same names.
    const std::vector<std::string> names = entity_names(v2);
    for (std::size_t i = 0; i < v1.people.size(); ++i)
      CHECK(v2.people[i].name == v1.people[i].name);
    // Every name is unique across the world, and no new name is an old one.
    CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
    for (std::size_t i = kPersonCount; i < v2.people.size(); ++i) {
      CHECK(old_set.count(v2.people[i].name) == 0);
      CHECK(v2.people[i].group == static_cast<int>(i % kNamingGroups.size()));
    }
    // Every town has a resident and every company a product, except a new town or
    // company the additions end before giving one (the next person or product).
    std::vector<int> residents(v2.towns.size());
    for (const Person& person : v2.people) ++residents[person.town];
    std::vector<int> products(v2.companies.size());
    for (const Product& product : v2.products) ++products[product.maker];
    int towns_waiting = 0;
    int companies_waiting = 0;
    for (const int r : residents) towns_waiting += r == 0 ? 1 : 0;
    for (const int p : products) companies_waiting += p == 0 ? 1 : 0;
    CHECK(towns_waiting == (count % 12 == 1 ? 1 : 0));
    CHECK(companies_waiting == (count % 12 == 4 ? 1 : 0));
  }
}

TEST_CASE("every kind is generated about version 2 under the held-out rule",
          "[step06][world_version]") {
  TempDir dir("world_version_kinds");
  GenerateOptions options{.seed = 6, .size = kTestBytes};
  options.world_version = 2;
  options.change = {.share = 0.3, .new_entities = 24};
  generate(options, dir.path());
  const World world = load_world(dir.path());
  const std::vector<Fact> facts = make_facts(world);
  std::string every_text;
  for (const std::string_view kind : kKinds) {
    INFO(kind);
    const std::string text = read_file(dir.path() / (std::string(kind) + ".txt"));
    CHECK(!text.empty());
    every_text += text;
    for (const std::string& sentence : sentences_of(text)) {
      INFO(sentence);
      CHECK(!sentence_has_held_out_pair(sentence, facts));
    }
  }
  // The new people are written about, and the seen changed facts are stated with their
  // new value, never their old one, in facts.txt.
  int new_people_named = 0;
  for (std::size_t i = kPersonCount; i < world.people.size(); ++i) {
    new_people_named += contains_words(every_text, world.people[i].name) ? 1 : 0;
  }
  CHECK(new_people_named == static_cast<int>(world.people.size()) - kPersonCount);
  const std::string facts_text = read_file(dir.path() / "facts.txt");
  const std::vector<Fact> old_facts = make_facts(make_world(6));
  const auto old_by_id = by_id(old_facts);
  const auto new_by_id = by_id(facts);
  int stated = 0;
  for (const ChangedFact& changed : world.changed_facts) {
    const Fact& now = *new_by_id.at(changed.id);
    if (now.held_out) continue;
    CHECK(facts_text.find(now.sentence) != std::string::npos);
    CHECK(facts_text.find(old_by_id.at(changed.id)->sentence) == std::string::npos);
    ++stated;
  }
  CHECK(stated > 50);
  // facts.jsonl and qa.jsonl mark each fact with what version 2 did to it.
  std::map<std::string, std::string> change_of;
  for (const Fact& fact : facts) change_of[fact.id] = "unchanged";
  for (const std::string& id : world.new_entities) {
    for (const Fact& fact : facts) {
      if (fact.entity == id) change_of[fact.id] = "new";
    }
  }
  for (const ChangedFact& changed : world.changed_facts) change_of[changed.id] = "changed";
  for (const char* file : {"facts.jsonl", "qa.jsonl"}) {
    std::map<std::string, int> seen;
    std::istringstream lines(read_file(dir.path() / file));
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json record = nlohmann::json::parse(line);
      const std::string id = record.contains("fact") ? record["fact"] : record["id"];
      INFO(file << " " << id);
      REQUIRE(record.contains("change"));
      CHECK(record["change"] == change_of.at(id));
      CHECK(record.contains("old_value") == (change_of.at(id) == "changed"));
      if (record.contains("old_value")) CHECK(record["old_value"] == old_by_id.at(id)->value);
      ++seen[record["change"].get<std::string>()];
    }
    CHECK(seen["changed"] >= 108);
    CHECK(seen["new"] > 0);
    CHECK(seen["unchanged"] > 0);
  }
}

TEST_CASE("catalogue.json records the change and load_world reads version 2 back",
          "[step06][world_version]") {
  TempDir dir("world_version_catalogue");
  GenerateOptions options{.seed = 8, .size = kTestBytes, .kinds = {"facts"}};
  options.world_version = 2;
  options.change = {.share = 0.2, .new_entities = 12};
  generate(options, dir.path() / "v2");
  const World world = load_world(dir.path() / "v2");
  CHECK(world.version == 2);
  CHECK(catalogue_json(world) == read_file(dir.path() / "v2" / "catalogue.json"));
  const nlohmann::json catalogue =
      nlohmann::json::parse(read_file(dir.path() / "v2" / "catalogue.json"));
  CHECK(catalogue["version"] == 2);
  CHECK(catalogue["change"]["share"] == 0.2);
  CHECK(catalogue["change"]["new_entities"] == 12);
  CHECK(catalogue["change"]["changeable_facts"] == kChangeableFacts);
  CHECK(catalogue["change"]["changed_facts"] == 72);
  REQUIRE(catalogue["changed_facts"].size() == 72);
  for (std::size_t i = 0; i < world.changed_facts.size(); ++i) {
    const nlohmann::json& record = catalogue["changed_facts"][i];
    CHECK(record["id"] == world.changed_facts[i].id);
    CHECK(record["old"] == world.changed_facts[i].old_value);
    CHECK(record["new"] == world.changed_facts[i].new_value);
  }
  CHECK(catalogue["new_entities"].get<std::vector<std::string>>() == world.new_entities);
  CHECK(catalogue["people"].size() == kPersonCount + 8);
  // Version 1 of the same seed has neither key.
  generate({.seed = 8, .size = kTestBytes, .kinds = {"facts"}}, dir.path() / "v1");
  const nlohmann::json v1 = nlohmann::json::parse(read_file(dir.path() / "v1" / "catalogue.json"));
  CHECK(!v1.contains("version"));
  CHECK(!v1.contains("changed_facts"));
  CHECK(load_world(dir.path() / "v1").version == 1);

  // A catalogue edited by hand is refused, and so is an unknown version.
  nlohmann::ordered_json edited =
      nlohmann::ordered_json::parse(read_file(dir.path() / "v2" / "catalogue.json"));
  edited["changed_facts"][0]["new"] = "Nowhere";
  write_file_atomically(dir.path() / "v2" / "catalogue.json", edited.dump(2) + "\n");
  CHECK_THROWS_WITH(load_world(dir.path() / "v2"),
                    tinygpt::testing::contains("not the catalogue of its seed"));
  edited["version"] = 3;
  write_file_atomically(dir.path() / "v2" / "catalogue.json", edited.dump(2) + "\n");
  CHECK_THROWS_WITH(load_world(dir.path() / "v2"), tinygpt::testing::contains("version 3"));
}

TEST_CASE("the version-2 judge marks an old-value answer about a changed fact as wrong",
          "[step06][world_version]") {
  const World v1 = make_world(9);
  const World v2 = change_world(v1, {.share = 0.2, .new_entities = 12});
  const Judge old_judge(v1);
  const Judge new_judge(v2);
  REQUIRE(!v2.changed_facts.empty());
  for (const ChangedFact& changed : v2.changed_facts) {
    INFO(changed.id << ": " << changed.old_value << " -> " << changed.new_value);
    const int now = index_of(new_judge.facts(), changed.id);
    const int before = index_of(old_judge.facts(), changed.id);
    const Verdict stale = new_judge.judge_fact(now, "It is " + changed.old_value + ".");
    CHECK(stale.correctness == Correctness::kWrong);
    CHECK(stale.wrong_value == changed.old_value);
    CHECK(new_judge.judge_fact(now, "It is " + changed.new_value + ".").correctness ==
          Correctness::kCorrect);
    // Version 1's judge says the opposite: what forgetting is measured with.
    CHECK(old_judge.judge_fact(before, "It is " + changed.old_value + ".").correctness ==
          Correctness::kCorrect);
    CHECK(old_judge.judge_fact(before, "It is " + changed.new_value + ".").correctness ==
          Correctness::kWrong);
  }
  // Through a question: someone who moved.
  for (const ChangedFact& changed : v2.changed_facts) {
    if (!changed.entity.starts_with("person:") || changed.attribute != "town") continue;
    const Person& person = v2.people[std::stoi(changed.entity.substr(7))];
    const std::string question = "Where does " + person.name + " live?";
    const Verdict verdict =
        new_judge.judge(question, person.name + " lives in " + changed.old_value + ".");
    CHECK(verdict.correctness == Correctness::kWrong);
    CHECK(new_judge.facts()[verdict.fact].id == changed.id);
    break;
  }
  // A new person is unknown to version 1's judge and known to version 2's.
  const Person& newcomer = v2.people[kPersonCount];
  const std::string question = "What is " + newcomer.name + "'s job?";
  const std::string answer = "A " + std::string(kOccupations[newcomer.occupation]) + ".";
  CHECK(old_judge.judge(question, answer).correctness == Correctness::kUnknown);
  CHECK(new_judge.judge(question, answer).correctness == Correctness::kCorrect);
}

TEST_CASE("bad world versions and changes are refused before anything is written",
          "[step06][world_version]") {
  using tinygpt::testing::contains;
  CHECK_THROWS_WITH(check_world_change({.share = -0.1, .new_entities = 0}), contains("--changed"));
  CHECK_THROWS_WITH(check_world_change({.share = 1.01, .new_entities = 0}), contains("--changed"));
  CHECK_THROWS_WITH(
      check_world_change({.share = std::numeric_limits<double>::quiet_NaN(), .new_entities = 0}),
      contains("--changed"));
  CHECK_THROWS_WITH(check_world_change({.share = 0.2, .new_entities = -1}),
                    contains("--new-entities"));
  CHECK_THROWS_WITH(check_world_change({.share = 0.2, .new_entities = kMaxNewEntities + 1}),
                    contains("--new-entities"));
  CHECK_NOTHROW(check_world_change({.share = 0, .new_entities = 0}));
  CHECK_NOTHROW(check_world_change({.share = 1, .new_entities = kMaxNewEntities}));
  CHECK_THROWS_WITH(make_world(1, 3, {}), contains("--world-version must be 1 or 2, got 3"));
  CHECK_THROWS_WITH(change_world(change_world(make_world(1), {}), {}), contains("version 2"));

  TempDir dir("world_version_bad");
  for (const int version : {0, 3}) {
    GenerateOptions options{.seed = 1, .size = kTestBytes};
    options.world_version = version;
    CHECK_THROWS_WITH(generate(options, dir.path() / "out"), contains("--world-version"));
  }
  GenerateOptions options{.seed = 1, .size = kTestBytes};
  options.world_version = 2;
  options.change.share = 2;
  CHECK_THROWS_WITH(generate(options, dir.path() / "out"), contains("--changed"));
  CHECK(!std::filesystem::exists(dir.path() / "out"));
}
