// Perturbation suites (eval/perturb.h): determinism through the counter-based generator,
// the severity knob (0 is the identity, 1 touches every eligible unit, severities nest),
// character noise that keeps white space, word counts and UTF-8, entity swaps that only
// put names where names were, synonym swaps inside the table's groups, and negation and
// antonym edits whose labels flip as documented on a generated world's reviews.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/utf8.h"
#include "tinygpt/data/audit.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/eval/perturb.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::TempDir;

namespace {

// A text with capitals, punctuation, digits, one-letter words, repeated letters, tabs,
// newlines, double spaces and non-ASCII words.
const std::string kText =
    "I bought the Lantern, a lamp from Zoë's café.  It is very good!\n"
    "The colour is poor, but overall it is great.\tI paid 42 crowns for it.\n"
    "naïve words: zz aa x-ray résumé, 東京 and a b c.";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The words (runs of non-space bytes) and the white space between them.
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    if (!is_space(c)) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

std::string spaces_of(const std::string& text) {
  std::string spaces;
  bool in_word = false;
  for (const char c : text) {
    if (is_space(c)) {
      spaces += c;
      in_word = false;
    } else if (!in_word) {
      spaces += '|';  // one mark per word
      in_word = true;
    }
  }
  return spaces;
}

// A word without the punctuation the tests' texts put after it ("," and ".").
std::string bare(std::string word) {
  while (!word.empty() && (word.back() == '.' || word.back() == ',')) word.pop_back();
  return word;
}

bool is_valid_utf8(const std::string& text) {
  return valid_utf8(text) == text;
}

std::vector<std::string> long_texts() {
  std::vector<std::string> texts;
  for (int i = 0; i < 20; ++i) texts.push_back(kText + " Review " + std::to_string(i) + ".");
  return texts;
}

}  // namespace

TEST_CASE("QWERTY neighbours are the touching keys, and touching is symmetric",
          "[step06][perturb]") {
  CHECK(qwerty_neighbours('a') == "qwsz");
  CHECK(qwerty_neighbours('G') == "tyfhvb");
  CHECK(qwerty_neighbours('q') == "wa");
  CHECK(qwerty_neighbours('m') == "jkn");
  CHECK(qwerty_neighbours('1').empty());
  for (char a = 'a'; a <= 'z'; ++a) {
    REQUIRE(!qwerty_neighbours(a).empty());
    for (const char b : qwerty_neighbours(a)) {
      INFO(a << " touches " << b);
      CHECK(qwerty_neighbours(b).find(a) != std::string_view::npos);
      CHECK(b != a);
    }
  }
}

TEST_CASE("one word's character edits take the drawn position and letter",
          "[step06][perturb][ex06.4]") {
  // w's neighbours are q, e, a, s; candidates of "word" for a swap are w|o, o|r, r|d.
  CHECK(perturb_word_characters("word", CharEdit::kSwap, 0.0F, 0.0F) == "owrd");
  CHECK(perturb_word_characters("word", CharEdit::kSwap, 0.99F, 0.0F) == "wodr");
  CHECK(perturb_word_characters("word", CharEdit::kDelete, 0.5F, 0.0F) == "wod");
  CHECK(perturb_word_characters("word", CharEdit::kKeyboard, 0.0F, 0.0F) == "qord");
  CHECK(perturb_word_characters("Word", CharEdit::kKeyboard, 0.0F, 0.99F) == "Sord");
  CHECK(perturb_word_characters("word", CharEdit::kInsert, 0.0F, 0.3F) == "weord");
  // A swap skips equal letters and anything but ASCII letters.
  CHECK(perturb_word_characters("bee's", CharEdit::kSwap, 0.0F, 0.0F) == "ebe's");
  CHECK(perturb_word_characters("éa", CharEdit::kKeyboard, 0.0F, 0.0F) == "éq");
  // Nothing to edit: unchanged.
  CHECK(perturb_word_characters("zz", CharEdit::kSwap, 0.5F, 0.5F) == "zz");
  CHECK(perturb_word_characters("42", CharEdit::kKeyboard, 0.5F, 0.5F) == "42");
  CHECK(perturb_word_characters("a", CharEdit::kDelete, 0.5F, 0.5F) == "a");
}

