// The generated world and its texts: determinism, schemas, and ground truth that agrees
// with the text (facts in stories, the held-out rule, review labels).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "generator_test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/generator.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tinygpt;
using namespace tinygpt::data;
using namespace tinygpt::testing;

namespace {

constexpr std::int64_t kTestBytes = 20'000;

GenerateOptions small_options(std::uint64_t seed) {
  GenerateOptions options;
  options.seed = seed;
  options.size = kTestBytes;
  return options;
}

const std::vector<std::string> kAllFiles = {
    "catalogue.json",    "stories.txt",      "stories.jsonl",      "facts.txt",
    "facts.jsonl",       "reviews.txt",      "reviews.jsonl",      "entities.txt",
    "entities.jsonl",    "qa.txt",           "qa.jsonl",           "dialogues.txt",
    "dialogues.jsonl",   "instructions.txt", "instructions.jsonl", "preferences.txt",
    "preferences.jsonl", "translation.txt",  "translation.jsonl",  "translation_lexicon.json",
    "fairness.txt",      "fairness.jsonl"};

}  // namespace

TEST_CASE("the same seed gives byte-identical files, another seed different ones",
          "[step03][generator]") {
  TempPath first("first"), second("second"), other("other");
  generate(small_options(1), first.path());
  generate(small_options(1), second.path());
  generate(small_options(2), other.path());
  for (const std::string& name : kAllFiles) {
    INFO(name);
    const std::string bytes = slurp(first.path() / name);
    CHECK(!bytes.empty());
    CHECK(bytes == slurp(second.path() / name));
    CHECK(bytes != slurp(other.path() / name));
  }
  // Only the files of the kinds asked for (and no temporary file) are in the folder.
  CHECK(std::distance(fs::directory_iterator(first.path()), fs::directory_iterator()) ==
        static_cast<std::ptrdiff_t>(kAllFiles.size()));
}

