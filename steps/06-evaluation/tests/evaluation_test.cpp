// `tinygpt eval run` (eval/evaluation.h): its config and checks name every mistake, and a
// run on real (tiny) model folders writes a report whose figures are the models' own.
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/eval/evaluation.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

eval::EvaluationConfig parse(const std::string& text) {
  return eval::parse_evaluation_config(text, "/runs/eval.json");
}

// Every file of a folder and its bytes, to see that nothing changed.
std::map<std::string, std::string> snapshot(const std::filesystem::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) files[entry.path().string()] = read_file(entry.path());
  }
  return files;
}

}  // namespace

TEST_CASE("an evaluation config resolves its paths and names every mistake", "[step06][eval]") {
  const eval::EvaluationConfig config = parse(
      R"({"data": "world", "out": "report", "seed": 3,
          "models": [{"name": "c", "path": "ft/model"},
                     {"name": "l", "path": "gpt", "adapter": "ft/adapter", "kind": "classifier"}],
          "suites": ["classification"]})");
  CHECK(config.data == "/runs/world");
  CHECK(config.out == "/runs/report");
  CHECK(config.seed == 3);
  REQUIRE(config.models.size() == 2);
  CHECK_FALSE(config.models[0].kind.has_value());  // read from the folder later
  CHECK(config.models[1].adapter == "/runs/ft/adapter");
  CHECK(config.models[1].kind == eval::ModelKind::kClassifier);

  CHECK(config.examples_for("attack") == 0);  // every item
  const std::string models = R"("models": [{"name": "c", "path": "m"}])";
  const auto with_examples = [&models](const std::string& examples) {
    return parse(R"({"data": "w", "out": "o", "suites": ["attack"], "examples": )" + examples +
                 ", " + models + "}");
  };
  CHECK(with_examples("7").examples_for("robustness") == 7);
  CHECK(with_examples(R"({"attack": 5})").examples_for("attack") == 5);
  CHECK(with_examples(R"({"attack": 5})").examples_for("fairness") == 0);
  CHECK_THROWS_WITH(with_examples(R"({"atack": 5})"),
                    contains("'examples' names suite \"atack\", which is unknown"));
  CHECK_THROWS_WITH(
      parse(R"({"data": "w", "out": "o", "suites": ["attack"],
                              "models": [{"name": "a", "path": "x", "suites": ["fairness"]}]})"),
      contains("model \"a\" lists suite \"fairness\", which the config's 'suites' does not"));
  CHECK_THROWS_WITH(with_examples("-1"),
                    contains("'examples' must be 0 (all) or a positive integer, got -1"));
  CHECK_THROWS_WITH(with_examples(R"({"attack": 1.5})"),
                    contains("'examples.attack' must be 0 (all)"));
  CHECK_THROWS_WITH(parse("[1]"), contains("not a JSON object"));
  CHECK_THROWS_WITH(
      parse(R"({"data": "w", "out": "o", "suites": ["classification"], "model": 1, )" + models +
            "}"),
      contains("unknown field 'model'"));
  CHECK_THROWS_WITH(parse(R"({"data": "w", "out": "o", "suites": ["accuracy"], )" + models + "}"),
                    contains("suite \"accuracy\" is unknown; use one of language_model"));
  CHECK_THROWS_WITH(parse(R"({"data": "w", "out": "o", "suites": [], )" + models + "}"),
                    contains("'suites' must list at least one"));
  CHECK_THROWS_WITH(parse(R"({"data": "w", "out": "o", "suites": ["answers"], "models": []})"),
                    contains("'models' must be a non-empty list"));
  CHECK_THROWS_WITH(parse(R"({"data": "w", "out": "o", "suites": ["answers"],
                "models": [{"name": "a", "path": "x"}, {"name": "a", "path": "y"}]})"),
                    contains("the model name \"a\" is used twice"));
  CHECK_THROWS_WITH(parse(R"({"data": "w", "out": "o", "suites": ["answers"],
                              "models": [{"name": "a", "path": "x", "adapter": "y"}]})"),
                    contains("only a classifier is evaluated through an adapter"));
  CHECK_THROWS_WITH(parse(R"({"data": "w", "out": "o", "suites": ["answers"],
                              "models": [{"name": "a", "path": "x", "kind": "judge"}]})"),
                    contains("models[0]: kind \"judge\" is unknown"));
  CHECK_THROWS_WITH(parse(R"({"data": "w", "out": "o", "suites": ["answers"],
                              "models": [{"name": "a", "path": 7}]})"),
                    contains("models[0]: field 'path' must be a string"));
  CHECK_THROWS_WITH(parse(R"({"out": "o", "suites": ["answers"], )" + models + "}"),
                    contains("field 'data' (a world folder) is missing"));
}

