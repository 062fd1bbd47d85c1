// The word-substitution attack (eval/attack.h) and adversarial training
// (eval/attack_training.h): every adversarial example fools the classifier by itself, within
// its budget, by synonym or typo substitutions only; the attack is deterministic; its
// candidates never carry an antonym or a negation; adversarial training leaves the model and
// the world alone and trains on the examples with their original labels.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "robustness_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/eval/attack.h"
#include "tinygpt/eval/attack_training.h"
#include "tinygpt/eval/perturb.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;

namespace {

std::string lowercase_letters(const std::string& word) {
  std::string out;
  for (const char c : word) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

bool same_synonym_group(const std::string& a, const std::string& b) {
  for (const std::vector<std::string_view>& group : synonym_groups()) {
    const auto has = [&group](const std::string& w) {
      return std::find(group.begin(), group.end(), w) != group.end();
    };
    if (has(a) && has(b)) return true;
  }
  return false;
}

// Whether b is a with one ASCII letter inserted, deleted or replaced, or two adjacent letters
// swapped (every CharEdit).
bool one_typo_apart(const std::string& a, const std::string& b) {
  if (a.size() == b.size()) {
    std::vector<std::size_t> diff;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) diff.push_back(i);
    }
    if (diff.size() == 1) return true;
    return diff.size() == 2 && diff[1] == diff[0] + 1 && a[diff[0]] == b[diff[1]] &&
           a[diff[1]] == b[diff[0]];
  }
  const std::string& longer = a.size() > b.size() ? a : b;
  const std::string& shorter = a.size() > b.size() ? b : a;
  if (longer.size() != shorter.size() + 1) return false;
  for (std::size_t i = 0; i < longer.size(); ++i) {
    if (longer.substr(0, i) + longer.substr(i + 1) == shorter) return true;
  }
  return false;
}

AttackReport attack_first(testing::TrainedClassifier& trained, std::size_t count,
                          const AttackOptions& options) {
  tune::TextClassifier classifier(trained.model);
  const std::vector<tune::LabelledText> reviews(
      trained.test.begin(), trained.test.begin() + std::min(count, trained.test.size()));
  return attack_reviews(classifier, reviews, options);
}

}  // namespace

TEST_CASE(
    "attack: every adversarial example fools the classifier by itself, within its budget, "
    "by synonyms and typos only",
    "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  const AttackOptions options{.budget = 0.3, .resamples = 100};
  const AttackReport report = attack_first(trained, 40, options);
  tune::TextClassifier classifier(trained.model);
  REQUIRE(report.successes > 0);
  const std::vector<double> clean = report.clean_scores();
  CHECK(report.attempted == static_cast<std::int64_t>(std::count(clean.begin(), clean.end(), 1.0)));
  std::int64_t changed = 0;
  for (const AttackedText* example : report.examples()) {
    INFO(example->original << "\n -> " << example->attacked);
    // Re-classified alone, it is wrong.
    CHECK(classifier.predict(std::span(&example->attacked, 1))[0] != example->label);
    CHECK(example->prediction != example->label);
    CHECK(example->budget ==
          std::max<std::int64_t>(
              1, static_cast<std::int64_t>(0.3 * static_cast<double>(example->words))));
    CHECK(static_cast<std::int64_t>(example->substitutions.size()) <= example->budget);
    // The words line up; each difference is a recorded substitution, a synonym of the same
    // group or one typo, never of a structural word, never an antonym.
    const std::vector<std::string> before = attack_words(example->original);
    const std::vector<std::string> after = attack_words(example->attacked);
    REQUIRE(before.size() == after.size());
    std::set<std::int64_t> substituted;
    for (const WordSubstitution& change : example->substitutions) substituted.insert(change.word);
    for (std::size_t w = 0; w < before.size(); ++w) {
      if (before[w] == after[w]) continue;
      ++changed;
      CHECK(substituted.count(static_cast<std::int64_t>(w)) == 1);
      const std::string from = lowercase_letters(before[w]);
      const std::string to = lowercase_letters(after[w]);
      CHECK(std::set<std::string>{"not", "never", "hardly", "neither", "nor", "but"}.count(from) ==
            0);
      CHECK(sentiment_antonym(from) != to);
      CHECK((same_synonym_group(from, to) || one_typo_apart(before[w], after[w])));
    }
  }
  CHECK(report.mean_words_changed ==
        Approx(static_cast<double>(changed) / static_cast<double>(report.successes)));
  CHECK(report.success_rate ==
        Approx(static_cast<double>(report.successes) / static_cast<double>(report.attempted)));
  // Accuracy under attack: the reviews classified right that the attack did not turn.
  CHECK(report.attacked_accuracy.value ==
        Approx(static_cast<double>(report.attempted - report.successes) /
               static_cast<double>(report.texts.size())));
}

