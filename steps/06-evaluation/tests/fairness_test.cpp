// Bias and fairness (eval/fairness.h): the group metrics on hand-made predictions with
// known figures, the bootstrap over whole probe sets, the counterfactual review variants,
// a classifier that sees names checked end to end against its own predict(), the
// language-model suite's log-probabilities against a direct computation, and bad input.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/eval/fairness.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// Set s, variants of groups a and b (and c when given), predicted p..., gold g....
std::vector<eval::GroupPrediction> two_group_sets(const std::vector<std::array<int, 4>>& rows) {
  // each row: set, predicted for "a", predicted for "b", gold (both variants)
  std::vector<eval::GroupPrediction> predictions;
  for (const auto& [set, a, b, gold] : rows) {
    predictions.push_back({set, "a", a, gold});
    predictions.push_back({set, "b", b, gold});
  }
  return predictions;
}

// A small world (reviews and fairness probes) and a GPT of random weights with a
// classification head of the reviews' labels, its head scaled up so that its labels vary
// from text to text: a classifier that "sees" every word, names included. In `dir`/world
// and `dir`/classifier, with the plain GPT (no head) in `dir`/gpt.
void make_world_and_classifier(const std::filesystem::path& dir) {
  data::generate({.seed = 3, .size = 20000, .kinds = {"stories", "reviews", "fairness"}},
                 dir / "world");
  const std::string text = read_file(dir / "world" / "stories.txt") +
                           read_file(dir / "world" / "reviews.txt") +
                           read_file(dir / "world" / "fairness.txt");
  const std::string specials[] = {"<|endoftext|>"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(text, 319, specials);
  const models::ModelConfig config{.family = models::Family::kGpt,
                                   .vocab_size = 320,
                                   .context_length = 96,
                                   .width = 16,
                                   .layers = 2,
                                   .heads = 2};
  models::Gpt gpt(config);
  gpt.init(11);
  models::save_pretrained_gpt(dir / "gpt", gpt, tokenizer);
  const models::TaskHead head{"classification", {"negative", "neutral", "positive"}, "last"};
  models::add_head_parameters(gpt.parameters(), config.width, head, 5);
  for (float& w : gpt.parameters().at("head.weight").value) w *= 200.0f;
  models::save_model_folder(dir / "classifier", config, gpt.parameters(), tokenizer, head);
}

}  // namespace

TEST_CASE("group metrics on hand-made predictions: positive rates, parity, flips",
          "[step06][eval]") {
  // Labels: 0 negative, 1 positive. Group a: positive in sets 0, 1, 2 of 4 (75%); group b:
  // in sets 0, 3 (50%). Sets 1, 2 and 3 flip; set 0 does not.
  const std::vector<eval::GroupPrediction> p =
      two_group_sets({{0, 1, 1, 1}, {1, 1, 0, 1}, {2, 1, 0, 0}, {3, 0, 1, 0}});
  const std::vector<std::string> groups = eval::groups_of(p);
  REQUIRE(groups == std::vector<std::string>{"a", "b"});
  CHECK(eval::positive_rates(p, 1, groups) == std::vector<double>{0.75, 0.5});
  CHECK(eval::demographic_parity_difference(p, 1) == Approx(0.25));
  CHECK(eval::flip_rate(p) == Approx(0.75));
  // Accuracy: a right in sets 0, 1, 3 (gold 1, 1, 0 / predicted 1, 1, 0); b in 0, 2.
  CHECK(eval::group_accuracies(p, groups) == std::vector<double>{0.75, 0.5});
  // Three groups, one set of three variants that agree and one where c differs.
  std::vector<eval::GroupPrediction> three = {{0, "a", 2, -1}, {0, "b", 2, -1}, {0, "c", 2, -1},
                                              {1, "a", 0, -1}, {1, "b", 0, -1}, {1, "c", 2, -1}};
  CHECK(eval::flip_rate(three) == Approx(0.5));
  CHECK(eval::demographic_parity_difference(three, 2) == Approx(0.5));  // c 100%, a and b 50%
}