TEST_CASE("character noise is a pure function of the seed and the text index",
          "[step06][perturb]") {
  const CharNoiseOptions options{.severity = 0.5};
  const std::string a = char_noise(kText, options, 7, 3);
  CHECK(a == char_noise(kText, options, 7, 3));
  CHECK(a != kText);
  CHECK(a != char_noise(kText, options, 8, 3));
  CHECK(a != char_noise(kText, options, 7, 4));
  // A suite's text i is the text perturbed alone with index i, in any order.
  const std::vector<std::string> texts = long_texts();
  const std::vector<std::string> suite = char_noise_suite(texts, options, 7);
  REQUIRE(suite.size() == texts.size());
  for (std::size_t i = texts.size(); i-- > 0;)
    CHECK(suite[i] == char_noise(texts[i], options, 7, i));
}

TEST_CASE("severity 0 is the identity for every perturbation", "[step06][perturb]") {
  const std::vector<std::string> names = {"Zoë", "Lantern", "Halowin"};
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    CHECK(char_noise(kText, {.severity = 0.0}, seed, 0) == kText);
    CHECK(swap_entities(kText, names, 0.0, seed, 0) == kText);
    CHECK(swap_synonyms(kText, 0.0, seed, 0) == kText);
  }
  CHECK_THROWS(char_noise(kText, {.severity = 1.5}, 1, 0));
  CHECK_THROWS(char_noise(kText, {.severity = 0.5, .edits = {}}, 1, 0));
  CHECK_THROWS(swap_synonyms(kText, -0.1, 1, 0));
}

TEST_CASE(
    "character noise keeps white space, word counts and UTF-8, and severity sets "
    "the share of words edited",
    "[step06][perturb]") {
  const std::vector<std::string> clean = words_of(kText);
  std::size_t eligible = 0;
  for (const std::string& word : clean) eligible += is_noise_eligible(word) ? 1 : 0;
  REQUIRE(eligible > 20);
  for (const double severity : {0.0, 0.1, 0.25, 0.5, 0.75, 1.0}) {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      INFO("severity " << severity << ", seed " << seed);
      const std::string noisy = char_noise(kText, {.severity = severity}, seed, 0);
      CHECK(spaces_of(noisy) == spaces_of(kText));
      CHECK(is_valid_utf8(noisy));
      const std::vector<std::string> words = words_of(noisy);
      REQUIRE(words.size() == clean.size());
      std::size_t changed = 0;
      for (std::size_t w = 0; w < words.size(); ++w) {
        if (words[w] == clean[w]) continue;
        ++changed;
        CHECK(is_noise_eligible(clean[w]));  // "a", "zz", "42", "東京" are never touched
      }
      // Every edit changes its word, so exactly round(severity n) words differ.
      CHECK(changed == static_cast<std::size_t>(std::llround(severity * double(eligible))));
    }
  }
}

TEST_CASE(
    "severities nest: a word edited at a low severity is edited the same way at a "
    "higher one",
    "[step06][perturb]") {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const std::vector<std::string> clean = words_of(kText);
    std::vector<std::string> previous = clean;
    for (const double severity : {0.2, 0.4, 0.6, 0.8, 1.0}) {
      const std::vector<std::string> words =
          words_of(char_noise(kText, {.severity = severity}, seed, 0));
      for (std::size_t w = 0; w < words.size(); ++w) {
        if (previous[w] != clean[w]) CHECK(words[w] == previous[w]);
      }
      previous = words;
    }
  }
}

TEST_CASE("each kind of character edit alone keeps the words apart", "[step06][perturb]") {
  for (const CharEdit edit :
       {CharEdit::kSwap, CharEdit::kInsert, CharEdit::kDelete, CharEdit::kKeyboard}) {
    const std::string noisy = char_noise(kText, {.severity = 1.0, .edits = {edit}}, 3, 0);
    const std::vector<std::string> clean = words_of(kText), words = words_of(noisy);
    REQUIRE(words.size() == clean.size());
    CHECK(spaces_of(noisy) == spaces_of(kText));
    CHECK(is_valid_utf8(noisy));
    for (std::size_t w = 0; w < words.size(); ++w) {
      const long grown = long(words[w].size()) - long(clean[w].size());
      if (!is_noise_eligible(clean[w])) {
        CHECK(words[w] == clean[w]);
      } else if (edit == CharEdit::kInsert) {
        CHECK(grown == 1);
      } else if (edit == CharEdit::kDelete) {
        CHECK(grown == -1);
      } else {
        CHECK(grown == 0);
        CHECK(words[w] != clean[w]);
      }
    }
  }
}

