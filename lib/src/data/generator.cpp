// Facts and stories about the generated world, the held-out rule, and `generate`, which
// builds every file in memory after checking its arguments, then writes each atomically.
#include "tinygpt/data/generator.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <span>
#include <system_error>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "world_detail.h"

namespace tinygpt::data {

using detail::capitalised;
using detail::contains;
using detail::FactIndex;
using detail::list_of;
using detail::possessive;

namespace {

// One way to say the next sentence of a story: its text, the facts it states (indices) and
// the entities it names (ids).
struct Candidate {
  std::string text;
  std::vector<int> facts;
  std::vector<std::string> entities;
};

// Builds one story sentence by sentence. A sentence is chosen at random among the
// candidates that state only seen facts; if it breaks the held-out rule (by naming an
// entity next to a held-out value by accident) the next candidate is tried, and the
// sentence is left out when none passes.
class StoryBuilder {
 public:
  StoryBuilder(const std::vector<Fact>& facts, CounterRng& rng) : facts_(facts), rng_(rng) {}

  bool seen(int fact) const { return !facts_[fact].held_out; }

  void add(const std::vector<Candidate>& candidates) {
    std::vector<const Candidate*> allowed;
    for (const Candidate& candidate : candidates) {
      bool all_seen = true;
      for (const int fact : candidate.facts) all_seen = all_seen && seen(fact);
      if (all_seen) allowed.push_back(&candidate);
    }
    if (allowed.empty()) return;
    const std::size_t first = rng_.below(static_cast<std::uint32_t>(allowed.size()));
    for (std::size_t k = 0; k < allowed.size(); ++k) {
      const Candidate& candidate = *allowed[(first + k) % allowed.size()];
      if (sentence_has_held_out_pair(candidate.text, facts_)) continue;
      if (!story_.text.empty()) story_.text += ' ';
      story_.text += candidate.text;
      for (const int fact : candidate.facts) {
        if (!contains(story_.facts, fact)) story_.facts.push_back(fact);
      }
      for (const std::string& entity : candidate.entities) {
        if (!contains(story_.entities, entity)) story_.entities.push_back(entity);
      }
      return;
    }
  }

  bool states(int fact) const { return contains(story_.facts, fact); }
  bool names(const std::string& entity) const { return contains(story_.entities, entity); }
  Story& story() { return story_; }