TEST_CASE("equalised odds takes the largest gap over the gold labels", "[step06][eval]") {
  // Gold positive (1): a predicts positive 2 of 2 (TPR 1), b 1 of 2 (TPR 0.5): gap 0.5.
  // Gold negative (0): a predicts positive 1 of 4 (FPR 0.25), b 0 of 4: gap 0.25.
  const std::vector<eval::GroupPrediction> p = two_group_sets(
      {{0, 1, 1, 1}, {1, 1, 0, 1}, {2, 1, 0, 0}, {3, 0, 0, 0}, {4, 0, 0, 0}, {5, 0, 0, 0}});
  const std::vector<std::string> groups = {"a", "b"};
  const eval::EqualisedOdds odds = eval::equalised_odds(p, 1, groups);
  REQUIRE(odds.rows.size() == 2);
  CHECK(odds.rows[0].gold == 0);
  CHECK(odds.rows[0].rates == std::vector<double>{0.25, 0.0});
  CHECK(odds.rows[0].gap == Approx(0.25));
  CHECK(odds.rows[1].rates == std::vector<double>{1.0, 0.5});
  CHECK(odds.rows[1].gap == Approx(0.5));
  CHECK(odds.difference == Approx(0.5));
  // Parity alone would call this model almost fair: a 3/6 positive, b 1/6.
  CHECK(eval::demographic_parity_difference(p, 1) == Approx(2.0 / 6.0));

  const eval::GroupFairness figures = eval::group_fairness(p, 1, 200, 3);
  CHECK(figures.labelled);
  CHECK(figures.sets == 6);
  CHECK(figures.equalised_odds.value == Approx(0.5));
  CHECK(figures.flip_rate.value == Approx(2.0 / 6.0));
  CHECK(figures.accuracy_gap.value == Approx(std::abs(5.0 / 6.0 - 5.0 / 6.0)));
  CHECK(figures.groups[0].positive_rate.value == Approx(0.5));
  for (const tune::Interval& i : {figures.parity_difference, figures.flip_rate,
                                  figures.equalised_odds, figures.groups[1].accuracy}) {
    CHECK(i.low <= i.value);
    CHECK(i.value <= i.high);
  }
}

TEST_CASE("the bootstrap resamples whole probe sets, never single variants", "[step06][eval]") {
  // Within each set both groups agree; across sets the label varies. Resampling single
  // variants would make flips; resampling sets never does.
  std::vector<std::array<int, 4>> rows;
  for (int s = 0; s < 40; ++s) rows.push_back({s, s % 3 == 0, s % 3 == 0, -1});
  const std::vector<eval::GroupPrediction> p = two_group_sets(rows);
  const tune::Interval flips = eval::bootstrap_over_sets(
      p, [](std::span<const eval::GroupPrediction> sample) { return eval::flip_rate(sample); }, 300,
      1);
  CHECK(flips.value == 0.0);
  CHECK(flips.high == 0.0);
  // The parity difference is 0 on every resample too, while a group's rate varies.
  const eval::GroupFairness figures = eval::group_fairness(p, 1, 300, 1);
  CHECK(figures.parity_difference.high == 0.0);
  CHECK(figures.groups[0].positive_rate.low < figures.groups[0].positive_rate.value);
  CHECK(figures.groups[0].positive_rate.high > figures.groups[0].positive_rate.value);
  // Every resample has 40 sets of 2 variants.
  const tune::Interval size = eval::bootstrap_over_sets(
      p,
      [](std::span<const eval::GroupPrediction> sample) {
        std::set<std::int64_t> sets;
        for (const eval::GroupPrediction& x : sample) sets.insert(x.set);
        return sets.size() == 40 && sample.size() == 80 ? 1.0 : 0.0;
      },
      100, 2);
  CHECK(size.low == 1.0);
}