TEST_CASE("a smaller size gives a prefix of the stories of a larger one", "[step03][generator]") {
  const World world = make_world(5);
  const std::vector<Fact> facts = make_facts(world);
  const std::vector<Story> small = make_stories(world, facts, 2'000);
  const std::vector<Story> large = make_stories(world, facts, 10'000);
  REQUIRE(small.size() < large.size());
  for (std::size_t i = 0; i < small.size(); ++i) CHECK(small[i].text == large[i].text);
}

TEST_CASE("seed 1 gives the same world on every platform (golden values)", "[step03][generator]") {
  const World world = make_world(1);
  CHECK(world.towns[0].name == "Carenton");
  CHECK(world.rivers[world.towns[0].river].name == "Rulet");
  CHECK(world.people[0].name == "Dungar");
  CHECK(world.people[0].pronoun == "they");
  CHECK(world.products[0].name == "Pipo");
  // The whole catalogue, pinned by its hash: any platform difference in a draw shows here.
  CHECK(fnv1a_64(catalogue_json(world)) == 0x9f4dca1b994d3f1cull);
  const std::vector<Story> stories = make_stories(world, make_facts(world), 1);
  CHECK(stories[0].text.substr(0, 80) ==
        "Dungar lived in Carenton. The town of Carenton lies in the region of Wynreach. C");
  const std::vector<Review> reviews = make_reviews(world, make_facts(world), 2);
  CHECK(reviews[1].text ==
        "I bought the Solra from Rookaax. It does what it says and nothing more.");
}

TEST_CASE("every record has its schema's fields with the right types", "[step03][generator]") {
  TempPath out("schema");
  generate(small_options(3), out.path());
  const json catalogue = json::parse(slurp(out.path() / "catalogue.json"));
  CHECK(catalogue["seed"] == 3);
  for (const char* list : {"regions", "rivers", "towns", "people", "companies", "products"}) {
    INFO(list);
    REQUIRE(catalogue[list].is_array());
    for (const json& item : catalogue[list]) {
      CHECK(item["id"].is_string());
      CHECK(item["name"].is_string());
    }
  }
  for (const json& person : catalogue["people"]) {
    for (const char* field : {"group", "pronoun", "town", "occupation", "pet"}) {
      CHECK(person[field].is_string());
    }
  }
  for (const json& product : catalogue["products"]) CHECK(product["price"].is_number_integer());

  const std::vector<json> stories = read_jsonl(out.path() / "stories.jsonl");
  const std::string text = slurp(out.path() / "stories.txt");
  REQUIRE(!stories.empty());
  for (const json& story : stories) {
    CHECK(story["id"].is_string());
    CHECK(story["offset"].is_number_unsigned());
    CHECK(story["bytes"].is_number_unsigned());
    CHECK(story["protagonist"].is_string());
    CHECK(story["entities"].is_array());
    REQUIRE(story["facts"].is_array());
    for (const json& fact : story["facts"]) {
      for (const char* field : {"id", "entity", "attribute", "value"}) {
        CHECK(fact[field].is_string());
      }
    }
  }
  const json& last = stories.back();
  CHECK(last["offset"].get<std::size_t>() + last["bytes"].get<std::size_t>() + 2 == text.size());

  const std::vector<json> facts = read_jsonl(out.path() / "facts.jsonl");
  REQUIRE(!facts.empty());
  for (const json& fact : facts) {
    for (const char* field : {"id", "entity", "entity_name", "attribute", "value", "sentence"}) {
      CHECK(fact[field].is_string());
    }
    CHECK((fact["split"] == "seen" || fact["split"] == "held_out"));
  }

  const std::vector<json> reviews = read_jsonl(out.path() / "reviews.jsonl");
  CHECK(reviews.size() == 300);
  for (const json& review : reviews) {
    for (const char* field : {"id", "product", "text", "label", "construction"}) {
      CHECK(review[field].is_string());
    }
    CHECK((review["label"] == "positive" || review["label"] == "negative" ||
           review["label"] == "neutral"));
  }
}

TEST_CASE("every fact a story states agrees with the catalogue and is in its text",
          "[step03][generator]") {
  TempPath out("stories");
  GenerateOptions options = small_options(4);
  options.kinds = {"stories"};
  generate(options, out.path());
  const Catalogue catalogue(json::parse(slurp(out.path() / "catalogue.json")));
  const std::string text = slurp(out.path() / "stories.txt");
  int checked = 0;
  for (const json& story : read_jsonl(out.path() / "stories.jsonl")) {
    const std::string body =
        text.substr(story["offset"].get<std::size_t>(), story["bytes"].get<std::size_t>());
    CHECK(body.find('\n') == std::string::npos);
    CHECK(has_word_run(words_of(body), {catalogue.name(story["protagonist"])}));
    for (const json& fact : story["facts"]) {
      const std::string entity = fact["entity"];
      const std::string value = fact["value"];
      INFO(body << "\nfact " << fact.dump());
      CHECK(value == catalogue.value(entity, fact["attribute"]));
      // Some sentence of the story names the entity and its value (a price with "crowns").
      const std::vector<std::string> value_words = words_of(value);
      bool stated = false;
      for (const std::string& sentence : sentences_of(body)) {
        const std::vector<std::string> words = words_of(sentence);
        stated =
            stated ||
            (has_word_run(words, {catalogue.name(entity)}) && has_word_run(words, value_words)) ||
            (fact["attribute"] == "price" && has_word_run(words, value_words));
      }
      CHECK(stated);
      ++checked;
    }
  }
  CHECK(checked > 100);
}

TEST_CASE("a held-out fact's entity and value never share a sentence of generated text",
          "[step03][generator]") {
  TempPath out("held-out");
  // Large enough that some sentences would break the rule by accident (a friend with the
  // protagonist's held-out occupation, say), so the guard is exercised.
  GenerateOptions options = small_options(6);
  options.size = 200'000;
  generate(options, out.path());
  std::vector<json> held_out;
  std::string pretraining = slurp(out.path() / "stories.txt") + slurp(out.path() / "facts.txt");
  for (const json& fact : read_jsonl(out.path() / "facts.jsonl")) {
    if (fact["split"] == "held_out") {
      held_out.push_back(fact);
    } else {
      // Every seen fact is in the pre-training text, in its encyclopedia form.
      CHECK(pretraining.find(fact["sentence"].get<std::string>()) != std::string::npos);
    }
  }
  CHECK(held_out.size() > 50);
  // Every text file of every kind, not only the pre-training text: a model fine-tuned on
  // any of them must not learn a held-out fact either.
  std::string all_text;
  for (const fs::directory_entry& file : fs::directory_iterator(out.path())) {
    if (file.path().extension() == ".txt") all_text += slurp(file.path()) + "\n";
  }
  std::vector<std::vector<std::string>> sentences;
  for (const std::string& sentence : sentences_of(all_text))
    sentences.push_back(words_of(sentence));
  CHECK(sentences.size() > 5000);
  for (const json& fact : held_out) {
    const std::vector<std::string> name = {fact["entity_name"].get<std::string>()};
    const std::vector<std::string> value = words_of(fact["value"]);
    for (const std::vector<std::string>& words : sentences) {
      if (has_word_run(words, name) && has_word_run(words, value)) {
        FAIL("held-out fact " << fact.dump() << " in a sentence");
      }
    }
  }
  std::set<std::string> held_out_ids;
  for (const json& fact : held_out) held_out_ids.insert(fact["id"].get<std::string>());
  for (const json& story : read_jsonl(out.path() / "stories.jsonl")) {
    for (const json& fact : story["facts"]) {
      CHECK(held_out_ids.count(fact["id"].get<std::string>()) == 0);
    }
  }
}

TEST_CASE("review labels agree with their construction", "[step03][generator]") {
  // The rules restated from the data set's documentation, independently of the library.
  const std::vector<std::string> positive = {"good",   "great",  "excellent",
                                             "lovely", "superb", "wonderful"};
  const std::vector<std::string> negative = {"bad",      "poor",     "awful",
                                             "terrible", "dreadful", "shoddy"};
  const auto polarity_of = [&](const std::string& word) {
    for (const std::string& p : positive) {
      if (word == p) return 1;
    }
    for (const std::string& n : negative) {
      if (word == n) return -1;
    }
    return 0;
  };
  const World world = make_world(7);
  const std::vector<Review> reviews = make_reviews(world, make_facts(world), 600);
  std::map<std::string, int> constructions;
  for (const Review& review : reviews) {
    INFO(review.text << " [" << review.construction << "]");
    ++constructions[review.construction];
    const std::vector<std::string> words = words_of(review.text);
    int last = 0;  // polarity of the last sentiment word
    int after_but = 0;
    bool seen_but = false;
    bool negated = false;
    for (const std::string& word : words) {
      seen_but = seen_but || word == "but";
      negated = negated || word == "not" || word == "never" || word == "hardly";
      if (polarity_of(word) != 0) last = polarity_of(word);
      if (seen_but && polarity_of(word) != 0) after_but = polarity_of(word);
    }
    int expected = 0;
    if (review.construction == "plain" || review.construction == "intensified") {
      expected = last;
    } else if (review.construction == "negated") {
      CHECK(negated);
      expected = -last;
    } else if (review.construction == "contrast") {
      CHECK(seen_but);
      expected = after_but;
    } else {
      CHECK(review.construction == "neutral");
    }
    const Sentiment label = expected > 0   ? Sentiment::kPositive
                            : expected < 0 ? Sentiment::kNegative
                                           : Sentiment::kNeutral;
    CHECK(review.label == label);
  }
  CHECK(constructions.size() == 5);
}

TEST_CASE("the keyword baseline is well above chance and well below the labels",
          "[step03][generator]") {
  const World world = make_world(1);
  const std::vector<Review> reviews = make_reviews(world, make_facts(world), 2000);
  const double accuracy = keyword_baseline_accuracy(reviews);
  INFO("keyword baseline accuracy " << accuracy);
  CHECK(accuracy > 0.45);  // chance is 1/3
  CHECK(accuracy < 0.75);
  CHECK(keyword_sentiment("It is not good.") == Sentiment::kPositive);  // fooled by negation
  CHECK(keyword_sentiment("It is good, but it is bad and awful.") == Sentiment::kNegative);
  CHECK(keyword_sentiment("It arrived.") == Sentiment::kNeutral);
}

TEST_CASE("bad arguments give clear errors and write nothing", "[step03][generator]") {
  TempPath out("bad");
  GenerateOptions options = small_options(1);
  options.size = 0;
  REQUIRE_THROWS_WITH(generate(options, out.path()), contains("--size must be between 1"));
  options.size = -5;
  REQUIRE_THROWS_WITH(generate(options, out.path()), contains("got -5"));
  options.size = kTestBytes;
  options.kinds = {"stories", "poems"};
  REQUIRE_THROWS_WITH(generate(options, out.path()), contains("unknown kind 'poems'"));
  options.kinds = {"qa", "entity"};
  REQUIRE_THROWS_WITH(generate(options, out.path()),
                      contains("unknown kind 'entity'; valid kinds: stories, facts, reviews, "
                               "entities, qa, dialogues, instructions, preferences, translation, "
                               "fairness"));
  options.kinds = {};
  REQUIRE_THROWS_WITH(generate(options, out.path()), contains("no kind given"));
  CHECK(!fs::exists(out.path()));

  // An output path that is a file, or lies under one.
  fs::create_directories(out.path());
  std::ofstream(out.path() / "file") << "x";
  options.kinds = {"stories"};
  REQUIRE_THROWS_WITH(generate(options, out.path() / "file"), contains("is not a folder"));
  REQUIRE_THROWS_WITH(generate(options, out.path() / "file" / "deeper"),
                      contains("cannot be created"));
  CHECK(std::distance(fs::directory_iterator(out.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("kinds are parsed from a comma-separated list", "[step03][generator]") {
  CHECK(parse_kinds("reviews,stories,reviews") == std::vector<std::string>{"reviews", "stories"});
  REQUIRE_THROWS_WITH(parse_kinds("stories,,facts"), contains("empty kind"));
  CHECK(parse_kinds("fairness,qa") == std::vector<std::string>{"fairness", "qa"});
  REQUIRE_THROWS_WITH(parse_kinds("Stories"), contains("unknown kind 'Stories'; valid kinds:"));
  // Every kind of the design is generated; none is left as "not implemented".
  for (const std::string_view kind : kKinds) {
    CHECK(parse_kinds(kind) == std::vector<std::string>{std::string(kind)});
  }
}
