/// @file world.h
/// @brief A small fictional world made from a seed: towns on rivers, people with jobs and
/// pets, companies and their products. Every later data set (stories, facts, reviews, ...)
/// is text about this one catalogue, so its ground truth is known.
///
/// Only integer draws (CounterRng::below) are used, never floats, so the same seed gives
/// the same world, byte for byte, on every platform. The catalogue does not depend on the
/// amount of text generated about it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::data {

/// @brief A region of the world (a name only).
struct Region {
  std::string id;    ///< "region:N"
  std::string name;  ///< made-up, capitalised, one word
};

/// @brief A river.
struct River {
  std::string id;    ///< "river:N"
  std::string name;  ///< made-up, capitalised, one word
};

/// @brief A town: it lies on one river and in one region.
struct Town {
  std::string id;    ///< "town:N"
  std::string name;  ///< made-up, capitalised, one word
  int river = 0;     ///< index into World::rivers
  int region = 0;    ///< index into World::regions
};

/// @brief A person: lives in a town, has an occupation and a pet.
struct Person {
  std::string id;       ///< "person:N"
  std::string name;     ///< first name, one word, from the syllables of its naming group
  int group = 0;        ///< index into kNamingGroups
  std::string pronoun;  ///< "she", "he" or "they"
  int town = 0;         ///< index into World::towns
  int occupation = 0;   ///< index into kOccupations
  int pet = 0;          ///< index into kAnimals
};

/// @brief A company: it makes products and is based in a town.
struct Company {
  std::string id;    ///< "company:N"
  std::string name;  ///< made-up, capitalised, one word
  int town = 0;      ///< index into World::towns
};

/// @brief A product: made by a company, of a kind, at a price in crowns.
struct Product {
  std::string id;    ///< "product:N"
  std::string name;  ///< made-up brand name, capitalised, one word ("the Zorvi")
  int kind = 0;      ///< index into kProductKinds
  int maker = 0;     ///< index into World::companies
  int price = 0;     ///< whole crowns (the world's currency), 5 to 300
};

/// @brief How version 2 of a world differs from version 1 (see change_world).
struct WorldChange {
  /// Share of the changeable facts (kChangeableFacts of them) that take a new value, in
  /// [0, 1]: round(share * kChangeableFacts) facts change, halves rounded away from zero.
  double share = 0.2;
  /// Entities added, 0 to kMaxNewEntities, in the order of kNewEntityCycle.
  int new_entities = 12;
};

/// @brief A fact of version 1 whose value version 2 changes.
struct ChangedFact {
  std::string id;         ///< the fact's id, as Fact::id: "person:7/town"
  std::string entity;     ///< the entity's id, "person:7"
  std::string attribute;  ///< town, occupation or pet (people), town (companies), maker, price
  std::string old_value;  ///< version 1's value as text shows it ("Carenton", "42 crowns")
  std::string new_value;  ///< version 2's value as text shows it; never the old one
};

/// @brief The whole catalogue. Every name is one word and unique across the world, so a
/// name in a sentence identifies its entity.
///
/// Version 2 (change_world) holds version 1's entities at the same positions, with the
/// same ids and names, followed by the new entities of each category; an entity is new
/// exactly when its position is at or past version 1's count (kTownCount, ...).
struct World {
  std::uint64_t seed = 0;                  ///< the seed it was made from
  int version = 1;                         ///< 1 (make_world) or 2 (change_world)
  WorldChange change;                      ///< version 2: what was asked for; unused in version 1
  std::vector<ChangedFact> changed_facts;  ///< version 2: in version 1's fact order
  std::vector<std::string> new_entities;   ///< version 2: ids of the entities added, in order
  std::vector<Region> regions;             ///< kRegionCount regions
  std::vector<River> rivers;               ///< kRiverCount rivers, each with at least one town
  std::vector<Town> towns;                 ///< kTownCount towns (and version 2's new ones)
  /// kPersonCount people (and version 2's new ones), groups in turn (0, 1, 2, 0, ...);
  /// every town has a resident (but a new town the additions end with)
  std::vector<Person> people;
  /// kCompanyCount companies (and version 2's new ones), each making a product (but a new
  /// company the additions end with)
  std::vector<Company> companies;
  std::vector<Product> products;  ///< kProductCount products (and version 2's new ones)
};

/// Sizes of the catalogue: small enough for a small GPT to learn every fact, big enough
/// that facts do not repeat within a story.
inline constexpr int kRegionCount = 4;
inline constexpr int kRiverCount = 8;     ///< rivers in a world
inline constexpr int kTownCount = 24;     ///< towns in a world
inline constexpr int kPersonCount = 108;  ///< people in a world (36 per naming group)
inline constexpr int kCompanyCount = 12;  ///< companies in a world
inline constexpr int kProductCount = 30;  ///< products in a world

/// The naming groups of people's first names. Each builds names from its own syllables,
/// so a name's group can be told from its sound; the fairness lesson swaps names between
/// groups. The labels are deliberately neutral words.
inline constexpr std::array<std::string_view, 3> kNamingGroups = {"amber", "cedar", "slate"};

/// Occupations (one lowercase word each). Naming group g is skewed towards occupations
/// 5g to 5g+4 on purpose (see make_world), a bias for the fairness lesson to find.
inline constexpr std::array<std::string_view, 16> kOccupations = {
    "baker",  "weaver",  "potter",  "farmer",   "miller",    "tailor",    "painter", "sailor",
    "doctor", "teacher", "builder", "gardener", "librarian", "carpenter", "fisher",  "clockmaker"};

