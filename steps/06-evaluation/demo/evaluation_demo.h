// Step 06's part of the journey: the models of steps 03-05 evaluated on one report card by
// `tinygpt eval run`'s suites (eval/evaluation.h), with the world's ground truth. Used by
// `tinygpt journey` and the step's tests.
//
// Then the hallucination experiment (retrieve/hallucination.h): step 05's chat model is
// instruction-tuned briefly on the RAG format, and closed-book answers are compared with
// retrieval-augmented ones on held-out facts.
//
// In the run folder:
//   world/              the fairness probes and the qa pairs are added
//   eval/config.json    the evaluation's config: `tinygpt eval run --config` runs it again
//   eval/report/        its REPORT.md, report.json and plots
//   eval/rag/           the RAG training world, the RAG-tuned model (tuned/model), its BM25
//                       index (facts.bm25) and the experiment's report (hallucination/)
//   REPORT.md           gains the section "Step 06: evaluation"
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "tinygpt/eval/evaluation.h"
#include "tinygpt/retrieve/hallucination.h"
#include "tinygpt/tune/finetune.h"

namespace tinygpt::demo {

/// Settings of the evaluation part; the defaults are the journey's.
struct EvaluationJourneyOptions {
  std::filesystem::path out = ".tinygpt/journey";  ///< the journey's run folder
  std::uint64_t seed = 1;                          ///< the world's and the bootstrap's seed
  std::int64_t world_bytes = 2'000'000;            ///< the world's size (as step 03's)
  /// Above 0: every suite's test items (small runs); 0: the journey's, chosen for its 60 s
  std::int64_t examples = 0;
  std::int64_t rag_steps = 400;         ///< RAG instruction tuning: optimizer steps of 8
  double rag_time_limit = 20.0;         ///< ... stopped early past this many seconds
  std::int64_t rag_questions = 40;      ///< test questions per group (held-out, seen)
  std::int64_t rag_dev_questions = 30;  ///< dev questions per group, for the threshold
};

/// What the evaluation part measured.
struct EvaluationJourneyResult {
  std::filesystem::path config;                 ///< out/eval/config.json
  eval::EvaluationResult report;                ///< the report folder's figures
  tune::FinetuneResult rag_tuning;              ///< the RAG instruction tuning
  retrieve::HallucinationReport hallucination;  ///< closed book against RAG
  double seconds = 0.0;                         ///< the part's wall time
};

/// @brief Evaluates the models steps 03-05 left in `out` (gpt/model, finetune/classify/model,
/// finetune/lora/adapter, finetune/instruct/model, align/dpo/model), then runs the
/// hallucination experiment on the DPO model; appends the report card to out/REPORT.md.
EvaluationJourneyResult run_evaluation_journey(const EvaluationJourneyOptions& options,
                                               std::ostream& log);

/// @brief The Markdown section REPORT.md gains: the report card.
std::string evaluation_report(const EvaluationJourneyOptions& options,
                              const EvaluationJourneyResult& result);

}  // namespace tinygpt::demo
