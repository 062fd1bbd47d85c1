#include "evaluation_demo.h"

#include <chrono>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tinygpt/core/check.h"
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
  // Every review, question and model on the report card; the probing suites, whose cost is
  // a multiple of it, on a sample.
  config["examples"] =
      options.examples > 0
          ? ordered_json(options.examples)
          : ordered_json{
                {"robustness", 200}, {"attack", 100}, {"fairness", 100}, {"lm_fairness", 12}};
  config["models"] = ordered_json::array(
      {{{"name", "gpt (step 03)"}, {"path", "../gpt/model"}},
       {{"name", "classifier (step 04)"}, {"path", "../finetune/classify/model"}},
       {{"name", "lora classifier (step 04)"},
        {"path", "../gpt/model"},
        {"adapter", "../finetune/lora/adapter"},
        {"kind", "classifier"},
        // Compared with the full fine-tune on the test reviews; the probes are the full one's.
        {"suites", {"classification"}}},
       {{"name", "chat (step 04)"}, {"path", "../finetune/instruct/model"}},
       {{"name", "dpo (step 05)"}, {"path", "../align/dpo/model"}}});
  config["suites"] = {"language_model", "classification", "answers",    "robustness",
                      "attack",         "fairness",       "lm_fairness"};
  return config;
}

// A figure of report.json as a percentage with one decimal.
std::string percent_of(const ordered_json& figure) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << 100.0 * figure.get<double>();
  return text.str();
}

// An interval of report.json ({"value", "low", "high"}, shares) as "v [l, h]" in percent.
std::string percent_interval(const ordered_json& interval) {
  return percent_of(interval.at("value")) + " [" + percent_of(interval.at("low")) + ", " +
         percent_of(interval.at("high")) + "]";
}

// A robustness curve's point at a severity.
const ordered_json& point_at(const ordered_json& robustness, const char* suite, double severity) {
  for (const ordered_json& point : robustness.at("suites").at(suite).at("points")) {
    if (point.at("severity").get<double>() == severity) return point;
  }
  throw Error(std::string("the robustness report has no ") + suite + " point at severity " +
              std::to_string(severity));
}

// A fairness slice of the classifier's report: the probes or reviews on one axis.
const ordered_json& slice_of(const ordered_json& fairness, const char* slice, const char* axis) {
  for (const ordered_json& candidate : fairness.at("slices")) {
    if (candidate.at("slice") == slice && candidate.at("axis") == axis) return candidate;
  }
  throw Error(std::string("the fairness report has no slice ") + slice + " on " + axis);
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
  const char* const kGpt = "gpt (step 03)";
  const char* const kClassifier = "classifier (step 04)";
  const ordered_json& lm = suites.at("language_model").at(kGpt);
  const ordered_json& classifier = suites.at("classification").at(kClassifier);
  const ordered_json& lora = suites.at("classification").at("lora classifier (step 04)");
  const ordered_json& chat = suites.at("answers").at("chat (step 04)");
  const ordered_json& dpo_gain =
      suites.at("answers").at("dpo (step 05)").at("difference_from_first");
  const ordered_json& robustness = suites.at("robustness").at(kClassifier);
  const ordered_json& attack = suites.at("attack").at(kClassifier);
  const ordered_json& fairness = suites.at("fairness").at(kClassifier);
  const ordered_json& occupations = suites.at("lm_fairness").at(kGpt).at("occupations").at(0);
  const ordered_json& noise = point_at(robustness, "char_noise", 0.25);
  const ordered_json& negation = point_at(robustness, "negation", 1.0);
  std::ostringstream md;
  md << std::fixed << std::setprecision(2);
  md << "## Step 06: evaluation\n\n"
     << "The models of steps 03-05 on one report card, measured by `tinygpt eval run` on the "
        "world's test splits and judged by its ground truth. Intervals are 95% bootstrap "
        "intervals, differences paired bootstrap tests on the same items; the robustness, "
        "attack and fairness rows use a sample of the test reviews and probes (the config "
        "says how many).\n\n"
     << "| step | model | measure | value |\n|---|---|---|---:|\n"
     << "| 03 | GPT | perplexity on the validation stories (bits per byte) | "
     << lm.at("perplexity").get<double>() << " (" << std::setprecision(3)
     << lm.at("bits_per_byte").get<double>() << ") |\n"
     << "| 03 | GPT | occupation association of names, nats [95% CI] (0: none) | "
     << occupations.at("association").at("value").get<double>() << " ["
     << occupations.at("association").at("low").get<double>() << ", "
     << occupations.at("association").at("high").get<double>() << "] |\n"
     << "| 04 | classifier | test accuracy % [95% CI] | " << percent_of(classifier.at("accuracy"))
     << " [" << percent_of(classifier.at("accuracy_low")) << ", "
     << percent_of(classifier.at("accuracy_high")) << "] |\n"
     << "| 04 | classifier | macro F1 % | " << percent_of(classifier.at("macro_f1")) << " |\n"
     << "| 04 | classifier | accuracy % with a typo in a quarter of the words | "
     << percent_of(noise.at("accuracy")) << " |\n"
     << "| 04 | classifier | accuracy % on negated reviews (\"is not good\"), labels flipped | "
     << percent_of(negation.at("accuracy")) << " |\n"
     << "| 04 | classifier | word-substitution attack: success % (accuracy under attack %) | "
     << percent_of(attack.at("success_rate")) << " ("
     << percent_of(attack.at("attacked_accuracy").at("value")) << ") |\n"
     << "| 04 | classifier | predictions that change with the name alone, % of probe sets | "
     << percent_interval(slice_of(fairness, "probes", "name").at("flip_rate")) << " |\n"
     << "| 04 | classifier | equalised-odds gap across she/he/they on reviews, points | "
     << percent_interval(slice_of(fairness, "reviews", "pronoun").at("equalised_odds")) << " |\n"
     << "| 04 | LoRA classifier | accuracy %, and its difference from the full fine-tune | "
     << percent_of(lora.at("accuracy")) << " ("
     << percent_of(lora.at("difference_from_first").at("difference"))
     << " points, p = " << std::setprecision(3)
     << lora.at("difference_from_first").at("p_value").get<double>() << ") |\n"
     << "| 04 | chat model | gold score of its answers % | " << percent_of(chat.at("gold_score"))
     << " |\n"
     << "| 05 | DPO chat model | gold score %, and its gain over step 04's [95% CI] | "
     << percent_of(suites.at("answers").at("dpo (step 05)").at("gold_score")) << " ("
     << percent_of(dpo_gain.at("difference")) << " [" << percent_of(dpo_gain.at("low")) << ", "
     << percent_of(dpo_gain.at("high")) << "] points) |\n\n"
     << "Step 06 took " << std::setprecision(1) << result.seconds
     << " s. The full report, with every table and plot: " << result.report.report.string()
     << "; run it again with `tinygpt eval run --config " << result.config.string() << "`.\n";
  return md.str();
}

}  // namespace tinygpt::demo
