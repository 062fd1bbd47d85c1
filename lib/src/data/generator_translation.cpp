// A small constructed language with its own words and word order, and parallel sentences
// in English and in it, for the encoder-decoder of step 02. Its grammar differs from
// English in three visible ways (verb last, adjective after noun, particles after the
// phrase they mark) so that translation needs reordering, not just a word-for-word swap.
#include <nlohmann/json.hpp>
#include <set>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "world_detail.h"

namespace tinygpt::data {

namespace {

// English words the sentences use. Subjects are animals or occupations (they act);
// objects may also be products.
constexpr std::string_view kAdjectives[] = {"old",   "young", "small", "big",   "red",
                                            "green", "quiet", "happy", "tired", "clever"};
constexpr std::string_view kVerbs[] = {"saw",     "found", "carried", "followed",
                                       "painted", "liked", "helped",  "washed"};
constexpr std::string_view kIntransitiveVerbs[] = {"slept",   "sang",   "waited", "danced",
                                                   "laughed", "worked", "rested"};

// The sounds of the language: open syllables, a few of them closed by "n".
constexpr std::string_view kOnsets[] = {"k", "t", "m", "n",  "l", "r",
                                        "s", "v", "d", "sh", "z", "p"};
constexpr std::string_view kVowels[] = {"a", "e", "i", "o", "u", "ai"};

std::string made_up_word(CounterRng& rng) {
  std::string word;
  const std::uint32_t syllables = 2 + rng.below(2);
  for (std::uint32_t s = 0; s < syllables; ++s) {
    word += detail::pick(rng, kOnsets);
    word += detail::pick(rng, kVowels);
  }
  if (rng.below(4) == 0) word += 'n';
  return word;
}

// The conlang word of an English word of the lexicon.
const std::string& word_for(const Conlang& conlang, std::string_view english) {
  for (const ConlangWord& entry : conlang.lexicon) {
    if (entry.english == english && entry.part != "particle") return entry.word;
  }
  throw Error("make_translations: no conlang word for '" + std::string(english) + "'");
}

// A noun phrase in both languages: "the old dog" / "tova meri", or a name in both.
struct Phrase {
  std::string english;
  std::string conlang;
};

Phrase noun_phrase(CounterRng& rng, const Conlang& conlang,
                   std::span<const std::string_view> nouns) {
  const std::string_view noun = detail::pick(rng, nouns);
  if (rng.below(2) == 0) return {"the " + std::string(noun), word_for(conlang, noun)};
  const std::string_view adjective = detail::pick(rng, kAdjectives);
  return {"the " + std::string(adjective) + " " + std::string(noun),
          word_for(conlang, noun) + " " + word_for(conlang, adjective)};
}

Translation draw_translation(const World& world, const Conlang& conlang, CounterRng& rng) {
  std::vector<std::string_view> actors(kAnimals.begin(), kAnimals.end());
  actors.insert(actors.end(), kOccupations.begin(), kOccupations.end());
  std::vector<std::string_view> things = actors;
  things.insert(things.end(), kProductKinds.begin(), kProductKinds.end());
  Phrase subject;
  if (rng.below(4) == 0) {
    const Person& person = world.people[detail::below(rng, world.people.size())];
    subject = {person.name, person.name};  // names are not translated
  } else {
    subject = noun_phrase(rng, conlang, actors);
  }
  Translation pair;
  std::string english;
  std::string target;
  if (rng.below(3) != 0) {
    pair.form = "transitive";
    const std::string_view verb = detail::pick(rng, kVerbs);
    const Phrase object = noun_phrase(rng, conlang, things);
    english = subject.english + " " + std::string(verb) + " " + object.english;
    target = subject.conlang + " " + object.conlang + " " + conlang.object_marker + " " +
             word_for(conlang, verb);
  } else {
    pair.form = "intransitive";
    const std::string_view verb = detail::pick(rng, kIntransitiveVerbs);
    const std::string& town = world.towns[detail::below(rng, world.towns.size())].name;
    english = subject.english + " " + std::string(verb) + " in " + town;
    target = subject.conlang + " " + town + " " + conlang.locative + " " + word_for(conlang, verb);
  }
  pair.english = detail::capitalised(english) + ".";
  pair.conlang = detail::capitalised(target) + ".";
  return pair;
}

}  // namespace

Conlang make_conlang(std::uint64_t seed) {
  Conlang conlang;
  const auto add_part = [&conlang](std::span<const std::string_view> words, std::string_view part) {
    for (const std::string_view word : words) {
      conlang.lexicon.push_back({std::string(word), "", std::string(part)});
    }
  };
  add_part(kAnimals, "noun");
  add_part(kOccupations, "noun");
  add_part(kProductKinds, "noun");
  add_part(kAdjectives, "adjective");
  add_part(kVerbs, "verb");
  add_part(kIntransitiveVerbs, "intransitive_verb");
  conlang.lexicon.push_back({"object marker", "", "particle"});
  conlang.lexicon.push_back({"in", "", "particle"});
  // English words are reserved too, so no conlang word reads as English.
  std::set<std::string> used;
  for (const ConlangWord& entry : conlang.lexicon) used.insert(entry.english);
  for (std::size_t i = 0; i < conlang.lexicon.size(); ++i) {
    CounterRng rng(seed, RngStream::kWorld, detail::kLexiconStep, i);
    std::string word = made_up_word(rng);
    for (int attempt = 0; !used.insert(word).second; ++attempt) {
      TINYGPT_CHECK(attempt < 1000, "make_conlang: ran out of distinct words");
      word = made_up_word(rng);
    }
    conlang.lexicon[i].word = word;
  }
  conlang.object_marker = conlang.lexicon[conlang.lexicon.size() - 2].word;
  conlang.locative = conlang.lexicon.back().word;
  return conlang;
}

std::string conlang_json(const Conlang& conlang) {
  nlohmann::ordered_json json;
  json["grammar"] = {
      {"word_order", "subject object verb"},
      {"adjectives", "after their noun"},
      {"articles", "none: English 'the' is dropped"},
      {"object_marker", conlang.object_marker + ", after the object"},
      {"locative",
       conlang.locative + ", after the place: English 'in X' is 'X " + conlang.locative + "'"},
      {"names", "unchanged"},
      {"sentence", "first letter capitalised, a full stop at the end"},
  };
  json["lexicon"] = nlohmann::ordered_json::array();
  for (const ConlangWord& entry : conlang.lexicon) {
    json["lexicon"].push_back(
        {{"english", entry.english}, {"conlang", entry.word}, {"part", entry.part}});
  }
  return json.dump(2) + "\n";
}

std::vector<Translation> make_translations(const World& world, const std::vector<Fact>& facts,
                                           const Conlang& conlang, std::int64_t count) {
  TINYGPT_CHECK(count > 0, "make_translations: count must be positive, got ", count);
  std::vector<Translation> pairs;
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kTranslationStep,
                   static_cast<std::uint64_t>(i));
    // "Halowin found the donkey." would state Halowin's pet if it is held out: draw again.
    Translation pair = draw_translation(world, conlang, rng);
    for (int attempt = 0; sentence_has_held_out_pair(pair.english, facts) ||
                          sentence_has_held_out_pair(pair.conlang, facts);
         ++attempt) {
      TINYGPT_CHECK(attempt < 1000, "make_translations: no sentence passes the held-out rule");
      pair = draw_translation(world, conlang, rng);
    }
    pairs.push_back(pair);
  }
  return pairs;
}

std::vector<detail::OutputFile> detail::translation_files(const World& world,
                                                          const std::vector<Fact>& facts,
                                                          std::int64_t size) {
  const Conlang conlang = make_conlang(world.seed);
  const std::vector<Translation> pairs =
      make_translations(world, facts, conlang, scaled_count(size, 512, 300));
  KindFiles files;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    nlohmann::ordered_json record;
    record["id"] = "translation:" + std::to_string(i);
    record["english"] = pairs[i].english;
    record["conlang"] = pairs[i].conlang;
    record["form"] = pairs[i].form;
    files.add(record, pairs[i].english + "\t" + pairs[i].conlang + "\n");
  }
  std::vector<OutputFile> written = files.files("translation");
  written.push_back({"translation_lexicon.json", static_cast<std::int64_t>(conlang.lexicon.size()),
                     conlang_json(conlang)});
  return written;
}

}  // namespace tinygpt::data
