// The fictional world: names from syllables, attributes from integer draws only, so the
// catalogue is the same on every platform.
#include "tinygpt/data/world.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <utility>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/generator.h"
#include "world_detail.h"

namespace tinygpt::data {

namespace {

// The syllables a name is built from: one start, one middle (possibly empty), one end.
struct Syllables {
  std::span<const std::string_view> starts;
  std::span<const std::string_view> middles;
  std::span<const std::string_view> ends;
};

// Made up for this project. Each set has its own sound, so that the categories (and the
// three naming groups of people) are told apart by ear, as real naming traditions are.
constexpr std::string_view kTownStarts[] = {"Bre", "Ash", "Tal", "Mor", "Kel", "Wen",
                                            "Dra", "Fen", "Ost", "Lin", "Car", "Hol"};
constexpr std::string_view kTownMiddles[] = {"", "en", "il"};
constexpr std::string_view kTownEnds[] = {"van", "ford",  "mere", "wick", "holm",
                                          "by",  "stead", "ton",  "dale", "gate"};
constexpr std::string_view kRiverStarts[] = {"Os", "Ve", "Ty", "Al", "Ru", "Ser", "Lo", "Ib"};
constexpr std::string_view kRiverMiddles[] = {"", "an"};
constexpr std::string_view kRiverEnds[] = {"sel", "na", "rin", "wen", "dra", "ma", "let"};
constexpr std::string_view kRegionStarts[] = {"Nor", "Sud", "Ves", "Est", "Hal", "Wyn"};
constexpr std::string_view kRegionMiddles[] = {""};
constexpr std::string_view kRegionEnds[] = {"mark", "land", "reach", "moor", "fell"};
constexpr std::string_view kCompanyStarts[] = {"Brask", "Tem", "Olv",  "Quill",
                                               "Harn",  "Dex", "Pell", "Rook"};
constexpr std::string_view kCompanyMiddles[] = {"", "a"};
constexpr std::string_view kCompanyEnds[] = {"lin", "wright", "son", "co", "ery", "ax"};
constexpr std::string_view kProductStarts[] = {"Zor", "Vel", "Nim", "Ka", "Lu",
                                               "Pip", "Sol", "Tri", "Mo", "Fa"};
constexpr std::string_view kProductMiddles[] = {"", "bi", "ro"};
constexpr std::string_view kProductEnds[] = {"vi", "ta", "ix", "o", "ra", "ello", "ex"};

// Naming group "amber": short, consonant-heavy compounds (Torwold, Branemund).
constexpr std::string_view kAmberStarts[] = {"Tor", "Bran", "Gar", "Dun", "Hal",
                                             "Ulf", "Ber",  "Sig", "Wal", "Ed"};
constexpr std::string_view kAmberMiddles[] = {"", "e", "o"};
constexpr std::string_view kAmberEnds[] = {"wold", "ric", "mund", "helm", "gar", "win", "bald"};
// Naming group "cedar": open vowels and liquid consonants (Salaa, Nysiel).
constexpr std::string_view kCedarStarts[] = {"A", "E", "Li", "Sa", "Ny", "Mi", "Ela", "Oro"};
constexpr std::string_view kCedarMiddles[] = {"la", "ri", "ne", "si", "lu", "va"};
constexpr std::string_view kCedarEnds[] = {"a", "el", "is", "enne", "ia"};
// Naming group "slate": clipped, with rare letters (Quaelsk, Drounx).
constexpr std::string_view kSlateStarts[] = {"Zu", "Ob", "Qua", "Ix", "Vek", "Dro", "Yal", "Gri"};
constexpr std::string_view kSlateMiddles[] = {"ar", "un", "el", "om", "ir"};
constexpr std::string_view kSlateEnds[] = {"t", "x", "z", "rn", "sk"};

constexpr Syllables kTownSyllables = {kTownStarts, kTownMiddles, kTownEnds};
constexpr Syllables kRiverSyllables = {kRiverStarts, kRiverMiddles, kRiverEnds};
constexpr Syllables kRegionSyllables = {kRegionStarts, kRegionMiddles, kRegionEnds};
constexpr Syllables kCompanySyllables = {kCompanyStarts, kCompanyMiddles, kCompanyEnds};
constexpr Syllables kProductSyllables = {kProductStarts, kProductMiddles, kProductEnds};
constexpr Syllables kGroupSyllables[] = {{kAmberStarts, kAmberMiddles, kAmberEnds},
                                         {kCedarStarts, kCedarMiddles, kCedarEnds},
                                         {kSlateStarts, kSlateMiddles, kSlateEnds}};
static_assert(std::size(kGroupSyllables) == kNamingGroups.size());

constexpr std::string_view kPronouns[] = {"she", "he", "they"};

// Each entity's draws come from its own counter, so adding a category at the end never
// changes the entities before it. Index = category * kCategoryStride + position.
constexpr std::uint64_t kCategoryStride = 1 << 16;
enum Category : std::uint64_t {
  kCategoryRegion = 0,
  kCategoryRiver = 1,
  kCategoryTown = 2,
  kCategoryPerson = 3,
  kCategoryCompany = 4,
  kCategoryProduct = 5,
};

CounterRng entity_rng(std::uint64_t seed, Category category, int position) {
  return CounterRng(seed, RngStream::kWorld, detail::kWorldStep,
                    category * kCategoryStride + static_cast<std::uint64_t>(position));
}

std::uint32_t below(CounterRng& rng, std::size_t bound) {
  return rng.below(static_cast<std::uint32_t>(bound));
}

// A name no other entity has: syllables are drawn again on a clash. The syllable sets
// allow several times more names than a category needs, so a few tries suffice.
std::string unique_name(CounterRng& rng, const Syllables& syllables, std::set<std::string>& used) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string name(syllables.starts[below(rng, syllables.starts.size())]);
    name += syllables.middles[below(rng, syllables.middles.size())];
    name += syllables.ends[below(rng, syllables.ends.size())];
    if (used.insert(name).second) return name;
  }
  throw Error("make_world: ran out of distinct names; the syllable sets are too small");
}

