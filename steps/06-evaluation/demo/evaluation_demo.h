// Step 06's part of the journey: the models of steps 03-05 evaluated on one report card by
// `tinygpt eval run`'s suites (eval/evaluation.h), with the world's ground truth. Used by
// `tinygpt journey` and the step's tests.
//
// In the run folder:
//   world/              the fairness probes are added (fairness.jsonl)
//   eval/config.json    the evaluation's config: `tinygpt eval run --config` runs it again
//   eval/report/        its REPORT.md, report.json and plots
//   REPORT.md           gains the section "Step 06: evaluation"
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "tinygpt/eval/evaluation.h"

namespace tinygpt::demo {

/// Settings of the evaluation part; the defaults are the journey's.
struct EvaluationJourneyOptions {
  std::filesystem::path out = ".tinygpt/journey";  ///< the journey's run folder
  std::uint64_t seed = 1;                          ///< the world's and the bootstrap's seed
  std::int64_t world_bytes = 2'000'000;            ///< the world's size (as step 03's)
  /// Above 0: every suite's test items (small runs); 0: the journey's, chosen for its 60 s
  std::int64_t examples = 0;
};

/// What the evaluation part measured.
struct EvaluationJourneyResult {
  std::filesystem::path config;   ///< out/eval/config.json
  eval::EvaluationResult report;  ///< the report folder's figures
  double seconds = 0.0;           ///< the part's wall time
};

/// @brief Evaluates the models steps 03-05 left in `out` (gpt/model, finetune/classify/model,
/// finetune/lora/adapter, finetune/instruct/model, align/dpo/model); appends the report
/// card to out/REPORT.md.
EvaluationJourneyResult run_evaluation_journey(const EvaluationJourneyOptions& options,
                                               std::ostream& log);

/// @brief The Markdown section REPORT.md gains: the report card.
std::string evaluation_report(const EvaluationJourneyOptions& options,
                              const EvaluationJourneyResult& result);

}  // namespace tinygpt::demo