 private:
  const std::vector<Fact>& facts_;
  CounterRng& rng_;
  Story story_;
};

}  // namespace

Story detail::make_story(const World& world, const std::vector<Fact>& facts, const FactIndex& index,
                         int position) {
  CounterRng rng(world.seed, RngStream::kWorld, detail::kStoryStep,
                 static_cast<std::uint64_t>(position));
  StoryBuilder builder(facts, rng);
  const int people = static_cast<int>(world.people.size());
  const Person& person = world.people[position % people];
  const Town& town = world.towns[person.town];
  const River& river = world.rivers[town.river];
  const std::string occupation = with_article(kOccupations[person.occupation]);
  const std::string_view animal = kAnimals[person.pet];
  const std::string pronoun = capitalised(person.pronoun);
  const std::string_view their = possessive(person.pronoun);
  const std::string& name = person.name;
  const int lives_in = index.at(person.id, "town");
  const int works_as = index.at(person.id, "occupation");
  const int keeps = index.at(person.id, "pet");
  const int on_river = index.at(town.id, "river");
  const int in_region = index.at(town.id, "region");
  builder.story().protagonist = person.id;

  builder.add({
      {"Once there was " + occupation + " called " + name + ".", {works_as}, {person.id}},
      {name + " lived in " + town.name + ", a town on the river " + river.name + ".",
       {lives_in, on_river},
       {person.id, town.id, river.id}},
      {name + " lived in " + town.name + ".", {lives_in}, {person.id, town.id}},
      {"This is a story about " + name + ".", {}, {person.id}},
  });
  // The town is described only when the story has said it is the person's home, so that
  // a held-out home is never hinted at by context either.
  if (builder.states(lives_in)) {
    builder.add({{"The town of " + town.name + " lies in the region of " +
                      world.regions[town.region].name + ".",
                  {in_region},
                  {town.id, world.regions[town.region].id}}});
    if (!builder.states(on_river)) {
      builder.add({{town.name + " stands on the river " + river.name + ".",
                    {on_river},
                    {town.id, river.id}}});
    }
  }
  if (!builder.states(works_as)) {
    builder.add({
        {"By trade, " + name + " was " + occupation + ".", {works_as}, {person.id}},
        {"Every day " + name + " worked as " + occupation + ".", {works_as}, {person.id}},
    });
  }
  builder.add({
      {name + " had " + with_article(animal) + ".", {keeps}, {person.id}},
      {name + " never went anywhere without " + std::string(their) + " " + std::string(animal) +
           ".",
       {keeps},
       {person.id}},
      {"At home " + name + " kept " + with_article(animal) + ".", {keeps}, {person.id}},
  });

  if (rng.below(2) == 0) {
    int other = static_cast<int>(detail::below(rng, people - 1));
    if (other >= position % people) ++other;  // anyone but the protagonist
    const Person& friend_ = world.people[other];
    const Town& home = world.towns[friend_.town];
    const std::string job = with_article(kOccupations[friend_.occupation]);
    const int friend_lives_in = index.at(friend_.id, "town");
    const int friend_works_as = index.at(friend_.id, "occupation");
    const std::string visited = name + " visited " + friend_.name;
    builder.add({
        {visited + ", " + job + " from " + home.name + ".",
         {friend_works_as, friend_lives_in},
         {person.id, friend_.id, home.id}},
        {visited + ", who lives in " + home.name + ".",
         {friend_lives_in},
         {person.id, friend_.id, home.id}},
        {visited + ", " + job + ".", {friend_works_as}, {person.id, friend_.id}},
        {visited + ".", {}, {person.id, friend_.id}},
    });
  }

  const Product& product = world.products[position % static_cast<int>(world.products.size())];
  const Company& maker = world.companies[product.maker];
  const std::string kind = with_article(kProductKinds[product.kind]);
  const int made_by = index.at(product.id, "maker");
  const int is_kind = index.at(product.id, "kind");
  const int costs = index.at(product.id, "price");
  const std::string bought = "One morning " + name + " bought ";
  builder.add({
      {bought + "the " + product.name + ", " + kind + " made by " + maker.name + ".",
       {is_kind, made_by},
       {person.id, product.id, maker.id}},
      {bought + "the " + product.name + " from " + maker.name + ".",
       {made_by},
       {person.id, product.id, maker.id}},
      {bought + kind + " called the " + product.name + ".", {is_kind}, {person.id, product.id}},
      {bought + "something called the " + product.name + ".", {}, {person.id, product.id}},
  });
  if (rng.below(2) == 0) {
    const std::string price = std::to_string(product.price) + " crowns";
    builder.add({
        {"The " + product.name + " cost " + price + ".", {costs}, {product.id}},
        {pronoun + " paid " + price + " for the " + product.name + ".", {costs}, {product.id}},
    });
  }
  if (builder.names(maker.id)) {
    const Town& workshop = world.towns[maker.town];
    builder.add({{maker.name + " has its workshop in " + workshop.name + ".",
                  {index.at(maker.id, "town")},
                  {maker.id, workshop.id}}});
  }

  // A walk along the home river to another town on it; it presumes the home and its
  // river, so both must have been stated.
  if (rng.below(2) == 0 && builder.states(lives_in) && builder.states(on_river)) {
    std::vector<int> neighbours;
    for (int t = 0; t < static_cast<int>(world.towns.size()); ++t) {
      if (t != person.town && world.towns[t].river == town.river) neighbours.push_back(t);
    }
    if (!neighbours.empty()) {
      const Town& other =
          world.towns[neighbours[rng.below(static_cast<std::uint32_t>(neighbours.size()))]];
      builder.add(
          {{"Later " + name + " walked along the river " + river.name + " to " + other.name + ".",
            {index.at(other.id, "river")},
            {person.id, river.id, other.id}}});
    }
  }

  builder.add({
      {"That evening " + person.pronoun + " told " + std::string(their) + " " +
           std::string(animal) + " all about it.",
       {keeps},
       {}},
      {"At the end of the day " + person.pronoun + " went home happy.", {}, {}},
      {pronoun + " slept well that night.", {}, {}},
  });
  return builder.story();
}

namespace {

// Throws "unknown kind" (with the valid kinds) for a name not in kKinds.
void check_kind(const std::string& kind) {
  for (const std::string_view known : kKinds) {
    if (kind == known) return;
  }
  throw Error("--kinds: unknown kind '" + kind + "'; valid kinds: " + list_of(kKinds));
}

bool writable_folder(const std::filesystem::path& path) {
  return std::filesystem::is_directory(path) && access(path.c_str(), W_OK | X_OK) == 0;
}

}  // namespace

std::vector<Fact> make_facts(const World& world) {
  std::vector<Fact> facts;
  // Version 2's new entities come after version 1's in each category, so the facts of
  // version 1's entities keep their relative order: counting only them gives each its
  // position in version 1, which draws its held-out flag. New entities' facts draw theirs
  // from a step of their own.
  std::uint64_t old_facts = 0;
  std::uint64_t new_facts = 0;
  const auto add = [&](const std::string& entity, const std::string& name,
                       std::string_view attribute, const std::string& value, bool is_new) {
    Fact fact{entity + "/" + std::string(attribute),
              entity,
              name,
              std::string(attribute),
              value,
              "",
              false};
    fact.sentence = detail::fact_sentence(fact, value);
    CounterRng rng(world.seed, RngStream::kWorld,
                   is_new ? detail::kNewHeldOutStep : detail::kHeldOutStep,
                   is_new ? new_facts++ : old_facts++);
    fact.held_out = rng.below(5) == 0;
    facts.push_back(fact);
  };
  for (std::size_t i = 0; i < world.towns.size(); ++i) {
    const Town& town = world.towns[i];
    const bool is_new = i >= kTownCount;
    add(town.id, town.name, "river", world.rivers[town.river].name, is_new);
    add(town.id, town.name, "region", world.regions[town.region].name, is_new);
  }
  for (std::size_t i = 0; i < world.people.size(); ++i) {
    const Person& person = world.people[i];
    const bool is_new = i >= kPersonCount;
    add(person.id, person.name, "town", world.towns[person.town].name, is_new);
    add(person.id, person.name, "occupation", std::string(kOccupations[person.occupation]), is_new);
    add(person.id, person.name, "pet", std::string(kAnimals[person.pet]), is_new);
  }
  for (std::size_t i = 0; i < world.companies.size(); ++i) {
    const Company& company = world.companies[i];
    add(company.id, company.name, "town", world.towns[company.town].name, i >= kCompanyCount);
  }
  for (std::size_t i = 0; i < world.products.size(); ++i) {
    const Product& product = world.products[i];
    const bool is_new = i >= kProductCount;
    add(product.id, product.name, "maker", world.companies[product.maker].name, is_new);
    add(product.id, product.name, "kind", std::string(kProductKinds[product.kind]), is_new);
    add(product.id, product.name, "price", detail::crowns(product.price), is_new);
  }
  return facts;
}

bool contains_words(std::string_view text, std::string_view phrase) {
  if (phrase.empty()) return false;
  for (std::size_t at = text.find(phrase); at != std::string_view::npos;
       at = text.find(phrase, at + 1)) {
    const std::size_t end = at + phrase.size();
    const bool starts_word = at == 0 || !detail::is_word_char(text[at - 1]);
    const bool ends_word = end == text.size() || !detail::is_word_char(text[end]);
    if (starts_word && ends_word) return true;
  }
  return false;
}

bool sentence_has_held_out_pair(std::string_view sentence, const std::vector<Fact>& facts) {
  for (const Fact& fact : facts) {
    if (fact.held_out && contains_words(sentence, fact.entity_name) &&
        contains_words(sentence, fact.value)) {
      return true;
    }
  }
  return false;
}

std::vector<Story> make_stories(const World& world, const std::vector<Fact>& facts,
                                std::int64_t bytes) {
  TINYGPT_CHECK(bytes > 0, "make_stories: bytes must be positive, got ", bytes);
  const FactIndex index(facts);
  std::vector<Story> stories;
  std::int64_t total = 0;
  while (total < bytes) {
    stories.push_back(detail::make_story(world, facts, index, static_cast<int>(stories.size())));
    total += static_cast<std::int64_t>(stories.back().text.size()) + 2;  // and "\n\n"
  }
  return stories;
}

std::vector<std::string> parse_kinds(std::string_view list) {
  std::vector<std::string> kinds;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    const std::string kind(list.substr(start, end - start));
    TINYGPT_CHECK(!kind.empty(), "--kinds: empty kind in '", list,
                  "'; give a comma-separated list of: ", list_of(kKinds));
    check_kind(kind);
    if (!contains(kinds, kind)) kinds.push_back(kind);
    start = end + 1;
  }
  return kinds;
}

