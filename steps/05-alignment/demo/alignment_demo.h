// Step 05's part of the journey: step 04's chat model aligned by DPO on the world's
// preference pairs (`tinygpt align`, align/alignment.h), then judged against itself before
// alignment by the world's ground truth. Used by `tinygpt journey` and the step's tests.
//
// In the run folder:
//   world/              the preference pairs are added (preferences.jsonl)
//   align/dpo/          the DPO run and its model/
//   REPORT.md           gains the section "Step 05: alignment"
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "tinygpt/align/alignment.h"

namespace tinygpt::demo {

/// Settings of the alignment part; the defaults are the journey's.
struct AlignmentJourneyOptions {
  std::filesystem::path out = ".tinygpt/journey";  ///< the journey's run folder
  std::uint64_t seed = 1;                          ///< the world's and the run's seed
  std::int64_t world_bytes = 2'000'000;            ///< the world's size (as step 03's)
  std::int64_t steps = 40;                         ///< DPO's optimizer steps
  std::int64_t batch = 8;                          ///< pairs per step
  /// Wall-time limit of the training: step 05's 90 s budget (scripts/journey.sh --help)
  /// less the judged evaluation.
  double time_limit = 55.0;
  std::int64_t test_pairs = 0;  ///< the test pairs the report scores (0: all)
};

/// What the alignment part measured.
struct AlignmentJourneyResult {
  align::AlignResult dpo;  ///< the DPO run and its report
  double seconds = 0.0;    ///< the part's wall time
};

/// @brief Runs DPO on the chat model step 04 left in out/finetune/instruct/model; appends
/// its section to out/REPORT.md.
AlignmentJourneyResult run_alignment_journey(const AlignmentJourneyOptions& options,
                                             std::ostream& log);

/// @brief The Markdown section REPORT.md gains.
std::string alignment_report(const AlignmentJourneyOptions& options,
                             const AlignmentJourneyResult& result);

}  // namespace tinygpt::demo
