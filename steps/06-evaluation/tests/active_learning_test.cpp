// Pool-based active learning (eval/active_learning.h): the acquisition scores on hand-made
// probability rows (entropy is exercise 06.6), the choice of the next batch, the oracles, and
// the loop on step 04's tiny world and GPT: it asks the oracle only about training reviews,
// logs exactly what it asked, grows the labelled set by the batch each round and never
// writes into the model or the world.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/eval/active_learning.h"
#include "tinygpt/tune/task_data.h"

using namespace tinygpt;
using eval::Acquisition;
using tinygpt::testing::contains;

namespace {

namespace fs = std::filesystem;

// Four rows of three labels: certain, uniform, leaning, split between two.
Matrix hand_made_rows() {
  Matrix p(4, 3);
  p << 1.0f, 0.0f, 0.0f,  //
      1.0f / 3, 1.0f / 3, 1.0f / 3, 0.5f, 0.3f, 0.2f, 0.4f, 0.6f, 0.0f;
  return p;
}

// Every file under a folder with its bytes, to see that nothing changed.
std::map<std::string, std::string> snapshot(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) {
      files[entry.path().lexically_relative(folder).string()] = read_file(entry.path());
    }
  }
  return files;
}

// The world's labels, remembering every question in order.
class RecordingOracle final : public eval::Oracle {
 public:
  std::string label(const tune::LabelledText& review,
                    const std::vector<std::string>& labels) override {
    asked.push_back({review.id, truth.label(review, labels)});
    return asked.back().second;
  }
  std::string name() const override { return "recording"; }

  eval::GroundTruthOracle truth;
  std::vector<std::pair<std::string, std::string>> asked;
};

}  // namespace

TEST_CASE("Least confidence and margin of hand-made probability rows", "[step06][eval]") {
  const Matrix p = hand_made_rows();
  const std::vector<double> confidence = eval::least_confidence_scores(p);
  REQUIRE(confidence.size() == 4);
  CHECK(confidence[0] == Approx(0.0).margin(1e-7));
  CHECK(confidence[1] == Approx(2.0 / 3).margin(1e-7));
  CHECK(confidence[2] == Approx(0.5).margin(1e-7));
  CHECK(confidence[3] == Approx(0.4).margin(1e-7));
  const std::vector<double> margin = eval::margin_scores(p);
  CHECK(margin[0] == Approx(1.0).margin(1e-7));
  CHECK(margin[1] == Approx(0.0).margin(1e-7));
  CHECK(margin[2] == Approx(0.2).margin(1e-7));
  CHECK(margin[3] == Approx(0.2).margin(1e-7));  // p_(1) is the second column here
  CHECK(eval::acquisition_scores(p, Acquisition::kMargin) == margin);
  CHECK(eval::acquisition_scores(p, Acquisition::kLeastConfidence) == confidence);
}

TEST_CASE("The entropy of hand-made probability rows, in nats", "[step06][eval][ex06.6]") {
  const Matrix p = hand_made_rows();
  const std::vector<double> entropy = eval::entropy_scores(p);
  REQUIRE(entropy.size() == 4);
  CHECK(entropy[0] == 0.0);  // a zero probability adds 0, not NaN
  CHECK(entropy[1] == Approx(std::log(3.0)).epsilon(1e-6));
  CHECK(entropy[2] ==
        Approx(-(0.5 * std::log(0.5) + 0.3 * std::log(0.3) + 0.2 * std::log(0.2))).epsilon(1e-6));
  CHECK(entropy[3] == Approx(-(0.4 * std::log(0.4) + 0.6 * std::log(0.6))).epsilon(1e-6));
  // Two labels: the binary entropy, largest at 1/2; no rows, no scores.
  Matrix two(3, 2);
  two << 0.5f, 0.5f, 0.9f, 0.1f, 0.0f, 1.0f;
  const std::vector<double> binary = eval::acquisition_scores(two, Acquisition::kEntropy);
  CHECK(binary[0] == Approx(std::log(2.0)).epsilon(1e-6));
  CHECK(binary[1] == Approx(-(0.9 * std::log(0.9) + 0.1 * std::log(0.1))).epsilon(1e-6));
  CHECK(binary[2] == 0.0);
  CHECK(eval::entropy_scores(Matrix(0, 3)).empty());
  // The most uncertain by entropy: the uniform row, then the leaning one.
  const std::vector<std::size_t> chosen = eval::most_uncertain(entropy, Acquisition::kEntropy, 2);
  CHECK(chosen == std::vector<std::size_t>{1, 2});
}

TEST_CASE("Acquisition scores refuse rows that are not probabilities", "[step06][eval]") {
  Matrix one_label(2, 1);
  one_label << 1.0f, 1.0f;
  CHECK_THROWS_WITH(eval::acquisition_scores(one_label, Acquisition::kMargin), contains("K >= 2"));
  Matrix negative(1, 2);
  negative << -0.1f, 1.1f;
  CHECK_THROWS_WITH(eval::acquisition_scores(negative, Acquisition::kLeastConfidence),
                    contains("not a probability"));
  Matrix short_sum(1, 3);
  short_sum << 0.2f, 0.2f, 0.2f;
  CHECK_THROWS_WITH(eval::acquisition_scores(short_sum, Acquisition::kMargin),
                    contains("sums to 0.6"));
  CHECK_THROWS_WITH(eval::acquisition_scores(hand_made_rows(), Acquisition::kRandom),
                    contains("random_batch"));
}