void check_generate_arguments(const GenerateOptions& options, const std::filesystem::path& out) {
  TINYGPT_CHECK(options.world_version == 1 || options.world_version == 2,
                "--world-version must be 1 or 2, got ", options.world_version);
  if (options.world_version == 2) check_world_change(options.change);
  TINYGPT_CHECK(options.size > 0 && options.size <= kMaxStoryBytes, "--size must be between 1 and ",
                kMaxStoryBytes, " bytes, got ", options.size);
  TINYGPT_CHECK(!options.kinds.empty(), "--kinds: no kind given; valid kinds: ", list_of(kKinds));
  for (const std::string& kind : options.kinds) check_kind(kind);
  TINYGPT_CHECK(!out.empty(), "--out: no output folder given");
  const std::filesystem::path absolute = std::filesystem::absolute(out);
  std::error_code error;
  if (std::filesystem::exists(absolute, error)) {
    TINYGPT_CHECK(std::filesystem::is_directory(absolute), "--out '", out.string(),
                  "' exists and is not a folder; give a folder (it is created if missing)");
    TINYGPT_CHECK(writable_folder(absolute), "--out '", out.string(),
                  "' is a folder you cannot write to");
    return;
  }
  // The folder will be created: its nearest existing ancestor must be a writable folder.
  std::filesystem::path ancestor = absolute.parent_path();
  while (!std::filesystem::exists(ancestor, error) && ancestor != ancestor.parent_path()) {
    ancestor = ancestor.parent_path();
  }
  TINYGPT_CHECK(writable_folder(ancestor), "--out '", out.string(), "' cannot be created: '",
                ancestor.string(), "' is not a folder you can write to");
}

