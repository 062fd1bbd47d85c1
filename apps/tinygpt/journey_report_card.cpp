#include "journey_report_card.h"

#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "tinygpt/core/files.h"
#include "tinygpt/eval/significance.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::cli {

namespace {

using nlohmann::ordered_json;
using tune::percent;

ordered_json read_json(const std::filesystem::path& file) {
  return ordered_json::parse(read_file(file));
}

// A report.json share with its interval, stored as VALUE, VALUE_low and VALUE_high.
tune::Interval interval_of(const ordered_json& group, const std::string& value) {
  return {group.at(value).get<double>(), group.at(value + "_low").get<double>(),
          group.at(value + "_high").get<double>()};
}

// The table head every step's table shares.
void table(std::ostringstream& md, std::string_view title) {
  md << "\n### " << title << "\n\n| measure | value |\n|---|---:|\n";
}

void basics(std::ostringstream& md, const JourneyFigures& figures) {
  table(md, "Step 01: basics");
  md << "| spiral classifier (two layers, SGD): accuracy % on fresh points | "
     << percent(figures.spiral.validation_accuracy) << " |\n"
     << "| bigram on Debian's fortunes: validation loss, nats per token (count-based optimum) | "
     << std::setprecision(3) << figures.text.bigram.validation_loss << " ("
     << figures.text.count_bigram_loss << ") |\n";
}

void transformer(std::ostringstream& md, const JourneyFigures& figures) {
  const models::ModelConfig& model = figures.pretraining_options.model;
  table(md, "Step 02: the transformer");
  md << "| the GPT every later step builds on | " << model.layers << " layers, " << model.heads
     << " heads, width " << model.width << ", context " << model.context_length << " |\n"
     << "| parameters | " << figures.pretraining.parameters << " |\n";
}

void pretraining(std::ostringstream& md, const JourneyFigures& figures) {
  const demo::JourneyResult& result = figures.pretraining;
  table(md, "Step 03: pre-training");
  md << std::setprecision(3) << "| validation loss, nats per token: bigram -> GPT | "
     << result.bigram.loss << " -> " << result.gpt.loss << " |\n"
     << std::setprecision(2) << "| perplexity: bigram -> GPT | " << result.bigram.perplexity
     << " -> " << result.gpt.perplexity << " |\n"
     << std::setprecision(0) << "| training steps (tokens per second) | " << result.steps_done
     << (result.stopped_by_time_limit ? ", stopped by the time limit" : "") << " ("
     << result.tokens_per_second << ") |\n";
}

void finetuning(std::ostringstream& md, const JourneyFigures& figures) {
  const demo::FinetuneJourneyResult& result = figures.finetuning;
  const ordered_json classify = read_json(result.classify.report);
  const ordered_json lora = read_json(result.lora.report);
  const ordered_json& all = classify.at("groups").at("all");
  // Exact match on the skills instruction tuning trained on, before and after.
  double before = 0.0;
  double after = 0.0;
  int trained = 0;
  const ordered_json instruct = read_json(result.instruct.report);
  for (const auto& [skill, figures_of] : instruct.at("skills").items()) {
    if (figures_of.at("held_out").get<bool>()) continue;
    before += figures_of.at("before").get<double>();
    after += figures_of.at("after").get<double>();
    ++trained;
  }
  table(md, "Step 04: fine-tuning");
  md << "| sentiment accuracy % on " << all.at("examples").get<std::int64_t>()
     << " test reviews: keyword baseline -> fine-tuned GPT [95% CI] | "
     << percent(all.at("keyword_accuracy").get<double>()) << " -> "
     << percent(interval_of(all, "accuracy")) << " |\n"
     << "| the same with LoRA (rank 8, " << lora.at("trainable_parameters").get<std::int64_t>()
     << " trainable parameters) | " << percent(interval_of(lora.at("groups").at("all"), "accuracy"))
     << " |\n";
  if (trained > 0) {
    md << "| instruction following: exact match % on the " << trained
       << " trained skills, before -> after | " << percent(before / trained) << " -> "
       << percent(after / trained) << " |\n";
  }
}

void alignment(std::ostringstream& md, const JourneyFigures& figures) {
  const ordered_json dpo = read_json(figures.alignment.dpo.report);
  const ordered_json& judged = dpo.at("judged");
  table(md, "Step 05: alignment");
  md << "| DPO: test pairs whose chosen answer it prefers % [95% CI] | "
     << percent(interval_of(dpo.at("pairs").at("all"), "accuracy")) << " |\n"
     << "| win rate over the chat model by the world's judge % [95% CI] | "
     << percent(interval_of(judged, "win_rate")) << " |\n"
     << "| KL to the chat model, nats per answer | " << std::setprecision(3)
     << judged.at("kl").get<double>() << " |\n";
}

void evaluation(std::ostringstream& md, const JourneyFigures& figures) {
  const ordered_json& rag = figures.evaluation.hallucination.figures.at("groups");
  const auto share = [&rag](const char* group, const char* condition, const char* outcome) {
    return percent(rag.at(group).at(condition).at(outcome).at("value").get<double>());
  };
  const ordered_json& attack =
      figures.evaluation.report.figures.at("suites").at("attack").at("classifier (step 04)");
  table(md, "Step 06: evaluation");
  md << "| held-out facts: hallucinated answers %, closed book -> RAG -> RAG with abstention | "
     << share("held_out", "closed_book", "wrong") << " -> " << share("held_out", "rag", "wrong")
     << " -> " << share("held_out", "rag_abstain", "wrong") << " |\n"
     << "| seen facts: correct answers %, closed book -> RAG | "
     << share("seen", "closed_book", "correct") << " -> " << share("seen", "rag", "correct")
     << " |\n"
     << "| the sentiment classifier under a word-substitution attack: success % | "
     << percent(attack.at("success_rate").get<double>()) << " |\n";
}

void deployment(std::ostringstream& md, const JourneyFigures& figures) {
  const demo::DeploymentJourneyResult& result = figures.deployment;
  table(md, "Step 07: deployment");
  md << std::setprecision(1) << "| time to the first token through the API, ms | "
     << result.first_token_ms << " |\n"
     << std::setprecision(0) << "| decode, generated tokens per second, 1 client | "
     << result.one_client_tokens_per_second << " |\n"
     << "| load test, tokens per second with " << result.clients
     << " clients at once (x 1 client) | " << result.many_clients_tokens_per_second << " (x"
     << std::setprecision(2)
     << result.many_clients_tokens_per_second / result.one_client_tokens_per_second << ") |\n";
}

}  // namespace

std::string course_report_card(const JourneyFigures& figures) {
  std::ostringstream md;
  md << std::fixed;
  md << "# The course's report card\n\n"
     << "The headline figures of every step, measured by this journey on this machine: the "
        "sections below give each step's tables, intervals and commands.\n";
  basics(md, figures);
  transformer(md, figures);
  pretraining(md, figures);
  finetuning(md, figures);
  alignment(md, figures);
  evaluation(md, figures);
  deployment(md, figures);
  return md.str();
}

void put_report_card_first(const std::filesystem::path& report, const std::string& card) {
  write_file_atomically(report, card + "\n" + read_file(report));
}

}  // namespace tinygpt::cli