std::string entity_id(std::string_view category, int position) {
  return std::string(category) + ":" + std::to_string(position);
}

// The built-in bias: half of each group's people take one of the group's five "favoured"
// occupations, the others any occupation.
int draw_occupation(CounterRng& rng, int group) {
  if (rng.below(2) == 0) return 5 * group + static_cast<int>(rng.below(5));
  return static_cast<int>(below(rng, kOccupations.size()));
}

// A uniform draw in [0, count) other than `old` (count at least 2).
int other_than(CounterRng& rng, std::size_t count, int old) {
  const int drawn = static_cast<int>(below(rng, count - 1));
  return drawn >= old ? drawn + 1 : drawn;
}

// Appends version 2's new entities (change_world, step 1). A new town waits for the next
// new person to live there, a new company for the next new product to make.
void add_new_entities(World& world, int count) {
  const std::vector<std::string> names = entity_names(world);
  std::set<std::string> used(names.begin(), names.end());
  std::vector<int> towns_without_people;
  std::vector<int> companies_without_products;
  const auto rng_of = [&world](Category category, std::size_t position) {
    return CounterRng(world.seed, RngStream::kWorld, detail::kNewEntityStep,
                      category * kCategoryStride + position);
  };
  // Takes the oldest waiting entity, or draws one of all `count`.
  const auto waiting_or_drawn = [](std::vector<int>& waiting, CounterRng& rng,
                                   std::size_t choices) {
    if (waiting.empty()) return static_cast<int>(below(rng, choices));
    const int first = waiting.front();
    waiting.erase(waiting.begin());
    return first;
  };
  for (int j = 0; j < count; ++j) {
    const std::string_view category = kNewEntityCycle[j % kNewEntityCycle.size()];
    if (category == "town") {
      const int i = static_cast<int>(world.towns.size());
      CounterRng rng = rng_of(kCategoryTown, world.towns.size());
      Town town{entity_id("town", i), unique_name(rng, kTownSyllables, used)};
      town.river = static_cast<int>(below(rng, world.rivers.size()));
      town.region = static_cast<int>(below(rng, world.regions.size()));
      world.towns.push_back(town);
      towns_without_people.push_back(i);
      world.new_entities.push_back(town.id);
    } else if (category == "person") {
      const int i = static_cast<int>(world.people.size());
      CounterRng rng = rng_of(kCategoryPerson, world.people.size());
      Person person{entity_id("person", i)};
      person.group = i % static_cast<int>(kNamingGroups.size());
      person.name = unique_name(rng, kGroupSyllables[person.group], used);
      person.pronoun = kPronouns[below(rng, std::size(kPronouns))];
      person.town = waiting_or_drawn(towns_without_people, rng, world.towns.size());
      person.occupation = draw_occupation(rng, person.group);
      person.pet = static_cast<int>(below(rng, kAnimals.size()));
      world.people.push_back(person);
      world.new_entities.push_back(person.id);
    } else if (category == "company") {
      const int i = static_cast<int>(world.companies.size());
      CounterRng rng = rng_of(kCategoryCompany, world.companies.size());
      Company company{entity_id("company", i), unique_name(rng, kCompanySyllables, used)};
      company.town = static_cast<int>(below(rng, world.towns.size()));
      world.companies.push_back(company);
      companies_without_products.push_back(i);
      world.new_entities.push_back(company.id);
    } else {
      const int i = static_cast<int>(world.products.size());
      CounterRng rng = rng_of(kCategoryProduct, world.products.size());
      Product product{entity_id("product", i), unique_name(rng, kProductSyllables, used)};
      product.kind = static_cast<int>(below(rng, kProductKinds.size()));
      product.maker = waiting_or_drawn(companies_without_products, rng, world.companies.size());
      product.price = 5 + static_cast<int>(rng.below(296));
      world.products.push_back(product);
      world.new_entities.push_back(product.id);
    }
  }
}