TEST_CASE("entity swaps put the world's names only where its names were, consistently",
          "[step06][perturb]") {
  TempDir dir("perturb-entities");
  data::generate({.seed = 1, .size = 20000, .kinds = {"reviews"}}, dir.path());
  const std::vector<std::string> names =
      lexicon_names(data::load_world_lexicon(dir.path() / "catalogue.json"));
  REQUIRE(names.size() >= 6);
  const std::set<std::string> known(names.begin(), names.end());
  REQUIRE(known.size() == names.size());
  const std::string text = names[0] + " met " + names[1] + " and " + names[2] + ". " + names[0] +
                           " smiled at " + names[1] + "s and at " + names[3] + ", said " +
                           names[0] + ".";
  const std::vector<std::string> clean = words_of(text);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const std::string swapped = swap_entities(text, names, 1.0, seed, 5);
    CHECK(swapped == swap_entities(text, names, 1.0, seed, 5));
    // Compare name by name: the text keeps its frame, and each original name has exactly
    // one replacement, a different name.
    std::string frame = swapped;
    std::map<std::string, std::string> replaced;
    const std::vector<std::string> words = words_of(swapped);
    REQUIRE(words.size() == clean.size());
    for (std::size_t w = 0; w < words.size(); ++w) {
      std::string a = bare(clean[w]), b = bare(words[w]);
      if (!known.contains(a)) {
        CHECK(a == b);  // not a name ("met", and "<name>s", which is not a whole name)
        continue;
      }
      CHECK(known.contains(b));
      CHECK(b != a);
      const auto [it, fresh] = replaced.emplace(a, b);
      CHECK(it->second == b);
    }
    CHECK(replaced.size() == 4);
  }
  // At severity 0.5 two of the four distinct names are swapped, at every occurrence.
  const std::vector<std::string> half = words_of(swap_entities(text, names, 0.5, 2, 0));
  std::set<std::string> kept;
  for (std::size_t w = 0; w < half.size(); ++w) {
    if (half[w] == clean[w] && known.contains(clean[w])) kept.insert(clean[w]);
  }
  CHECK(kept.size() == 2);
  CHECK_THROWS(swap_entities(text, std::vector<std::string>{names[0]}, 1.0, 1, 0));
}

TEST_CASE("synonym swaps stay inside the table's groups", "[step06][perturb]") {
  std::map<std::string, std::size_t> group_of;
  const auto groups = synonym_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    REQUIRE(groups[g].size() >= 2);
    for (const std::string_view word : groups[g]) {
      INFO(word);
      CHECK(group_of.emplace(std::string(word), g).second);  // each word in one group only
    }
  }
  const std::string text = "Good design. It is very lovely, but the box is poor and awful.";
  const std::vector<std::string> clean = words_of(text);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const std::string swapped = swap_synonyms(text, 1.0, seed, 0);
    const std::vector<std::string> words = words_of(swapped);
    REQUIRE(words.size() == clean.size());
    int changed = 0;
    for (std::size_t w = 0; w < words.size(); ++w) {
      if (words[w] == clean[w]) continue;
      ++changed;
      std::string a = bare(clean[w]), b = bare(words[w]);
      if (a == "Good") {
        REQUIRE(!b.empty());
        CHECK(b[0] >= 'A');
        CHECK(b[0] <= 'Z');
        b[0] = static_cast<char>(b[0] - 'A' + 'a');
        a = "good";
      }
      REQUIRE(group_of.contains(a));
      REQUIRE(group_of.contains(b));
      CHECK(group_of[a] == group_of[b]);
    }
    CHECK(changed == 6);  // Good, very, lovely, box, poor, awful
  }
}