TEST_CASE("The next batch: the most uncertain first, ties by index, the same every time",
          "[step06][eval]") {
  const std::vector<double> scores = {0.3, 0.7, 0.1, 0.7, 0.5};
  // Larger is more uncertain: 0.7 (index 1 before 3), then 0.5.
  CHECK(eval::most_uncertain(scores, Acquisition::kLeastConfidence, 3) ==
        std::vector<std::size_t>{1, 3, 4});
  // Margin: smaller is more uncertain.
  CHECK(eval::most_uncertain(scores, Acquisition::kMargin, 2) == std::vector<std::size_t>{2, 0});
  CHECK(eval::most_uncertain(scores, Acquisition::kEntropy, 0).empty());
  CHECK(eval::most_uncertain(scores, Acquisition::kEntropy, 5).size() == 5);
  CHECK_THROWS_WITH(eval::most_uncertain(scores, Acquisition::kEntropy, 6), contains("6 asked"));
  const std::vector<double> ties(8, 0.25);
  CHECK(eval::most_uncertain(ties, Acquisition::kMargin, 4) ==
        std::vector<std::size_t>{0, 1, 2, 3});

  const std::vector<std::size_t> draw = eval::random_batch(100, 10, 7, 1);
  CHECK(draw == eval::random_batch(100, 10, 7, 1));
  CHECK(std::set<std::size_t>(draw.begin(), draw.end()).size() == 10);
  CHECK(std::all_of(draw.begin(), draw.end(), [](std::size_t i) { return i < 100; }));
  const std::vector<std::size_t> longer = eval::random_batch(100, 30, 7, 1);
  CHECK(std::equal(draw.begin(), draw.end(), longer.begin()));  // a prefix
  CHECK(draw != eval::random_batch(100, 10, 8, 1));             // another seed
  CHECK(draw != eval::random_batch(100, 10, 7, 2));             // another round
  std::vector<std::size_t> all = eval::random_batch(5, 5, 1, 0);
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<std::size_t>{0, 1, 2, 3, 4});
  CHECK_THROWS_WITH(eval::random_batch(3, 4, 1, 0), contains("pool of 3"));
}

TEST_CASE("Strategies by name, the schedule of labels, and bad settings refused",
          "[step06][eval]") {
  for (const char* name : {"random", "least_confidence", "margin", "entropy"}) {
    CHECK(eval::acquisition_name(eval::parse_acquisition(name)) == name);
  }
  CHECK_THROWS_WITH(eval::parse_acquisition("confidence"),
                    contains("unknown strategy \"confidence\"; use one of: random"));
  CHECK(eval::label_schedule(16, 0, 256) == std::vector<std::int64_t>{16, 32, 64, 128, 256});
  CHECK(eval::label_schedule(16, 0, 100) == std::vector<std::int64_t>{16, 32, 64, 100});
  CHECK(eval::label_schedule(10, 5, 22) == std::vector<std::int64_t>{10, 15, 20, 22});
  CHECK(eval::label_schedule(8, 4, 8) == std::vector<std::int64_t>{8});
  CHECK_THROWS_WITH(eval::label_schedule(16, 0, 8), contains("--budget 8 is below --start 16"));
  CHECK_THROWS_WITH(eval::label_schedule(0, 0, 8), contains("--start must be positive"));
  CHECK_THROWS_WITH(eval::label_schedule(4, -1, 8), contains("--batch must be 0"));

  const testing::TempDir dir("active-learning-refusals");
  testing::make_world_and_model(dir.path());
  eval::ActiveLearningConfig config;
  config.model = dir.path() / "model";
  config.data = dir.path() / "world";
  config.out = dir.path() / "out";
  config.budget = 8;
  CHECK_THROWS_WITH(eval::check_active_learning(config),
                    contains("--budget 8 is below --start 16"));
  config.budget = 32;
  config.out = dir.path() / "model" / "al";
  CHECK_THROWS_WITH(eval::check_active_learning(config), contains("lies inside"));
  config.out = dir.path() / "world";
  CHECK_THROWS_WITH(eval::check_active_learning(config), contains("is not empty"));
  config.out = dir.path() / "out";
  config.strategies.clear();
  CHECK_THROWS_WITH(eval::check_active_learning(config), contains("--strategy"));
  config.strategies = {Acquisition::kMargin};
  config.data = dir.path() / "nowhere";
  CHECK_THROWS_WITH(eval::check_active_learning(config), contains("no reviews.jsonl"));
  config.data = dir.path() / "world";
  config.budget = 1000000;
  eval::GroundTruthOracle oracle;
  std::ostringstream log;
  CHECK_THROWS_WITH(eval::run_active_learning(config, oracle, log),
                    contains("is more than the pool's"));
}