// The position of an entity from its id: "person:7" gives 7.
int position_of(std::string_view id) {
  return std::stoi(std::string(id.substr(id.find(':') + 1)));
}

// Whether version 2 may change a fact (see kChangeableFacts).
bool changeable(const Fact& fact) {
  const std::string_view category = std::string_view(fact.entity).substr(0, fact.entity.find(':'));
  const int position = position_of(fact.entity);
  if (category == "person") return fact.attribute != "town" || position >= kTownCount;
  if (category == "company") return true;
  if (category == "product") {
    return fact.attribute == "price" || (fact.attribute == "maker" && position >= kCompanyCount);
  }
  return false;
}

// Gives a fact of `world` a new value drawn from `rng` (change_world, step 2).
void change_value(World& world, const Fact& fact, CounterRng& rng) {
  const int i = position_of(fact.entity);
  if (fact.entity.starts_with("person:")) {
    Person& person = world.people[i];
    if (fact.attribute == "town") {
      person.town = other_than(rng, world.towns.size(), person.town);
    } else if (fact.attribute == "occupation") {
      const int old = person.occupation;
      for (int attempt = 0; person.occupation == old; ++attempt) {
        // Redrawn by make_world's rule, so the groups' bias stays; the chance of the same
        // value is at most 0.55 a draw, so 1000 draws never all repeat it.
        TINYGPT_CHECK(attempt < 1000, "change_world: no new occupation for ", fact.entity);
        person.occupation = draw_occupation(rng, person.group);
      }
    } else {
      person.pet = other_than(rng, kAnimals.size(), person.pet);
    }
  } else if (fact.entity.starts_with("company:")) {
    Company& company = world.companies[i];
    company.town = other_than(rng, world.towns.size(), company.town);
  } else {
    Product& product = world.products[i];
    if (fact.attribute == "maker") {
      product.maker = other_than(rng, world.companies.size(), product.maker);
    } else {
      product.price = 5 + other_than(rng, 296, product.price - 5);
    }
  }
}

}  // namespace

void check_world_change(const WorldChange& change) {
  TINYGPT_CHECK(std::isfinite(change.share) && change.share >= 0 && change.share <= 1,
                "--changed must be a share of the facts between 0 and 1, got ", change.share);
  TINYGPT_CHECK(change.new_entities >= 0 && change.new_entities <= kMaxNewEntities,
                "--new-entities must be between 0 and ", kMaxNewEntities, ", got ",
                change.new_entities);
}

World change_world(const World& world, const WorldChange& change) {
  TINYGPT_CHECK(world.version == 1, "change_world: the world is version ", world.version,
                "; version 2 is made from version 1");
  check_world_change(change);
  World changed = world;
  changed.version = 2;
  changed.change = change;
  add_new_entities(changed, change.new_entities);

  // Which facts change: the changeable facts with the smallest keys.
  const std::vector<Fact> facts = make_facts(world);
  std::vector<std::pair<std::uint32_t, std::size_t>> keyed;
  for (std::size_t position = 0; position < facts.size(); ++position) {
    if (!changeable(facts[position])) continue;
    CounterRng rng(world.seed, RngStream::kWorld, detail::kChangeStep, position);
    keyed.emplace_back(rng.next_u32(), position);
  }
  TINYGPT_CHECK(keyed.size() == static_cast<std::size_t>(kChangeableFacts),
                "change_world: ", keyed.size(), " changeable facts, expected ", kChangeableFacts);
  std::sort(keyed.begin(), keyed.end());
  const auto count = static_cast<std::size_t>(std::llround(change.share * kChangeableFacts));
  std::vector<std::size_t> chosen;
  for (std::size_t k = 0; k < count; ++k) chosen.push_back(keyed[k].second);
  std::sort(chosen.begin(), chosen.end());
  for (const std::size_t position : chosen) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kChangeValueStep, position);
    change_value(changed, facts[position], rng);
  }

  // The new values as text shows them, read from version 2's facts.
  std::map<std::string, std::string> value_of;
  for (const Fact& fact : make_facts(changed)) value_of[fact.id] = fact.value;
  for (const std::size_t position : chosen) {
    const Fact& fact = facts[position];
    changed.changed_facts.push_back(
        {fact.id, fact.entity, fact.attribute, fact.value, value_of.at(fact.id)});
    TINYGPT_CHECK(fact.value != value_of.at(fact.id), "change_world: ", fact.id, " kept its value");
  }
  return changed;
}

