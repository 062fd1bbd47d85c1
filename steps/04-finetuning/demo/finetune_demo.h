// Step 04's part of the journey: the GPT step 03 pre-trained learns to classify reviews and
// to follow instructions, each a `tinygpt finetune` run (tune/finetune.h), measured on the
// test split by the world's ground truth. Used by `tinygpt journey` and the step's tests.
//
// In the run folder:
//   world/                 the task kinds are added: reviews, instructions, dialogues
//   finetune/classify/     the classifier's run and model/ (task classify, method full)
//   finetune/instruct/     the chat model's run and model/ (task instruct, method full)
//   finetune/lora/         the classifier again with LoRA: its run and adapter/
//   REPORT.md              gains the section "Step 04: fine-tuning"
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "tinygpt/tune/finetune.h"

namespace tinygpt::demo {

/// Settings of the fine-tuning part; the defaults are the journey's.
struct FinetuneJourneyOptions {
  std::filesystem::path out = ".tinygpt/journey";  ///< the journey's run folder
  std::uint64_t seed = 1;                          ///< the world's and the runs' seed
  std::int64_t world_bytes = 2'000'000;            ///< the world's size (as step 03's)
  std::int64_t classify_steps = 150;               ///< optimizer steps of the classifier
  std::int64_t instruct_steps = 300;               ///< optimizer steps of instruction tuning
  std::int64_t lora_steps = 150;                   ///< optimizer steps of the LoRA classifier
  /// Wall-time limits of the three runs: step 04's 120 s budget (scripts/journey.sh --help)
  /// less the evaluations.
  double classify_time_limit = 25.0;
  double instruct_time_limit = 45.0;
  double lora_time_limit = 20.0;
  std::int64_t test_per_skill = 20;        ///< test instructions per skill in the report
  std::string hold_out_skill = "reverse";  ///< the skill instruction tuning never sees
};

/// What the fine-tuning part measured.
struct FinetuneJourneyResult {
  tune::FinetuneResult classify;  ///< the classifier's run and its report
  tune::FinetuneResult instruct;  ///< the chat model's run and its report
  tune::FinetuneResult lora;      ///< the LoRA classifier's run and its report
  std::string question;           ///< a test instruction asked in the sample chat
  std::string answer;             ///< the chat model's answer
  std::string expected;           ///< the reference answer
  double seconds = 0.0;           ///< the part's wall time
};

/// @brief Runs the fine-tuning part on the model folder step 03 left in out/gpt/model;
/// appends its section to out/REPORT.md.
FinetuneJourneyResult run_finetune_journey(const FinetuneJourneyOptions& options,
                                           std::ostream& log);

/// @brief The Markdown section REPORT.md gains.
std::string finetune_report(const FinetuneJourneyOptions& options,
                            const FinetuneJourneyResult& result);

}  // namespace tinygpt::demo