TEST_CASE("attack: the same options give the same attack", "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  const AttackOptions options{.budget = 0.2, .seed = 3, .resamples = 50};
  const AttackReport a = attack_first(trained, 25, options);
  const AttackReport b = attack_first(trained, 25, options);
  REQUIRE(a.texts.size() == b.texts.size());
  for (std::size_t i = 0; i < a.texts.size(); ++i) {
    CHECK(a.texts[i].attacked == b.texts[i].attacked);
    CHECK(a.texts[i].queries == b.texts[i].queries);
    CHECK(a.texts[i].success == b.texts[i].success);
  }
  // Everything but the wall time.
  nlohmann::ordered_json json_a = a.to_json(100), json_b = b.to_json(100);
  json_a.erase("seconds");
  json_b.erase("seconds");
  CHECK(json_a == json_b);
  CHECK(a.successes == b.successes);
  CHECK(a.mean_queries == b.mean_queries);
}

TEST_CASE("attack: candidates are synonyms and typos, never antonyms or negations",
          "[step06][eval]") {
  const AttackOptions options{.typos_per_edit = 2};
  std::vector<float> draws(16);
  for (std::size_t i = 0; i < draws.size(); ++i) draws[i] = static_cast<float>(i) / 16.0f;
  const std::vector<std::string> good = substitution_candidates("Good.", options, draws);
  REQUIRE(good.size() >= 3);
  CHECK(good[0] == "Great.");
  CHECK(good[1] == "Fine.");
  CHECK(good[2] == "Nice.");
  for (const std::string& candidate : good) {
    CHECK(candidate != "Good.");
    CHECK(candidate != "Bad.");
    CHECK(candidate.back() == '.');
  }
  CHECK(substitution_candidates("not", options, draws).empty());
  CHECK(substitution_candidates("But", options, draws).empty());
  // No synonym and no letters to move: nothing.
  CHECK(substitution_candidates("42", options, draws).empty());
  // Typos only for a word outside the table: each one typo away.
  for (const std::string& candidate : substitution_candidates("kettle", options, draws)) {
    CHECK(one_typo_apart("kettle", candidate));
  }
  const AttackOptions synonyms_only{.typos_per_edit = 0};
  CHECK(substitution_candidates("bad", synonyms_only, {}) ==
        std::vector<std::string>{"poor", "weak"});
  CHECK_THROWS_WITH(substitution_candidates("bad", options, {}), contains("expected 16 draws"));
  CHECK(attack_words("  It is\tgood. ") == std::vector<std::string>{"It", "is", "good."});
}

