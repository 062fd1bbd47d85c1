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

/// @brief The whole catalogue. Every name is one word and unique across the world, so a
/// name in a sentence identifies its entity.
struct World {
  std::uint64_t seed = 0;          ///< the seed it was made from
  std::vector<Region> regions;     ///< kRegionCount regions
  std::vector<River> rivers;       ///< kRiverCount rivers, each with at least one town
  std::vector<Town> towns;         ///< kTownCount towns, each with at least one resident
  std::vector<Person> people;      ///< kPersonCount people, groups in turn (0, 1, 2, 0, ...)
  std::vector<Company> companies;  ///< kCompanyCount companies, each making a product
  std::vector<Product> products;   ///< kProductCount products
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

/// @brief The catalogue as JSON (catalogue.json): keys in a fixed order, references as
/// ids ("river:3"), two-space indentation, a final newline.
/// @param world the catalogue.
/// @return the JSON text.
std::string catalogue_json(const World& world);

/// @brief The world a generated folder describes: made again from the seed in its
/// catalogue.json, and checked to be the same catalogue (the judge and the evaluations
/// need the world, not only the files).
/// @param folder a folder made by `tinygpt data generate`; Error naming the file when its
///        catalogue.json is missing, has no seed, or differs from its seed's world.
/// @return the world.
World load_world(const std::filesystem::path& folder);

/// @brief "a" or "an" followed by the word, by its first letter (a vowel gives "an").
/// @param word a lowercase English word, not empty.
/// @return e.g. "an owl", "a cat".
std::string with_article(std::string_view word);

}  // namespace tinygpt::data
