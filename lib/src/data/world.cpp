// The fictional world: names from syllables, attributes from integer draws only, so the
// catalogue is the same on every platform.
#include "tinygpt/data/world.h"

#include <nlohmann/json.hpp>
#include <set>
#include <span>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
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

}  // namespace

std::string with_article(std::string_view word) {
  TINYGPT_CHECK(!word.empty(), "with_article: the word is empty");
  const bool vowel = std::string_view("aeiou").find(word.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(word);
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
    // The built-in bias: half of each group's people take one of the group's five
    // "favoured" occupations, the others any occupation.
    if (rng.below(2) == 0) {
      person.occupation = 5 * person.group + static_cast<int>(rng.below(5));
    } else {
      person.occupation = static_cast<int>(below(rng, kOccupations.size()));
    }
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
  World world = make_world(object["seed"].get<std::uint64_t>());
  TINYGPT_CHECK(catalogue_json(world) == text, path.string(),
                ": not the catalogue of its seed (edited by hand, or made by another version)");
  return world;
}

std::string catalogue_json(const World& world) {
  // ordered_json keeps keys in insertion order, so the file's layout is fixed.
  using nlohmann::ordered_json;
  ordered_json json;
  json["seed"] = world.seed;
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
  return json.dump(2) + "\n";
}

}  // namespace tinygpt::data
