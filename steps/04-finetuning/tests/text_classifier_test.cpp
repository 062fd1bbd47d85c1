// A fine-tuned classifier read back from its folder (tune/text_classifier.h): it labels the
// test reviews as the run's own report did, with and without an adapter, and refuses a
// folder that is no classifier.
#include <fstream>
#include <nlohmann/json.hpp>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// The test reviews' accuracy when `classifier` labels them, and the report's figure.
void check_report_accuracy(tune::TextClassifier& classifier, const testing::FinetuneSetup& setup,
                           const tune::FinetuneResult& run) {
  std::vector<std::string> texts;
  std::vector<std::int32_t> gold;
  for (const tune::LabelledText& review :
       tune::load_reviews(setup.dir.path() / "world", tune::Split::kTest)) {
    texts.push_back(review.text);
    gold.push_back(classifier.label_index(review.label));
  }
  const Matrix probs = classifier.probabilities(texts, 7);  // batches that do not divide 32
  REQUIRE(probs.rows() == static_cast<Eigen::Index>(texts.size()));
  CHECK((probs.rowwise().sum().array() - 1.0f).abs().maxCoeff() < 1e-5f);
  const nlohmann::json report = nlohmann::json::parse(std::ifstream(run.report));
  CHECK(tune::accuracy(classifier.predict(texts), gold) ==
        Approx(report["groups"]["all"]["accuracy"].get<double>()).margin(1e-12));
}

}  // namespace

TEST_CASE("a classifier read from its folder labels the test reviews as its run's report",
          "[step04][tune]") {
  testing::FinetuneSetup setup;
  SECTION("a full fine-tune") {
    const tune::FinetuneResult run = tune::run_finetune(setup.config("full", "classify", "full"));
    tune::TextClassifier classifier(run.model_dir);
    CHECK(classifier.labels().size() >= 2);
    check_report_accuracy(classifier, setup, run);
    CHECK_THROWS_WITH(classifier.label_index("sarcastic"),
                      contains("\"sarcastic\" is not one of the classifier's labels"));
  }
  SECTION("a LoRA adapter over its base") {
    const tune::FinetuneResult run = tune::run_finetune(setup.config("lora", "classify", "lora"));
    tune::TextClassifier classifier(setup.dir.path() / "model", run.model_dir);
    check_report_accuracy(classifier, setup, run);
  }
  SECTION("a model without a classification head is refused") {
    CHECK_THROWS_WITH(tune::TextClassifier(setup.dir.path() / "model"),
                      contains("not a classifier"));
  }
}