TEST_CASE("attack: bad input is refused with a clear error", "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  tune::TextClassifier classifier(trained.model);
  CHECK_THROWS_WITH(attack_reviews(classifier, trained.test, {.budget = 0.0}),
                    contains("budget (the share of a review's words that may change) must be in "
                             "(0, 1], got 0"));
  CHECK_THROWS_WITH(attack_reviews(classifier, trained.test, {.budget = 1.5}), contains("got 1.5"));
  CHECK_THROWS_WITH(attack_reviews(classifier, {}, {}), contains("no reviews to attack"));
  CHECK_THROWS_WITH(
      attack_reviews(classifier, trained.test, {.typos_per_edit = 0, .synonyms = false}),
      contains("no candidates"));
  // A model folder without a classification head.
  CHECK_THROWS_WITH(tune::TextClassifier(trained.setup.dir.path() / "model"),
                    contains("not a classifier"));
  AdversarialTrainingConfig config{.model = trained.setup.dir.path() / "model",
                                   .data = trained.world(),
                                   .out = trained.setup.dir.path() / "adversarial-bad",
                                   .steps = 2};
  CHECK_THROWS_WITH(check_adversarial_training(config), contains("not a classifier"));
  config.model = trained.model;
  config.steps = 0;
  CHECK_THROWS_WITH(check_adversarial_training(config), contains("--steps must be positive"));
  config.steps = 2;
  config.out = trained.world() / "adversarial";
  CHECK_THROWS_WITH(check_adversarial_training(config), contains("never writes into"));
  config.out = trained.setup.dir.path();  // not empty
  CHECK_THROWS_WITH(check_adversarial_training(config), contains("is not empty"));
}

TEST_CASE(
    "adversarial training leaves the model and the world alone and trains on the examples "
    "with their original labels",
    "[step06][eval][slow]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  const auto model_before = testing::folder_contents(trained.model);
  const auto world_before = testing::folder_contents(trained.world());
  const AdversarialTrainingConfig config{.model = trained.model,
                                         .data = trained.world(),
                                         .out = trained.setup.dir.path() / "adversarial",
                                         .steps = 4,
                                         .train_reviews = 60,
                                         .test_reviews = 20,
                                         .attack = {.budget = 0.3, .resamples = 100},
                                         .batch = 8};
  std::ostringstream log;
  const AdversarialTrainingReport report = run_adversarial_training(config, log);
  CHECK(testing::folder_contents(trained.model) == model_before);
  CHECK(testing::folder_contents(trained.world()) == world_before);

  REQUIRE(report.train_added > 0);
  REQUIRE(report.models.size() == 3);
  CHECK(report.models[0].name == "original");
  CHECK(report.comparisons.size() == 3);
  // The augmented world's training split: the original training reviews, then the examples
  // with their original's label; dev and test unchanged.
  const std::vector<tune::LabelledText> train =
      tune::load_reviews(report.world, tune::Split::kTrain);
  REQUIRE(train.size() == trained.train.size() + static_cast<std::size_t>(report.train_added));
  CHECK(tune::load_reviews(report.world, tune::Split::kTest).size() == trained.test.size());
  std::ifstream examples(config.out / "adversarial_examples.jsonl");
  std::string line;
  std::size_t k = trained.train.size();
  while (std::getline(examples, line)) {
    const nlohmann::json record = nlohmann::json::parse(line);
    const std::string original = record["adversarial_of"];
    const auto source =
        std::find_if(trained.train.begin(), trained.train.end(),
                     [&original](const tune::LabelledText& r) { return r.id == original; });
    REQUIRE(source != trained.train.end());
    CHECK(train[k].id == record["id"]);
    CHECK(train[k].text == record["text"]);
    CHECK(train[k].text != source->text);
    CHECK(train[k].label == source->label);
    ++k;
  }
  CHECK(k == train.size());
  for (const char* file :
       {"report.json", "REPORT.md", "control/model/config.json", "adversarial/model/config.json"}) {
    CHECK(std::filesystem::is_regular_file(config.out / file));
  }
  // Each model was attacked afresh: the fine-tuned ones have their own attack reports.
  CHECK(report.models[1].model == config.out / "control" / "model");
  CHECK(report.models[2].model == config.out / "adversarial" / "model");
  CHECK_THAT(report.markdown(), contains("| adversarial - control |"));
}