TEST_CASE("negation and antonym edits flip generated reviews' labels as documented",
          "[step06][perturb]") {
  TempDir dir("perturb-reviews");
  data::generate({.seed = 1, .size = 20000, .kinds = {"reviews"}}, dir.path());
  std::ifstream in(dir.path() / "reviews.jsonl");
  REQUIRE(in.good());
  const auto parse_label = [](const std::string& name) {
    if (name == "positive") return data::Sentiment::kPositive;
    if (name == "negative") return data::Sentiment::kNegative;
    REQUIRE(name == "neutral");
    return data::Sentiment::kNeutral;
  };
  std::map<std::string, int> negated_by_construction, seen_by_construction;
  int reviews = 0;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json record = nlohmann::json::parse(line);
    const std::string text = record.at("text"), construction = record.at("construction");
    const data::Sentiment label = parse_label(record.at("label"));
    INFO(construction << ": " << text);
    ++reviews;
    ++seen_by_construction[construction];

    // "not" after the verdict's copula: exactly the plain and contrast verdicts ("is
    // <sentiment word>"), and the label flips.
    const std::optional<LabelledText> negated = negate_review(text, label);
    CHECK(negated.has_value() == (construction == "plain" || construction == "contrast"));
    if (negated) {
      ++negated_by_construction[construction];
      CHECK(negated->label == flipped_sentiment(label));
      CHECK(negated->label != data::Sentiment::kNeutral);
      CHECK(negated->text.size() == text.size() + 4);
      CHECK(negated->text.find(" is not ") != std::string::npos);
    }

    // Antonyms: every review with a sentiment word; positive <-> negative, neutral stays.
    // The keyword baseline's score changes sign, a check independent of the labels.
    const std::optional<LabelledText> antonym = antonym_review(text, label);
    if (!antonym) {
      CHECK(construction == "neutral");
      CHECK(data::keyword_sentiment(text) == data::Sentiment::kNeutral);
      continue;
    }
    CHECK(antonym->label == flipped_sentiment(label));
    CHECK(data::keyword_sentiment(antonym->text) ==
          flipped_sentiment(data::keyword_sentiment(text)));
    CHECK(words_of(antonym->text).size() == words_of(text).size());
    // Twice is the original back.
    const std::optional<LabelledText> back = antonym_review(antonym->text, antonym->label);
    REQUIRE(back.has_value());
    CHECK(back->text == text);
    CHECK(back->label == label);
  }
  REQUIRE(reviews >= 300);
  for (const char* construction : {"plain", "intensified", "negated", "contrast", "neutral"}) {
    CHECK(seen_by_construction[construction] > 10);
  }
  CHECK(negated_by_construction["plain"] == seen_by_construction["plain"]);
  CHECK(negated_by_construction["contrast"] == seen_by_construction["contrast"]);
}

TEST_CASE("negation and antonym edits on hand-made reviews", "[step06][perturb]") {
  using data::Sentiment;
  const auto negated =
      negate_review("The box is good, but overall it is shoddy.", Sentiment::kNegative);
  REQUIRE(negated.has_value());
  CHECK(negated->text == "The box is good, but overall it is not shoddy.");
  CHECK(negated->label == Sentiment::kPositive);
  CHECK_FALSE(negate_review("It is not bad at all.", Sentiment::kPositive).has_value());
  CHECK_FALSE(negate_review("It is very good.", Sentiment::kPositive).has_value());
  CHECK_FALSE(negate_review("It is neither good nor bad.", Sentiment::kNeutral).has_value());

  const auto neutral = antonym_review("It is neither good nor bad.", Sentiment::kNeutral);
  REQUIRE(neutral.has_value());
  CHECK(neutral->text == "It is neither bad nor good.");
  CHECK(neutral->label == Sentiment::kNeutral);
  const auto capital = antonym_review("Great design. It is hardly superb.", Sentiment::kNegative);
  REQUIRE(capital.has_value());
  CHECK(capital->text == "Poor design. It is hardly terrible.");
  CHECK(capital->label == Sentiment::kPositive);
  CHECK_FALSE(antonym_review("It arrived on time.", Sentiment::kNeutral).has_value());
  CHECK(sentiment_antonym("Lovely") == "shoddy");
  CHECK(sentiment_antonym("fine").empty());
}
