// Preference pairs for alignment (step 05): one question, a better and a worse answer, and
// what makes the better one better. The difference is built in, so it can be checked.
#include <nlohmann/json.hpp>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "world_detail.h"

namespace tinygpt::data {

namespace {

constexpr std::string_view kReasons[] = {"correct_fact", "helpful", "polite"};

// The other values the fact's attribute could take, as text shows them: every other town
// for a home, every other animal for a pet, and so on; prices near the true one.
std::vector<std::string> other_values(const World& world, const Fact& fact, CounterRng& rng) {
  std::vector<std::string> values;
  const std::string& a = fact.attribute;
  if (a == "river") {
    for (const River& river : world.rivers) values.push_back(river.name);
  } else if (a == "region") {
    for (const Region& region : world.regions) values.push_back(region.name);
  } else if (a == "town") {
    for (const Town& town : world.towns) values.push_back(town.name);
  } else if (a == "occupation") {
    values.assign(kOccupations.begin(), kOccupations.end());
  } else if (a == "pet") {
    values.assign(kAnimals.begin(), kAnimals.end());
  } else if (a == "maker") {
    for (const Company& company : world.companies) values.push_back(company.name);
  } else if (a == "kind") {
    values.assign(kProductKinds.begin(), kProductKinds.end());
  } else {
    // The price is the first word of "42 crowns"; a wrong one is 5 to 60 crowns off.
    const int price = std::stoi(fact.value);
    const int delta = 5 + static_cast<int>(rng.below(56));
    values.push_back(detail::crowns(price > delta ? price - delta : price + delta));
  }
  std::erase(values, fact.value);
  return values;
}

Preference make_preference(const World& world, const std::vector<Fact>& facts, int f,
                           std::string_view reason, CounterRng& rng) {
  const Fact& fact = facts[f];
  Preference pair{detail::question_about(fact, rng), fact.sentence, "", std::string(reason), f, ""};
  if (reason == "correct_fact") {
    const std::vector<std::string> values = other_values(world, fact, rng);
    pair.wrong_value = values[detail::below(rng, values.size())];
    pair.rejected = detail::fact_sentence(fact, pair.wrong_value);
  } else if (reason == "helpful") {
    pair.rejected = detail::pick(rng, detail::kEvasions);
  } else {
    pair.chosen = std::string(detail::pick(rng, detail::kPolitePrefixes)) + fact.sentence;
    pair.rejected = std::string(detail::pick(rng, detail::kRudePrefixes)) + fact.sentence;
  }
  return pair;
}

}  // namespace

std::vector<Preference> make_preferences(const World& world, const std::vector<Fact>& facts,
                                         std::int64_t count) {
  TINYGPT_CHECK(count > 0, "make_preferences: count must be positive, got ", count);
  const std::vector<int> seen = detail::seen_facts(facts);
  TINYGPT_CHECK(!seen.empty(), "make_preferences: no seen facts");
  std::vector<Preference> pairs;
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kPreferenceStep,
                   static_cast<std::uint64_t>(i));
    // Reasons in turn, so their shares are exactly equal.
    const std::string_view reason = kReasons[i % std::size(kReasons)];
    Preference pair =
        make_preference(world, facts, seen[detail::below(rng, seen.size())], reason, rng);
    // A false value can land next to a name whose held-out fact it is; draw again.
    for (int attempt = 0; sentence_has_held_out_pair(pair.rejected, facts); ++attempt) {
      TINYGPT_CHECK(attempt < 1000, "make_preferences: no pair passes the held-out rule");
      pair = make_preference(world, facts, seen[detail::below(rng, seen.size())], reason, rng);
    }
    pairs.push_back(pair);
  }
  return pairs;
}

std::vector<detail::OutputFile> detail::preferences_files(const World& world,
                                                          const std::vector<Fact>& facts,
                                                          std::int64_t size) {
  const std::vector<Preference> pairs =
      make_preferences(world, facts, scaled_count(size, 1024, 300));
  KindFiles files;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const Preference& pair = pairs[i];
    nlohmann::ordered_json record;
    record["id"] = "preference:" + std::to_string(i);
    record["prompt"] = pair.prompt;
    record["chosen"] = pair.chosen;
    record["rejected"] = pair.rejected;
    record["reason"] = pair.reason;
    record["fact"] = facts[pair.fact].id;
    record["wrong_value"] = pair.wrong_value;
    files.add(record, "Prompt: " + pair.prompt + "\nChosen: " + pair.chosen +
                          "\nRejected: " + pair.rejected + "\n\n");
  }
  return files.files("preferences");
}

}  // namespace tinygpt::data
