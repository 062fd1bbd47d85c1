// Step 05's part of the journey (demo/alignment_demo.h) on a small world and a tiny chat
// model: the preference pairs are added to the world, DPO runs, its model loads, and
// REPORT.md gains the section with its tables.
#include <sstream>

#include "alignment_demo.h"
#include "alignment_fixture.hpp"
#include "tinygpt/core/files.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

TEST_CASE("the journey's alignment part runs DPO, judges it and reports", "[step05][journey]") {
  TempDir dir("journey-part");
  // Where step 04 leaves its chat model.
  testing::make_world_and_chat_model(dir.path(), "finetune/instruct/model");
  write_file_atomically(dir.path() / "REPORT.md", "# The journey: pre-training report\n");
  demo::AlignmentJourneyOptions options;
  options.out = dir.path();
  options.world_bytes = 20000;
  options.steps = 3;
  options.batch = 4;
  options.test_pairs = 6;
  std::ostringstream log;
  const demo::AlignmentJourneyResult result = demo::run_alignment_journey(options, log);
  CHECK(result.dpo.training.last_step == 3);
  CHECK(models::load_model_folder(result.dpo.model_dir).chat.has_value());
  const std::string report = read_file(dir.path() / "REPORT.md");
  CHECK_THAT(report, contains("# The journey: pre-training report") &&
                         contains("## Step 05: alignment") && contains("| correct_fact |") &&
                         contains("Win rate of DPO over its reference") &&
                         contains(result.dpo.model_dir.string()));
  CHECK_THAT(log.str(), contains("DPO"));
}