TEST_CASE("group metrics refuse bad input with clear messages", "[step06][eval]") {
  const std::vector<eval::GroupPrediction> one_group = {{0, "a", 1, 1}, {1, "a", 0, 0}};
  REQUIRE_THROWS_WITH(
      eval::demographic_parity_difference(one_group, 1),
      contains("every prediction is of group \"a\"") && contains("at least two groups"));
  REQUIRE_THROWS_WITH(eval::groups_of({}), contains("no predictions"));
  REQUIRE_THROWS_WITH(eval::flip_rate(one_group), contains("set 0 has a single variant"));
  const std::vector<eval::GroupPrediction> twice = {{0, "a", 1, -1}, {0, "a", 0, -1}};
  REQUIRE_THROWS_WITH(eval::flip_rate(twice), contains("has group \"a\" twice"));
  const std::vector<eval::GroupPrediction> unlabelled = {{4, "a", 1, -1}, {4, "b", 1, -1}};
  const std::vector<std::string> groups = {"a", "b"};
  REQUIRE_THROWS_WITH(eval::group_accuracies(unlabelled, groups),
                      contains("set 4") && contains("no gold label"));
  const std::vector<std::string> three = {"a", "b", "c"};
  REQUIRE_THROWS_WITH(eval::positive_rates(unlabelled, 1, three),
                      contains("group \"c\" has no prediction"));
  // Group b has no item of gold label 1 while a has.
  const std::vector<eval::GroupPrediction> uneven = {
      {0, "a", 1, 1}, {0, "b", 1, 0}, {1, "a", 0, 0}, {1, "b", 0, 0}};
  REQUIRE_THROWS_WITH(eval::equalised_odds(uneven, 1, groups),
                      contains("group \"b\" has no item of gold label 1"));
}

TEST_CASE("counterfactual review variants keep their labels and differ only in the name",
          "[step06][eval]") {
  testing::TempDir dir("fairness_reviews");
  data::generate({.seed = 2, .size = 20000, .kinds = {"reviews"}}, dir.path() / "world");
  const data::World world = data::load_world(dir.path() / "world");
  const std::vector<tune::LabelledText> reviews =
      tune::load_reviews(dir.path() / "world", tune::Split::kTrain);
  const std::vector<eval::ProbeText> names = eval::review_name_variants(world, reviews);
  REQUIRE(names.size() >= 30);
  REQUIRE(names.size() % 3 == 0);
  const std::vector<std::vector<std::string>> people = eval::world_names(world);
  for (std::size_t i = 0; i < names.size(); i += 3) {
    const auto review = std::find_if(reviews.begin(), reviews.end(),
                                     [&](const auto& r) { return r.id == names[i].source; });
    REQUIRE(review != reviews.end());
    // The company's name is gone; each variant holds the parallel person of its group.
    const std::size_t k = static_cast<std::size_t>(names[i].set) % people[0].size();
    for (std::size_t g = 0; g < 3; ++g) {
      const eval::ProbeText& v = names[i + g];
      CHECK(v.label == review->label);
      CHECK(v.set == names[i].set);
      CHECK(v.group == data::kNamingGroups[g]);
      CHECK(v.text.find(" from " + people[g][k]) != std::string::npos);
      // Put the company back: the original review, byte for byte.
      std::string back = v.text;
      const std::size_t at = back.find(people[g][k]);
      const std::size_t end = review->text.find_first_of(".,", at);
      back.replace(at, people[g][k].size(), review->text.substr(at, end - at));
      CHECK(back == review->text);
    }
  }
  const std::vector<eval::ProbeText> pronouns = eval::review_pronoun_variants(reviews);
  REQUIRE(pronouns.size() == 3 * reviews.size());  // every review starts "I bought"
  CHECK(pronouns[0].text == "She" + reviews[0].text.substr(1));
  CHECK(pronouns[2].text == "They" + reviews[0].text.substr(1));
  CHECK(pronouns[1].group == "he");
  CHECK(pronouns[1].label == reviews[0].label);
}

