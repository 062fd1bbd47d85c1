// Step 06's part of the journey (demo/evaluation_demo.h) on a small world and tiny models
// where steps 03-05 leave theirs: the fairness probes are added to the world, the config is
// written where a learner can run it again, the DPO model is tuned on the RAG format and
// asked about held-out facts, and REPORT.md gains the report card with the RAG rows.
#include <sstream>

#include "evaluation_demo.h"
#include "finetune_fixture.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/eval/evaluation.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

TEST_CASE("the journey's evaluation part puts the models of steps 03-05 on one report card",
          "[step06][journey]") {
  TempDir dir("journey-part");
  const std::filesystem::path out = dir.path();
  testing::make_world_and_model(out, "gpt/model");
  data::generate({.seed = 1, .size = 20000, .kinds = {"preferences"}}, out / "world");
  const auto finetune = [&out](const std::string& run, const std::string& task,
                               const std::string& method) {
    tune::FinetuneConfig config;
    config.model = out / "gpt" / "model";
    config.data = out / "world";
    config.out = out / "finetune" / run;
    config.task = task;
    config.method = method;
    config.steps = 4;
    config.batch = 4;
    config.lr = 1e-2f;
    config.eval_interval = 4;
    config.eval_batches = 1;
    config.context = 64;
    config.test_per_skill = 2;
    return tune::run_finetune(config);
  };
  finetune("classify", "classify", "full");
  finetune("lora", "classify", "lora");
  const tune::FinetuneResult chat = finetune("instruct", "instruct", "full");
  // Where step 05 leaves its DPO model: any chat model folder serves the evaluation.
  std::filesystem::create_directories(out / "align" / "dpo");
  std::filesystem::copy(chat.model_dir, out / "align" / "dpo" / "model");
  write_file_atomically(out / "REPORT.md", "# The journey: pre-training report\n");

  demo::EvaluationJourneyOptions options;
  options.out = out;
  options.world_bytes = 20000;
  options.examples = 6;
  options.rag_steps = 2;
  options.rag_questions = 3;
  options.rag_dev_questions = 2;
  std::ostringstream log;
  const demo::EvaluationJourneyResult result = demo::run_evaluation_journey(options, log);
  CHECK(std::filesystem::is_regular_file(out / "world" / "fairness.jsonl"));
  CHECK(std::filesystem::is_regular_file(out / "eval" / "report" / "REPORT.md"));
  // The config written for the learner parses and names the five models.
  const eval::EvaluationConfig config =
      eval::parse_evaluation_config(read_file(result.config), result.config);
  CHECK(config.models.size() == 5);
  const std::string report = read_file(out / "REPORT.md");
  CHECK_THAT(report, contains("# The journey: pre-training report") &&
                         contains("## Step 06: evaluation") && contains("| 04 | classifier |") &&
                         contains("| 05 | DPO chat model |") &&
                         contains("word-substitution attack") &&
                         contains("occupation association") && contains("negated reviews") &&
                         contains("| 06 | DPO chat model + RAG | held-out facts: wrong-value") &&
                         contains("tuned 2 steps on the RAG format") &&
                         contains("tinygpt eval run --config " + result.config.string()));
  CHECK_THAT(log.str(), contains("suite classification"));
  CHECK(std::filesystem::is_regular_file(out / "eval" / "rag" / "hallucination" / "REPORT.md"));
  CHECK(result.rag_tuning.training.last_step == 2);
  CHECK(result.hallucination.figures["groups"]["held_out"]["rag"]["questions"] == 3);
}
