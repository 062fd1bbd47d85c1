// `tinygpt eval run --config FILE`: model folders evaluated on named suites, one report
// folder (eval/evaluation.h).
#include <iostream>

#include "eval_command.h"
#include "tinygpt/core/files.h"
#include "tinygpt/eval/evaluation.h"

namespace tinygpt::cli {

namespace {

std::string suites_help() {
  std::string text = "Suites (each runs on every model of its kind):";
  for (const eval::SuiteInfo& suite : eval::evaluation_suites()) {
    text += "\n  " + std::string(suite.name) + " (" +
            std::string(eval::model_kind_name(suite.kind)) + "): " + std::string(suite.description);
  }
  return text;
}

}  // namespace

void register_eval_run(CLI::App& eval) {
  CLI::App* command = eval.add_subcommand(
      "run", "Evaluate model folders on named suites; write REPORT.md, report.json and plots");
  command->footer(suites_help());
  auto config_path = std::make_shared<std::filesystem::path>();
  auto out = std::make_shared<std::filesystem::path>();
  command
      ->add_option("--config", *config_path, "The evaluation config (JSON; see eval/evaluation.h)")
      ->required();
  command->add_option("--out", *out, "The report folder (instead of the config's 'out')");
  command->callback([config_path, out] {
    eval::EvaluationConfig config =
        eval::parse_evaluation_config(read_file(*config_path), *config_path);
    if (!out->empty()) config.out = *out;
    const eval::EvaluationResult result = eval::run_evaluation(std::move(config), std::cout);
    std::cout << "report: " << result.report.string() << "\n";
  });
}

}  // namespace tinygpt::cli
