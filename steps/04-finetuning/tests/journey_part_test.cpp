// Step 04's part of the journey (demo/finetune_demo.h) on a small world and a tiny GPT: the
// three runs happen, their models and adapter load, and REPORT.md gains the section with
// their tables.
#include <sstream>
#include "finetune_demo.h"
#include "finetune_fixture.hpp"

#include "tinygpt/core/files.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

TEST_CASE(
    "the journey's fine-tuning part classifies, instruction-tunes, adapts with LoRA and reports",
    "[step04][journey]") {
  TempDir dir("journey-part");
  testing::make_world_and_model(dir.path(), "gpt/model");  // where step 03 leaves it
  write_file_atomically(dir.path() / "REPORT.md", "# The journey: pre-training report\n");
  demo::FinetuneJourneyOptions options;
  options.out = dir.path();
  options.world_bytes = 20000;
  options.classify_steps = 4;
  options.instruct_steps = 4;
  options.lora_steps = 4;
  options.test_per_skill = 2;
  std::ostringstream log;
  const demo::FinetuneJourneyResult result = demo::run_finetune_journey(options, log);
  CHECK(result.classify.training.last_step == 4);
  CHECK(result.instruct.training.last_step == 4);
  CHECK(result.lora.training.last_step == 4);
  CHECK(std::filesystem::is_regular_file(result.lora.model_dir / "adapter_config.json"));
  CHECK(models::load_pretrained_gpt(result.classify.model_dir).head.has_value());
  CHECK(models::load_pretrained_gpt(result.instruct.model_dir).chat.has_value());
  CHECK_THAT(result.question, contains("Copy the input exactly."));
  const std::string report = read_file(dir.path() / "REPORT.md");
  CHECK_THAT(report, contains("# The journey: pre-training report") &&
                         contains("## Step 04: fine-tuning") && contains("| negated |") &&
                         contains("reverse (not trained)") && contains("**LoRA**") &&
                         contains(result.lora.model_dir.string()));
  CHECK_THAT(log.str(), contains("instruction tuning"));
}
