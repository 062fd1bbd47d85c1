// The expected outcome of step 04, checked end to end on a small scale: a GPT pre-trained by
// step 03's trainer, then fully fine-tuned on reviews, beats the keyword baseline overall and
// on the negated and contrast reviews that the baseline gets wrong by construction, with
// paired-bootstrap intervals above 0.
#include <nlohmann/json.hpp>

#include "finetune_fixture.hpp"
#include "tinygpt/train/trainer.h"
#include "tinygpt/tune/finetune.h"

using namespace tinygpt;
using tinygpt::testing::TempDir;

TEST_CASE("full fine-tuning beats the keyword baseline where it cannot read",
          "[step04][finetune][slow]") {
  TempDir dir("outcome");
  data::generate({.seed = 1, .size = 200'000, .kinds = {"stories", "facts", "reviews"}},
                 dir.path() / "world");
  train::TrainConfig pretraining;
  pretraining.model = {.family = models::Family::kGpt,
                       .vocab_size = 512,
                       .context_length = 64,
                       .width = 96,
                       .layers = 2,
                       .heads = 4};
  pretraining.model_config = "inline";
  pretraining.data = dir.path() / "world";
  pretraining.out = dir.path() / "pretrained";
  pretraining.steps = 200;
  pretraining.batch = 8;
  pretraining.lr = 3e-3f;
  pretraining.eval_interval = 200;
  train::run_training(pretraining);

  tune::FinetuneConfig config;
  config.model = dir.path() / "pretrained" / "model";
  config.data = dir.path() / "world";
  config.out = dir.path() / "classify";
  config.steps = 150;
  config.batch = 16;
  config.lr = 1e-3f;
  config.eval_interval = 150;
  const tune::FinetuneResult result = tune::run_finetune(config);
  INFO(result.summary);
  const auto groups = nlohmann::json::parse(read_file(result.report))["groups"];
  for (const char* group : {"all", "negated", "contrast"}) {
    INFO(group);
    CHECK(groups[group]["difference_low"].get<double>() > 0.0);
  }
}