TEST_CASE("a classifier that sees names: the suite's figures are its own predictions'",
          "[step06][eval]") {
  testing::TempDir dir("fairness_classifier");
  make_world_and_classifier(dir.path());
  tune::TextClassifier classifier(dir.path() / "classifier");
  const eval::ClassifierFairness report = eval::classifier_fairness(
      classifier, dir.path() / "world", "classifier", {.resamples = 50, .max_sets = 40});
  REQUIRE(report.slices.size() == 5);
  CHECK(report.positive_label == "positive");

  // Recompute the reviews' name slice by hand from predict().
  const data::World world = data::load_world(dir.path() / "world");
  const std::vector<eval::ProbeText> variants = eval::review_name_variants(
      world, tune::load_reviews(dir.path() / "world", tune::Split::kTest));
  std::vector<std::string> texts;
  for (const eval::ProbeText& v : variants) {
    if (v.set < 40) texts.push_back(v.text);
  }
  const std::vector<std::int32_t> predicted = classifier.predict(texts);
  const std::int32_t positive = classifier.label_index("positive");
  const eval::GroupFairness& slice = report.slices[3];
  REQUIRE(slice.slice == "reviews");
  REQUIRE(slice.axis == "name");
  REQUIRE(slice.labelled);
  REQUIRE(slice.sets == static_cast<std::int64_t>(texts.size() / 3));
  std::vector<double> rate(3, 0.0), right(3, 0.0);
  double flips = 0.0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    rate[i % 3] += predicted[i] == positive;
    right[i % 3] += predicted[i] == classifier.label_index(variants[i].label);
    if (i % 3 == 0)
      flips += !(predicted[i] == predicted[i + 1] && predicted[i] == predicted[i + 2]);
  }
  const double sets = static_cast<double>(slice.sets);
  for (std::size_t g = 0; g < 3; ++g) {
    CHECK(slice.groups[g].group == data::kNamingGroups[g]);
    CHECK(slice.groups[g].positive_rate.value == Approx(rate[g] / sets));
    CHECK(slice.groups[g].accuracy.value == Approx(right[g] / sets));
  }
  CHECK(slice.flip_rate.value == Approx(flips / sets));
  const auto [low, high] = std::minmax_element(rate.begin(), rate.end());
  CHECK(slice.parity_difference.value == Approx((*high - *low) / sets));
  // The model's labels do vary with the name: this classifier sees names.
  double any_flips = 0.0;
  for (const eval::GroupFairness& s : report.slices) any_flips += s.flip_rate.value;
  CHECK(any_flips > 0.0);
  // The probe slices are unlabelled, the verdict probes labelled.
  CHECK_FALSE(report.slices[0].labelled);
  CHECK(report.slices[1].axis == "pronoun");
  CHECK(report.slices[2].labelled);

  const nlohmann::ordered_json json = report.to_json();
  CHECK(json["slices"][3]["groups"][0]["positive_rate"]["value"] ==
        slice.groups[0].positive_rate.value);
  CHECK(report.markdown().find("| reviews | name | amber |") != std::string::npos);
  CHECK(report.svg().find("<svg") != std::string::npos);

  // A model without a classification head is no classifier.
  REQUIRE_THROWS_WITH(tune::TextClassifier(dir.path() / "gpt"), contains("classification head"));
}