std::vector<detail::OutputFile> detail::stories_files(const World& world,
                                                      const std::vector<Fact>& facts,
                                                      std::int64_t size) {
  const std::vector<Story> stories = make_stories(world, facts, size);
  KindFiles files;
  for (std::size_t i = 0; i < stories.size(); ++i) {
    const Story& story = stories[i];
    nlohmann::ordered_json record;
    record["id"] = "story:" + std::to_string(i);
    record["offset"] = files.text_bytes();
    record["bytes"] = story.text.size();
    record["protagonist"] = story.protagonist;
    record["entities"] = story.entities;
    record["facts"] = nlohmann::ordered_json::array();
    for (const int f : story.facts) {
      record["facts"].push_back({{"id", facts[f].id},
                                 {"entity", facts[f].entity},
                                 {"attribute", facts[f].attribute},
                                 {"value", facts[f].value}});
    }
    files.add(record, story.text + "\n\n");
  }
  return files.files("stories");
}

void detail::add_change(nlohmann::ordered_json& record, const World& world, const Fact& fact) {
  if (world.version != 2) return;
  for (const ChangedFact& changed : world.changed_facts) {
    if (changed.id != fact.id) continue;
    record["change"] = "changed";
    record["old_value"] = changed.old_value;
    return;
  }
  record["change"] = contains(world.new_entities, fact.entity) ? "new" : "unchanged";
}

std::vector<detail::OutputFile> detail::facts_files(const World& world,
                                                    const std::vector<Fact>& facts) {
  KindFiles files;
  for (const Fact& fact : facts) {
    nlohmann::ordered_json record;
    record["id"] = fact.id;
    record["entity"] = fact.entity;
    record["entity_name"] = fact.entity_name;
    record["attribute"] = fact.attribute;
    record["value"] = fact.value;
    record["sentence"] = fact.sentence;
    record["split"] = fact.held_out ? "held_out" : "seen";
    add_change(record, world, fact);
    // Held-out facts are in the ground truth only, never in the text.
    files.add(record, fact.held_out ? "" : fact.sentence + "\n");
  }
  return files.files("facts");
}

GenerateReport generate(const GenerateOptions& options, const std::filesystem::path& out) {
  check_generate_arguments(options, out);
  const World world = make_world(options.seed, options.world_version, options.change);
  const std::vector<Fact> facts = make_facts(world);
  const std::int64_t size = options.size;
  GenerateReport report;
  // Every file is built before the first is written, so an error in generation leaves
  // the folder untouched too.
  const auto entities = static_cast<std::int64_t>(world.regions.size() + world.rivers.size() +
                                                  world.towns.size() + world.people.size() +
                                                  world.companies.size() + world.products.size());
  std::vector<detail::OutputFile> files = {{"catalogue.json", entities, catalogue_json(world)}};
  for (const std::string& kind : options.kinds) {
    std::vector<detail::OutputFile> more;
    if (kind == "stories") more = detail::stories_files(world, facts, size);
    if (kind == "facts") more = detail::facts_files(world, facts);
    if (kind == "reviews")
      more = detail::reviews_files(world, facts, size, report.keyword_accuracy);
    if (kind == "entities") more = detail::entities_files(world, facts, size);
    if (kind == "qa") more = detail::qa_files(world, facts, size);
    if (kind == "dialogues") more = detail::dialogues_files(world, facts, size);
    if (kind == "instructions") more = detail::instructions_files(world, facts, size);
    if (kind == "preferences") more = detail::preferences_files(world, facts, size);
    if (kind == "translation") more = detail::translation_files(world, facts, size);
    if (kind == "fairness") more = detail::fairness_files(world, facts, size);
    for (detail::OutputFile& file : more) files.push_back(std::move(file));
  }

  std::filesystem::create_directories(out);
  for (const detail::OutputFile& file : files) {
    write_file_atomically(out / file.name, file.content);
    report.files.push_back(
        {file.name, file.records, static_cast<std::int64_t>(file.content.size())});
  }
  return report;
}

}  // namespace tinygpt::data