/// Animals kept as pets (one lowercase word each).
inline constexpr std::array<std::string_view, 12> kAnimals = {
    "cat", "dog",    "goat", "parrot", "tortoise", "rabbit",
    "hen", "donkey", "owl",  "ferret", "pony",     "canary"};

/// Kinds of product (one lowercase word each).
inline constexpr std::array<std::string_view, 10> kProductKinds = {
    "lamp",   "kettle", "bicycle",  "radio",   "umbrella",
    "teapot", "clock",  "backpack", "blanket", "camera"};

/// @brief Makes the world of a seed. Names are drawn syllable by syllable from
/// CounterRng(seed, kWorld, step = kWorldStep, index = the entity's position in a fixed
/// order), drawing again on a clash with an earlier name.
/// @param seed any 64-bit seed.
/// @return the catalogue.
World make_world(std::uint64_t seed);

/// @brief Every name of a world: regions, rivers, towns, people, companies, products, each
/// list in catalogue order (names are unique, so a new name must be none of these).
/// @param world the catalogue.
/// @return the names.
std::vector<std::string> entity_names(const World& world);

/// Facts version 2 may change: a person's town (except person i < kTownCount, the first
/// resident of town i, so every town keeps a resident), occupation and pet; a company's
/// town; a product's maker (except product i < kCompanyCount, so every company keeps a
/// product) and price. Rivers, regions and product kinds never change.
inline constexpr int kChangeableFacts = (kPersonCount - kTownCount) + 2 * kPersonCount +
                                        kCompanyCount + (kProductCount - kCompanyCount) +
                                        kProductCount;
/// Most entities version 2 may add (--new-entities); the syllable sets have room for them.
inline constexpr int kMaxNewEntities = 240;
/// The categories of the new entities, in turn: entity j of the additions is of category
/// kNewEntityCycle[j % 12] (8 people, 2 products, 1 town and 1 company per 12).
inline constexpr std::array<std::string_view, 12> kNewEntityCycle = {
    "town",   "person", "person",  "company", "product", "person",
    "person", "person", "product", "person",  "person",  "person"};

/// @brief Checks a change: share finite and in [0, 1], new_entities in [0, kMaxNewEntities].
/// Throws Error naming the command-line option (--changed, --new-entities) otherwise.
/// @param change what version 2 should change.
void check_world_change(const WorldChange& change);

/// @brief Version 2 of a world: version 1 with new entities and a share of its facts
/// changed. Nothing of version 1 is drawn again, so version 1 stays as it was.
///
/// 1. New entities are appended, in the categories of kNewEntityCycle, each drawn from
///    CounterRng(seed, kWorld, kNewEntityStep, category * 2^16 + position) with a name no
///    entity of version 1 (or added before it) has. A new town is the home of the next new
///    person; a new company the maker of the next new product; other references are
///    drawn among all entities, new ones included. Occupations follow make_world's rule
///    (the naming group's bias stays).
/// 2. Each changeable fact gets a key from CounterRng(seed, kWorld, kChangeStep, its
///    position in make_facts(version 1)); the round(share * kChangeableFacts) facts with
///    the smallest keys change (ties by position), so a larger share changes a superset.
///    The new value is drawn from CounterRng(seed, kWorld, kChangeValueStep, position):
///    any other valid value (towns and companies of version 2, occupations by make_world's
///    rule, prices 5 to 300), the same whatever the share.
/// @param world version 1 (make_world); Error for another version.
/// @param change what to change; checked by check_world_change.
/// @return version 2, with changed_facts and new_entities filled in.
World change_world(const World& world, const WorldChange& change);

/// @brief Version 1 or 2 of a seed's world: make_world(seed), or change_world of it.
/// @param seed any 64-bit seed.
/// @param version 1 or 2; Error otherwise.
/// @param change version 2's change (unused for version 1).
/// @return the catalogue.
World make_world(std::uint64_t seed, int version, const WorldChange& change);

/// @brief The catalogue as JSON (catalogue.json): keys in a fixed order, references as
/// ids ("river:3"), two-space indentation, a final newline. Version 2 adds "version" and
/// "change" (share, changeable, changed and new entity counts) after the seed, and at the
/// end "changed_facts" (id, entity, attribute, old, new) and "new_entities" (ids); version
/// 1's text has neither, byte for byte as before versions existed.
/// @param world the catalogue.
/// @return the JSON text.
std::string catalogue_json(const World& world);

/// @brief The world a generated folder describes: made again from the seed in its
/// catalogue.json (and, for version 2, its version and change), and checked to be the same
/// catalogue (the judge and the evaluations need the world, not only the files). Version
/// 1 of a version-2 folder's world is make_world(world.seed).
/// @param folder a folder made by `tinygpt data generate`; Error naming the file when its
///        catalogue.json is missing, has no seed, or differs from its seed's world.
/// @return the world.
World load_world(const std::filesystem::path& folder);

/// @brief "a" or "an" followed by the word, by its first letter (a vowel gives "an").
/// @param word a lowercase English word, not empty.
/// @return e.g. "an owl", "a cat".
std::string with_article(std::string_view word);

}  // namespace tinygpt::data