World make_world(std::uint64_t seed, int version, const WorldChange& change) {
  TINYGPT_CHECK(version == 1 || version == 2, "--world-version must be 1 or 2, got ", version);
  World world = make_world(seed);
  return version == 1 ? world : change_world(world, change);
}

std::string with_article(std::string_view word) {
  TINYGPT_CHECK(!word.empty(), "with_article: the word is empty");
  const bool vowel = std::string_view("aeiou").find(word.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(word);
}

std::vector<std::string> entity_names(const World& world) {
  std::vector<std::string> names;
  for (const Region& region : world.regions) names.push_back(region.name);
  for (const River& river : world.rivers) names.push_back(river.name);
  for (const Town& town : world.towns) names.push_back(town.name);
  for (const Person& person : world.people) names.push_back(person.name);
  for (const Company& company : world.companies) names.push_back(company.name);
  for (const Product& product : world.products) names.push_back(product.name);
  return names;
}

World make_world(std::uint64_t seed) {
  World world;
  world.seed = seed;
  std::set<std::string> used;
  for (int i = 0; i < kRegionCount; ++i) {
    CounterRng rng = entity_rng(seed, kCategoryRegion, i);
    world.regions.push_back({entity_id("region", i), unique_name(rng, kRegionSyllables, used)});
  }
  for (int i = 0; i < kRiverCount; ++i) {
    CounterRng rng = entity_rng(seed, kCategoryRiver, i);
    world.rivers.push_back({entity_id("river", i), unique_name(rng, kRiverSyllables, used)});
  }
  for (int i = 0; i < kTownCount; ++i) {
    CounterRng rng = entity_rng(seed, kCategoryTown, i);
    Town town{entity_id("town", i), unique_name(rng, kTownSyllables, used)};
    // The first towns take the rivers in turn, so every river has a town.
    town.river = i < kRiverCount ? i : static_cast<int>(rng.below(kRiverCount));
    town.region = static_cast<int>(rng.below(kRegionCount));
    world.towns.push_back(town);
  }
  for (int i = 0; i < kPersonCount; ++i) {
    CounterRng rng = entity_rng(seed, kCategoryPerson, i);
    Person person{entity_id("person", i)};
    person.group = i % static_cast<int>(kNamingGroups.size());
    person.name = unique_name(rng, kGroupSyllables[person.group], used);
    person.pronoun = kPronouns[below(rng, std::size(kPronouns))];
    person.town = i < kTownCount ? i : static_cast<int>(rng.below(kTownCount));
    person.occupation = draw_occupation(rng, person.group);
    person.pet = static_cast<int>(below(rng, kAnimals.size()));
    world.people.push_back(person);
  }
  for (int i = 0; i < kCompanyCount; ++i) {
    CounterRng rng = entity_rng(seed, kCategoryCompany, i);
    Company company{entity_id("company", i), unique_name(rng, kCompanySyllables, used)};
    company.town = static_cast<int>(rng.below(kTownCount));
    world.companies.push_back(company);
  }
  for (int i = 0; i < kProductCount; ++i) {
    CounterRng rng = entity_rng(seed, kCategoryProduct, i);
    Product product{entity_id("product", i), unique_name(rng, kProductSyllables, used)};
    product.kind = static_cast<int>(below(rng, kProductKinds.size()));
    product.maker = i < kCompanyCount ? i : static_cast<int>(rng.below(kCompanyCount));
    product.price = 5 + static_cast<int>(rng.below(296));
    world.products.push_back(product);
  }
  return world;
}

World load_world(const std::filesystem::path& folder) {
  const std::filesystem::path path = folder / "catalogue.json";
  TINYGPT_CHECK(std::filesystem::is_regular_file(path), folder.string(),
                ": no catalogue.json (make the folder with `tinygpt data generate`)");
  const std::string text = read_file(path);
  const nlohmann::json object = nlohmann::json::parse(text, nullptr, false);
  TINYGPT_CHECK(
      !object.is_discarded() && object.contains("seed") && object["seed"].is_number_unsigned(),
      path.string(), ": no seed (a whole number) in the catalogue");
  const auto seed = object["seed"].get<std::uint64_t>();
  World world;
  if (!object.contains("version")) {
    world = make_world(seed);
  } else {
    TINYGPT_CHECK(object["version"] == 2, path.string(), ": version ", object["version"].dump(),
                  "; a catalogue is version 1 (no \"version\") or 2");
    const nlohmann::json change = object.value("change", nlohmann::json::object());
    TINYGPT_CHECK(change.contains("share") && change["share"].is_number() &&
                      change.contains("new_entities") && change["new_entities"].is_number_integer(),
                  path.string(), ": version 2 without its change (share, new_entities)");
    world = make_world(seed, 2, {change["share"].get<double>(), change["new_entities"].get<int>()});
  }
  TINYGPT_CHECK(catalogue_json(world) == text, path.string(),
                ": not the catalogue of its seed (edited by hand, or made by another version)");
  return world;
}

std::string catalogue_json(const World& world) {
  // ordered_json keeps keys in insertion order, so the file's layout is fixed.
  using nlohmann::ordered_json;
  ordered_json json;
  json["seed"] = world.seed;
  if (world.version == 2) {
    json["version"] = world.version;
    json["change"] = {{"share", world.change.share},
                      {"new_entities", world.change.new_entities},
                      {"changeable_facts", kChangeableFacts},
                      {"changed_facts", world.changed_facts.size()}};
  }
  json["naming_groups"] = ordered_json::array();
  for (const std::string_view group : kNamingGroups) json["naming_groups"].push_back(group);
  json["occupations"] = ordered_json::array();
  for (const std::string_view occupation : kOccupations) json["occupations"].push_back(occupation);
  json["animals"] = ordered_json::array();
  for (const std::string_view animal : kAnimals) json["animals"].push_back(animal);
  json["product_kinds"] = ordered_json::array();
  for (const std::string_view kind : kProductKinds) json["product_kinds"].push_back(kind);
  json["regions"] = ordered_json::array();
  for (const Region& region : world.regions) {
    json["regions"].push_back({{"id", region.id}, {"name", region.name}});
  }
  json["rivers"] = ordered_json::array();
  for (const River& river : world.rivers) {
    json["rivers"].push_back({{"id", river.id}, {"name", river.name}});
  }
  json["towns"] = ordered_json::array();
  for (const Town& town : world.towns) {
    json["towns"].push_back({{"id", town.id},
                             {"name", town.name},
                             {"river", world.rivers[town.river].id},
                             {"region", world.regions[town.region].id}});
  }
  json["people"] = ordered_json::array();
  for (const Person& person : world.people) {
    json["people"].push_back({{"id", person.id},
                              {"name", person.name},
                              {"group", kNamingGroups[person.group]},
                              {"pronoun", person.pronoun},
                              {"town", world.towns[person.town].id},
                              {"occupation", kOccupations[person.occupation]},
                              {"pet", kAnimals[person.pet]}});
  }
  json["companies"] = ordered_json::array();
  for (const Company& company : world.companies) {
    json["companies"].push_back(
        {{"id", company.id}, {"name", company.name}, {"town", world.towns[company.town].id}});
  }
  json["products"] = ordered_json::array();
  for (const Product& product : world.products) {
    json["products"].push_back({{"id", product.id},
                                {"name", product.name},
                                {"kind", kProductKinds[product.kind]},
                                {"maker", world.companies[product.maker].id},
                                {"price", product.price}});
  }
  if (world.version == 2) {
    json["changed_facts"] = ordered_json::array();
    for (const ChangedFact& fact : world.changed_facts) {
      json["changed_facts"].push_back({{"id", fact.id},
                                       {"entity", fact.entity},
                                       {"attribute", fact.attribute},
                                       {"old", fact.old_value},
                                       {"new", fact.new_value}});
    }
    json["new_entities"] = world.new_entities;
  }
  return json.dump(2) + "\n";
}

}  // namespace tinygpt::data