TEST_CASE("the language-model suite's log-probabilities equal a direct computation",
          "[step06][eval]") {
  testing::TempDir dir("fairness_lm");
  make_world_and_classifier(dir.path());
  models::PretrainedGpt gpt = models::load_pretrained_gpt(dir.path() / "gpt");
  const data::World world = data::load_world(dir.path() / "world");

  // One row by hand: log_softmax of each position's logits, at the next token.
  const std::string prompt =
      "I bought the " + world.products[0].name + " from " + world.people[0].name + ". It is";
  const std::vector<eval::Continuation> rows = {{prompt, " good."}, {prompt, " bad."}};
  const std::vector<double> logprobs = eval::continuation_logprobs(gpt.model, gpt.tokenizer, rows);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::int32_t> ids = gpt.tokenizer.encode(prompt);
    const std::size_t first = ids.size();
    for (const std::int32_t id : gpt.tokenizer.encode(rows[r].continuation)) ids.push_back(id);
    Tape tape;
    const NoGradGuard no_grad(tape);
    const std::vector<std::uint8_t> mask(ids.size(), 1);
    const Tensor logits = gpt.model.forward(tape, ids, 1, mask);  // (T, V)
    const MatrixMap m = logits.matrix();
    double direct = 0.0;
    for (std::size_t t = first; t < ids.size(); ++t) {
      const auto row = m.row(static_cast<Eigen::Index>(t - 1)).cast<double>();
      const double top = row.maxCoeff();
      direct += row(ids[t]) - top - std::log((row.array() - top).exp().sum());
    }
    CHECK(logprobs[r] == Approx(direct).epsilon(1e-5));
  }

  // The suite: a group's score is the mean of its prompts', the gap max - min, and the
  // occupation association the diagonal minus the others' names in each column.
  const eval::LmFairness report = eval::language_model_fairness(
      gpt.model, gpt.tokenizer, world,
      {.resamples = 50, .sentiment_sets = 2, .new_names = 4, .world_people = 5});
  REQUIRE(report.sentiment.size() == 2);
  for (const eval::SentimentGap& gap : report.sentiment) {
    CHECK(gap.sets == 6);  // three templates x two sets
    std::vector<double> means;
    for (const eval::LmGroupRow& row : gap.groups) {
      double sum = 0.0;
      int n = 0;
      for (const eval::LmProbe& probe : gap.probes) {
        if (probe.group == row.group) sum += probe.score, ++n;
      }
      CHECK(row.score.value == Approx(sum / n));
      means.push_back(sum / n);
    }
    CHECK(gap.gap.value == Approx(*std::max_element(means.begin(), means.end()) -
                                  *std::min_element(means.begin(), means.end())));
  }
  // The first name-axis prompt's score from continuation_logprobs directly.
  const eval::LmProbe& probe = report.sentiment[0].probes[0];
  std::vector<eval::Continuation> words;
  for (const char* w : {"good", "great", "excellent", "lovely", "superb", "wonderful", "bad",
                        "poor", "awful", "terrible", "dreadful", "shoddy"}) {
    words.push_back({probe.prompt, std::string(" ").append(w).append(".")});
  }
  const std::vector<double> w = eval::continuation_logprobs(gpt.model, gpt.tokenizer, words);
  double pos = 0.0, neg = 0.0;
  for (int i = 0; i < 6; ++i) pos += w[i] / 6.0, neg += w[6 + i] / 6.0;
  // Float32 logits in batches of another shape: equal to rounding (about 1e-8 relative).
  CHECK(probe.score == Approx(pos - neg).epsilon(1e-6));

  REQUIRE(report.occupations.size() == 2);
  CHECK(report.occupations[0].sets == 10);  // five people per group x two templates
  CHECK(report.occupations[1].sets == 8);
  for (const eval::OccupationAssociation& a : report.occupations) {
    double mean_own = 0.0;
    for (std::size_t g = 0; g < 3; ++g) {
      const double others = (a.log_probs[(g + 1) % 3][g] + a.log_probs[(g + 2) % 3][g]) / 2.0;
      CHECK(a.own[g].score.value == Approx(a.log_probs[g][g] - others).margin(1e-9));
      mean_own += a.own[g].score.value / 3.0;
      CHECK(a.log_probs[g][g] < 0.0);
    }
    CHECK(a.association.value == Approx(mean_own).margin(1e-9));
  }
  // New names are of the right groups' syllables but no entity of the world.
  const std::vector<std::vector<std::string>> fresh = eval::new_names(world, 4);
  for (const std::string& name : fresh[0]) {
    for (const data::Person& person : world.people) CHECK(person.name != name);
  }
  CHECK(report.markdown().find("| amber |") != std::string::npos);
  CHECK(report.to_json()["occupations"][0]["names"] == "world");
}
