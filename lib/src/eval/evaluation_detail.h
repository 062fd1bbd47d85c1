// The suites of `tinygpt eval run` (eval/evaluation.h): each runs on the models of one kind
// and returns its figures, its section of REPORT.md and any plots. Private to eval.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tinygpt/eval/evaluation.h"

namespace tinygpt::eval::detail {

// What a suite measured.
struct SuiteOutput {
  nlohmann::ordered_json figures;  // report.json's "suites"/<name>
  std::string markdown;            // its section of REPORT.md, without the heading
  // Extra files of the report folder (SVG plots): name and content. The markdown links them.
  std::vector<std::pair<std::string, std::string>> files;
};

// Runs a suite on its models (every one of the suite's kind, in config order; at least one).
using SuiteRun = SuiteOutput (*)(const EvaluationConfig& config,
                                 const std::vector<const ModelEntry*>& models, std::ostream& log);

// A suite and how to run it.
struct Suite {
  SuiteInfo info;
  SuiteRun run;
  // The world files it reads (checked before any work), e.g. "reviews.jsonl".
  std::vector<std::string> needs;
};

// Every suite, in report order (evaluation_suites.cpp).
const std::vector<Suite>& suites();

// A number as the report prints it: fixed, `digits` decimals.
std::string fixed(double value, int digits);

// A model's name as part of a file name: ASCII letters and digits kept (lowercased), any
// other run of characters one '-' ("gpt (step 03)" -> "gpt-step-03").
std::string file_slug(std::string_view name);

// The suites that probe models with made texts (evaluation_probe_suites.cpp).
SuiteOutput robustness_suite(const EvaluationConfig& config,
                             const std::vector<const ModelEntry*>& models, std::ostream& log);
SuiteOutput attack_suite(const EvaluationConfig& config,
                         const std::vector<const ModelEntry*>& models, std::ostream& log);
SuiteOutput fairness_suite(const EvaluationConfig& config,
                           const std::vector<const ModelEntry*>& models, std::ostream& log);
SuiteOutput lm_fairness_suite(const EvaluationConfig& config,
                              const std::vector<const ModelEntry*>& models, std::ostream& log);

}  // namespace tinygpt::eval::detail
