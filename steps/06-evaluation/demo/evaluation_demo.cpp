#include "evaluation_demo.h"

#include <chrono>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/eval/significance.h"
#include "tinygpt/retrieve/rag.h"
#include "tinygpt/tune/metrics.h"

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
  return tune::percent(figure.get<double>());
}

// An interval of report.json ({"value", "low", "high"}, shares) as "v [l, h]" in percent.
std::string percent_interval(const ordered_json& interval) {
  return tune::percent(eval::interval_from_json(interval));
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

// Step 05's chat model instruction-tuned on the RAG format (retrieve/rag.h): the world's
// instructions and dialogues, and a RAG conversation about each seen training fact.
tune::FinetuneResult tune_on_rag(const EvaluationJourneyOptions& options, std::ostream& log) {
  const fs::path rag = options.out / "eval" / "rag";
  // Half counterfactual: a model tuned on seen facts alone learns to recall them rather than
  // to read (the lesson's "Measured").
  const retrieve::RagWorld written = retrieve::write_rag_world(
      options.out / "world", rag / "world", {.counterfactual = 0.5, .seed = options.seed});
  log << "  RAG instruction tuning: " << written.conversations
      << " conversations about seen facts (" << written.counterfactual
      << " counterfactual) added to the world's instructions\n";
  tune::FinetuneConfig config;
  config.model = options.out / "align" / "dpo" / "model";
  config.data = rag / "world";
  config.out = rag / "tuned";
  config.task = "instruct";
  config.seed = options.seed;
  config.steps = options.rag_steps;
  config.batch = 8;
  config.lr = 1e-3f;
  config.min_lr = 1e-4f;
  config.eval_interval = options.rag_steps;
  config.eval_batches = 2;
  config.keep = 1;
  config.time_limit = options.rag_time_limit;
  config.test_per_skill = 2;
  return tune::run_finetune(config);
}

}  // namespace

EvaluationJourneyResult run_evaluation_journey(const EvaluationJourneyOptions& options,
                                               std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  EvaluationJourneyResult result;
  fs::remove_all(options.out / "eval");
  log << "  adding fairness probes and question/answer pairs to the world\n";
  data::generate(
      {.seed = options.seed, .size = options.world_bytes, .kinds = {"facts", "qa", "fairness"}},
      options.out / "world");
  result.config = options.out / "eval" / "config.json";
  const std::string config_text = journey_config(options).dump(2) + "\n";
  write_file_atomically(result.config, config_text);
  log << "  tinygpt eval run --config " << result.config.string() << "\n";
  result.report =
      eval::run_evaluation(eval::parse_evaluation_config(config_text, result.config), log);
  result.rag_tuning = tune_on_rag(options, log);
  log << "  tinygpt rag hallucination: closed book against RAG on held-out facts\n";
  result.hallucination = retrieve::run_hallucination(
      {.chat = options.out / "align" / "dpo" / "model",
       .rag_model = result.rag_tuning.model_dir,
       .data = options.out / "world",
       .out = options.out / "eval" / "rag" / "hallucination",
       .questions = options.rag_questions,
       .dev_questions = options.rag_dev_questions,
       .max_new_tokens = 32,  // a fact's sentence is about a dozen tokens
       .seed = options.seed},
      log);
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
  const ordered_json& rag = result.hallucination.figures;
  const auto rate = [&rag](const char* group, const char* condition, const char* outcome) {
    return percent_of(rag.at("groups").at(group).at(condition).at(outcome).at("value"));
  };
  const ordered_json& rag_change = rag.at("held_out_wrong_closed_book_minus_rag");
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
     << percent_of(dpo_gain.at("high")) << "] points) |\n"
     << "| 06 | DPO chat model + RAG | held-out facts: wrong-value (hallucinated) answers %, "
        "closed book -> RAG (drop, points [95% CI]) | "
     << rate("held_out", "closed_book", "wrong") << " -> " << rate("held_out", "rag", "wrong")
     << " (" << percent_of(rag_change.at("difference")) << " [" << percent_of(rag_change.at("low"))
     << ", " << percent_of(rag_change.at("high")) << "]) |\n"
     << "| 06 | DPO chat model + RAG | held-out facts: correct %, closed book -> RAG -> RAG with "
        "abstention | "
     << rate("held_out", "closed_book", "correct") << " -> " << rate("held_out", "rag", "correct")
     << " -> " << rate("held_out", "rag_abstain", "correct") << " |\n"
     << "| 06 | DPO chat model + RAG | seen facts: correct %, closed book -> RAG | "
     << rate("seen", "closed_book", "correct") << " -> " << rate("seen", "rag", "correct")
     << " |\n\n"
     << "Step 06 took " << std::setprecision(1) << result.seconds
     << " s. The full report, with every table and plot: " << result.report.report.string()
     << "; run it again with `tinygpt eval run --config " << result.config.string()
     << "`. The RAG rows: step 05's chat model tuned "
     << result.rag_tuning.training.last_step - result.rag_tuning.training.first_step
     << " steps on the RAG format"
     << (result.rag_tuning.training.time_limited ? " (**stopped early** by the time limit)" : "")
     << ", then asked "
     << rag.at("groups").at("held_out").at("rag").at("questions").get<std::int64_t>()
     << " test questions about held-out facts (stated in no training text) and as many about "
        "seen ones: "
     << (result.hallucination.folder / "REPORT.md").string() << ".\n";
  return md.str();
}

}  // namespace tinygpt::demo
