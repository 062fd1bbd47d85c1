// A fine-tuned classifier read back from its folder (tune/text_classifier.h): it labels the
// test reviews as the run's own report did, with and without an adapter, and refuses a
// folder that is no classifier.
#include <fstream>
#include <nlohmann/json.hpp>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/tune/adapter_files.h"
#include "tinygpt/tune/classifier.h"
#include "tinygpt/tune/lora.h"
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
  const Matrix probs = classifier.probabilities(texts);
  REQUIRE(probs.rows() == static_cast<Eigen::Index>(texts.size()));
  CHECK((probs.rowwise().sum().array() - 1.0f).abs().maxCoeff() < 1e-5f);
  // Other batches pad differently, which moves the scores by rounding alone. (A random tiny
  // model's labels are near ties, so the accuracy below is taken in the run's batches of 32.)
  CHECK((classifier.probabilities(texts, 7) - probs).cwiseAbs().maxCoeff() < 1e-5f);
  const nlohmann::json report = nlohmann::json::parse(std::ifstream(run.report));
  CHECK(tune::accuracy(classifier.predict(texts), gold) ==
        Approx(report["groups"]["all"]["accuracy"].get<double>()).margin(1e-12));
}

// The run reads its reviews through the model's whole context, as the classifier read back
// does (the setup's runs cut them at 64 tokens).
tune::FinetuneConfig whole_context(tune::FinetuneConfig config) {
  config.context = 0;
  return config;
}

}  // namespace

TEST_CASE("a classifier read from its folder labels the test reviews as its run's report",
          "[step04][tune]") {
  testing::FinetuneSetup setup;
  SECTION("a full fine-tune") {
    const tune::FinetuneResult run =
        tune::run_finetune(whole_context(setup.config("full", "classify", "full")));
    tune::TextClassifier classifier(run.model_dir);
    CHECK(classifier.labels().size() >= 2);
    check_report_accuracy(classifier, setup, run);
    CHECK_THROWS_WITH(classifier.label_index("sarcastic"),
                      contains("\"sarcastic\" is not one of the classifier's labels"));
  }
  SECTION("a LoRA adapter over its base") {
    tune::FinetuneConfig config = whole_context(setup.config("lora", "classify", "lora"));
    // Every linear layer, as the journey's LoRA classifier.
    config.lora = {.rank = 4, .alpha = 16, .targets = tune::lora_target_modules()};
    const tune::FinetuneResult run = tune::run_finetune(config);
    tune::TextClassifier classifier(setup.dir.path() / "model", run.model_dir);
    check_report_accuracy(classifier, setup, run);
    // Its scores are the adapted model's, which are not the base's with the same head (the
    // control: a classifier that dropped its adapter would pass the line above on a model
    // this small, whose adapter moves the scores too little to change a label).
    const std::vector<std::string> texts = {"I bought the lamp. It is great.",
                                            "It is not good at all."};
    tune::AdaptedModel adapted = tune::load_adapter(setup.dir.path() / "model", run.model_dir);
    const auto probabilities = [&](models::Adapter* adapter) {
      std::vector<std::vector<std::int32_t>> sequences;
      for (const std::string& text : texts) {
        sequences.push_back(tune::classifier_tokens(adapted.folder, text, 192));
      }
      Tape tape;
      const NoGradGuard no_grad(tape);
      const Matrix logits = tune::folder_classifier_logits(
                                tape, adapted.folder,
                                tune::pad_batch(sequences, std::vector<std::int32_t>(2, 0), 192),
                                "last", {.adapter = adapter})
                                .matrix();
      Matrix probs = (logits.colwise() - logits.rowwise().maxCoeff()).array().exp().matrix();
      return Matrix(probs.array().colwise() / probs.rowwise().sum().array());
    };
    const Matrix ours = classifier.probabilities(texts);
    CHECK((ours - probabilities(adapted.adapter.get())).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK((ours - probabilities(nullptr)).cwiseAbs().maxCoeff() > 1e-5f);
  }
  SECTION("a model without a classification head is refused") {
    CHECK_THROWS_WITH(tune::TextClassifier(setup.dir.path() / "model"),
                      contains("not a classifier"));
  }
}
