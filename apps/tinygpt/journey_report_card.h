// The course's report card: the headline figures of every step of one journey, a table per
// step, at the top of the journey's REPORT.md (each step's own section follows below it).
#pragma once

#include <filesystem>
#include <string>

#include "alignment_demo.h"
#include "deployment_demo.h"
#include "evaluation_demo.h"
#include "finetune_demo.h"
#include "journey_demo.h"
#include "spiral_demo.h"
#include "text_demo.h"

namespace tinygpt::cli {

/// What each part of the journey measured.
struct JourneyFigures {
  const demo::SpiralResult& spiral;                 ///< step 01: the spiral classifier
  const demo::TextDemoResult& text;                 ///< step 01: the bigram on the fortunes
  const demo::JourneyOptions& pretraining_options;  ///< step 02-03: the GPT's config
  const demo::JourneyResult& pretraining;           ///< step 03
  const demo::FinetuneJourneyResult& finetuning;    ///< step 04
  const demo::AlignmentJourneyResult& alignment;    ///< step 05
  const demo::EvaluationJourneyResult& evaluation;  ///< step 06
  const demo::DeploymentJourneyResult& deployment;  ///< step 07
};

/// @param figures every part's results (steps 04-05 are read from their report.json).
/// @return the card as Markdown, starting with its title.
std::string course_report_card(const JourneyFigures& figures);

/// @brief Puts the card at the top of REPORT.md (atomically), above the sections the steps
/// wrote.
/// @param report the journey's REPORT.md.
/// @param card course_report_card().
void put_report_card_first(const std::filesystem::path& report, const std::string& card);

}  // namespace tinygpt::cli