TEST_CASE("The prompt oracle reads a label's name or number and asks again otherwise",
          "[step06][eval]") {
  std::istringstream answers("maybe\n2\n  positive \n");
  std::ostringstream questions;
  eval::PromptOracle oracle(answers, questions);
  const std::vector<std::string> labels = {"negative", "neutral", "positive"};
  const tune::LabelledText review{"review:3", "It is fine.", "positive", "plain"};
  CHECK(oracle.label(review, labels) == "neutral");
  CHECK_THAT(questions.str(), contains("\"maybe\" is not a label"));
  CHECK_THAT(questions.str(), contains("review:3: It is fine."));
  CHECK_THAT(questions.str(), contains("1 negative, 2 neutral, 3 positive"));
  CHECK(oracle.label(review, labels) == "positive");
  CHECK_THROWS_WITH(oracle.label(review, labels), contains("input ended before an answer"));
}

TEST_CASE(
    "The active-learning loop asks only about training reviews, logs every question "
    "and leaves the model and the world alone",
    "[step06][eval]") {
  const testing::TempDir dir("active-learning");
  testing::make_world_and_model(dir.path());
  const auto model_before = snapshot(dir.path() / "model");
  const auto world_before = snapshot(dir.path() / "world");
  eval::ActiveLearningConfig config;
  config.model = dir.path() / "model";
  config.data = dir.path() / "world";
  config.out = dir.path() / "out";
  config.strategies = {Acquisition::kMargin, Acquisition::kRandom};
  config.seeds = {1};
  config.start = 12;
  config.batch = 4;
  config.budget = 20;
  config.steps = 2;
  config.finetune_batch = 4;
  config.lr = 1e-2f;
  config.context = 64;
  RecordingOracle oracle;
  std::ostringstream log;
  const eval::ActiveLearningReport report = eval::run_active_learning(config, oracle, log);

  // Nothing written into the inputs.
  CHECK(snapshot(dir.path() / "model") == model_before);
  CHECK(snapshot(dir.path() / "world") == world_before);

  // The log holds exactly the oracle's questions, in order, each a training review once.
  std::vector<std::string> lines;
  std::istringstream jsonl(read_file(config.out / "oracle.jsonl"));
  for (std::string line; std::getline(jsonl, line);) lines.push_back(line);
  REQUIRE(lines.size() == oracle.asked.size());
  CHECK(report.queries == static_cast<std::int64_t>(oracle.asked.size()));
  std::set<std::string> asked;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto record = nlohmann::json::parse(lines[i]);
    CHECK(record["id"] == oracle.asked[i].first);
    CHECK(record["label"] == oracle.asked[i].second);
    CHECK(record["oracle"] == "recording");
    CHECK(tune::split_of(oracle.asked[i].first) == tune::Split::kTrain);
    CHECK(asked.insert(oracle.asked[i].first).second);
  }

  // Each curve: the seed set, then 4 more labels a round up to the budget; the seed set is
  // the same for both strategies and asked once.
  REQUIRE(report.curves.size() == 2);
  const std::int64_t start = report.curves[0].rounds[0].labelled;
  CHECK(start >= 12);
  for (const eval::ActiveLearningCurve& curve : report.curves) {
    INFO(eval::acquisition_name(curve.strategy));
    CHECK(curve.rounds[0].added == report.curves[0].rounds[0].added);
    for (std::size_t r = 1; r < curve.rounds.size(); ++r) {
      CHECK(curve.rounds[r].labelled == curve.rounds[r - 1].labelled + 4);
      CHECK(curve.rounds[r].added.size() == 4);
    }
    CHECK(curve.rounds.back().labelled == 20);
    for (const eval::ActiveLearningRound& round : curve.rounds) {
      CHECK(round.accuracy >= 0.0);
      CHECK(round.accuracy <= 1.0);
    }
    // The last round's world copy holds exactly the labelled training reviews, and every
    // dev and test review.
    const fs::path world = config.out / "seed1" / eval::acquisition_name(curve.strategy) /
                           ("round-" + std::to_string(curve.rounds.size() - 1)) / "world";
    CHECK(static_cast<std::int64_t>(tune::load_reviews(world, tune::Split::kTrain).size()) == 20);
    CHECK(tune::load_reviews(world, tune::Split::kTest).size() ==
          tune::load_reviews(config.data, tune::Split::kTest).size());
  }
  const std::size_t distinct = asked.size();
  CHECK(distinct == oracle.asked.size());
  for (const char* name : {"curves.json", "curves.md", "active_learning.svg", "REPORT.md",
                           "seed1/margin/labelled.jsonl", "seed1/random/labelled.jsonl"}) {
    INFO(name);
    CHECK(fs::is_regular_file(config.out / name));
  }
  CHECK_THAT(report.markdown(), contains("| labelled reviews | margin | random |"));
}