TEST_CASE("eval run writes a report of real models and never writes into them", "[step06][eval]") {
  testing::FinetuneSetup setup;
  const std::filesystem::path dir = setup.dir.path();
  const tune::FinetuneResult classify = tune::run_finetune(setup.config("cls", "classify", "full"));
  const tune::FinetuneResult lora = tune::run_finetune(setup.config("lora", "classify", "lora"));

  eval::EvaluationConfig config;
  config.data = dir / "world";
  config.out = dir / "report";
  config.models = {{.name = "gpt", .path = dir / "model"},
                   {.name = "full", .path = classify.model_dir},
                   {.name = "lora",
                    .path = dir / "model",
                    .adapter = lora.model_dir,
                    .kind = eval::ModelKind::kClassifier,
                    .suites = {"classification", "fairness"}}};
  config.suites = {"classification", "language_model", "robustness", "attack", "fairness"};
  config.lm_tokens = 600;
  config.examples = {{"robustness", 12}, {"attack", 6}, {"fairness", 4}};

  SECTION("the report's figures are the models' own") {
    const auto before = snapshot(dir / "model");
    std::ostringstream log;
    const eval::EvaluationResult result = eval::run_evaluation(config, log);
    CHECK(snapshot(dir / "model") == before);
    CHECK(std::filesystem::is_regular_file(result.report));
    const nlohmann::json figures = nlohmann::json::parse(read_file(dir / "report" / "report.json"));
    CHECK(figures["models"]["gpt"]["kind"] == "language_model");
    CHECK(figures["models"]["full"]["kind"] == "classifier");

    // The classifier's accuracy, recomputed from its predictions.
    std::vector<std::string> texts;
    std::vector<std::int32_t> gold;
    tune::TextClassifier classifier(classify.model_dir);
    for (const tune::LabelledText& review : tune::load_reviews(dir / "world", tune::Split::kTest)) {
      texts.push_back(review.text);
      gold.push_back(classifier.label_index(review.label));
    }
    const nlohmann::json& classification = figures["suites"]["classification"];
    CHECK(classification["full"]["accuracy"].get<double>() ==
          Approx(tune::accuracy(classifier.predict(texts), gold)).margin(1e-12));
    CHECK(classification["lora"].contains("difference_from_first"));
    const nlohmann::json& lm = figures["suites"]["language_model"]["gpt"];
    CHECK(lm["perplexity"].get<double>() ==
          Approx(std::exp(lm["loss"].get<double>())).epsilon(1e-9));
    // A random model of 320 tokens is about as unsure as a uniform choice among them.
    CHECK(lm["perplexity"].get<double>() > 100.0);
    // The probing suites ran on the same classifiers: robustness' clean accuracy on its 12
    // reviews, the attack on its 6, a plot each where the suite draws one.
    const nlohmann::json& robustness = figures["suites"]["robustness"]["full"];
    CHECK(robustness["reviews"] == 12);
    CHECK(figures["suites"]["attack"]["full"].contains("success_rate"));
    CHECK(figures["suites"]["fairness"]["lora"].contains("slices"));
    // The LoRA classifier takes part in the suites it lists only.
    CHECK_FALSE(figures["suites"]["robustness"].contains("lora"));
    CHECK(std::filesystem::is_regular_file(dir / "report" / "robustness-full.svg"));
    CHECK(std::filesystem::is_regular_file(dir / "report" / "fairness-lora.svg"));
    // The fine-tuning runs' curves; the hand-made base model has no run folder.
    CHECK(read_file(dir / "report" / "training-full.svg") == read_file(dir / "cls" / "loss.svg"));
    CHECK(std::filesystem::is_regular_file(dir / "report" / "training-lora.svg"));
    CHECK_FALSE(std::filesystem::exists(dir / "report" / "training-gpt.svg"));
    const std::string report = read_file(result.report);
    CHECK_THAT(report, contains("## classification"));
    CHECK_THAT(report, contains("## language_model"));
    CHECK_THAT(report, contains("| lora |"));
  }
  SECTION("the checks name the model, the folder or the suite") {
    config.out = dir / "model" / "report";
    CHECK_THROWS_WITH(eval::run_evaluation(config, std::cout),
                      contains("an evaluation never writes into a model"));
    config.out = dir / "report";
    config.suites = {"answers"};
    CHECK_THROWS_WITH(
        eval::run_evaluation(config, std::cout),
        contains("suite \"answers\" evaluates a chat model and no model of that kind"));
    config.suites = {"classification"};
    config.models[1].path = dir / "nowhere";
    CHECK_THROWS_WITH(
        eval::run_evaluation(config, std::cout),
        contains("model \"full\" (" + (dir / "nowhere").string() + "): no such folder"));
    config.models[1] = {
        .name = "plain", .path = dir / "model", .kind = eval::ModelKind::kClassifier};
    CHECK_THROWS_WITH(eval::run_evaluation(config, std::cout),
                      contains("not a classifier (no classification head"));
    CHECK_FALSE(std::filesystem::exists(dir / "report"));
  }
}
