#include "evaluation_demo.h"

#include <chrono>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"

namespace tinygpt::demo {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

// The config of the journey's evaluation, paths relative to out/eval (where it is written),
// so a learner can run it again or edit it.
ordered_json journey_config(const EvaluationJourneyOptions& options) {
  ordered_json config;
  config["data"] = "../world";
  config["out"] = "report";
  config["seed"] = options.seed;
  config["examples"] = options.examples;
  config["models"] = ordered_json::array(
      {{{"name", "gpt (step 03)"}, {"path", "../gpt/model"}},
       {{"name", "classifier (step 04)"}, {"path", "../finetune/classify/model"}},
       {{"name", "lora classifier (step 04)"},
        {"path", "../gpt/model"},
        {"adapter", "../finetune/lora/adapter"},
        {"kind", "classifier"}},
       {{"name", "chat (step 04)"}, {"path", "../finetune/instruct/model"}},
       {{"name", "dpo (step 05)"}, {"path", "../align/dpo/model"}}});
  config["suites"] = {"language_model", "classification", "answers"};
  return config;
}

// A figure of report.json as a percentage with one decimal.
std::string percent_of(const nlohmann::ordered_json& figure) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << 100.0 * figure.get<double>();
  return text.str();
}

}  // namespace

EvaluationJourneyResult run_evaluation_journey(const EvaluationJourneyOptions& options,
                                               std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  EvaluationJourneyResult result;
  fs::remove_all(options.out / "eval");
  log << "  adding fairness probes to the world\n";
  data::generate({.seed = options.seed, .size = options.world_bytes, .kinds = {"fairness"}},
                 options.out / "world");
  result.config = options.out / "eval" / "config.json";
  const std::string config_text = journey_config(options).dump(2) + "\n";
  write_file_atomically(result.config, config_text);
  log << "  tinygpt eval run --config " << result.config.string() << "\n";
  result.report =
      eval::run_evaluation(eval::parse_evaluation_config(config_text, result.config), log);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const fs::path report = options.out / "REPORT.md";
  const std::string before = fs::is_regular_file(report) ? read_file(report) : "";
  write_file_atomically(report, before + "\n" + evaluation_report(options, result));
  return result;
}

std::string evaluation_report(const EvaluationJourneyOptions& /*options*/,
                              const EvaluationJourneyResult& result) {
  const ordered_json& suites = result.report.figures.at("suites");
  const ordered_json& lm = suites.at("language_model").at("gpt (step 03)");
  const ordered_json& classifier = suites.at("classification").at("classifier (step 04)");
  const ordered_json& lora = suites.at("classification").at("lora classifier (step 04)");
  const ordered_json& chat = suites.at("answers").at("chat (step 04)");
  const ordered_json& dpo = suites.at("answers").at("dpo (step 05)");
  const ordered_json& dpo_gain = dpo.at("difference_from_first");
  std::ostringstream md;
  md << std::fixed << std::setprecision(2);
  md << "## Step 06: evaluation\n\n"
     << "The models of steps 03-05 on one report card, measured by `tinygpt eval run` on the "
        "world's test splits and judged by its ground truth; intervals are 95% bootstrap "
        "intervals, differences paired bootstrap tests on the same items.\n\n"
     << "| step | model | measure | value |\n|---|---|---|---:|\n"
     << "| 03 | GPT | perplexity on the validation stories (bits per byte) | "
     << lm.at("perplexity").get<double>() << " (" << std::setprecision(3)
     << lm.at("bits_per_byte").get<double>() << ") |\n"
     << "| 04 | classifier | test accuracy % [95% CI] | " << percent_of(classifier.at("accuracy"))
     << " [" << percent_of(classifier.at("accuracy_low")) << ", "
     << percent_of(classifier.at("accuracy_high")) << "] |\n"
     << "| 04 | classifier | macro F1 % | " << percent_of(classifier.at("macro_f1")) << " |\n"
     << "| 04 | LoRA classifier | accuracy %, and its difference from the full fine-tune | "
     << percent_of(lora.at("accuracy")) << " ("
     << percent_of(lora.at("difference_from_first").at("difference"))
     << " points, p = " << std::setprecision(3)
     << lora.at("difference_from_first").at("p_value").get<double>() << ") |\n"
     << "| 04 | chat model | gold score of its answers % | " << percent_of(chat.at("gold_score"))
     << " |\n"
     << "| 05 | DPO chat model | gold score %, and its gain over step 04's [95% CI] | "
     << percent_of(dpo.at("gold_score")) << " (" << percent_of(dpo_gain.at("difference")) << " ["
     << percent_of(dpo_gain.at("low")) << ", " << percent_of(dpo_gain.at("high"))
     << "] points) |\n\n"
     << "Step 06 took " << std::setprecision(1) << result.seconds
     << " s. The full report: " << result.report.report.string() << "; run it again with "
     << "`tinygpt eval run --config " << result.config.string() << "`.\n";
  return md.str();
}

}  // namespace tinygpt::demo
