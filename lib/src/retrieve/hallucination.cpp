// The hallucination experiment: closed-book answers against retrieval-augmented ones on
// held-out and seen facts (retrieve/hallucination.h).
#include "tinygpt/retrieve/hallucination.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/eval/significance.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/retrieve/world_retrieval.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::retrieve {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

// What a model says when retrieval finds nothing good enough: a value-free answer, so the
// judge files it as an abstention.
constexpr std::string_view kAbstention = "I don't know.";

// One question with what retrieval found for it.
struct Asked {
  Question question;
  Retrieved retrieved;
  bool held_out = false;
};

// The first `limit` questions of a split (0: all), held-out or seen, with their passages.
std::vector<Asked> ask(const std::vector<Question>& questions, tune::Split split, bool held_out,
                       std::int64_t limit, const Bm25Index& index, const RagOptions& options) {
  std::vector<Asked> asked;
  for (const Question& question : questions) {
    if (limit > 0 && static_cast<std::int64_t>(asked.size()) >= limit) break;
    if (question.held_out != held_out || tune::split_of(question.id) != split) continue;
    asked.push_back({question, retrieve_passages(index, question.text, options), held_out});
  }
  return asked;
}

// A chat model folder, checked to have the chat markers.
models::PretrainedGpt load_chat_model(const fs::path& folder, const char* option) {
  models::PretrainedGpt model = models::load_pretrained_gpt(folder);
  TINYGPT_CHECK(model.chat.has_value(), option, " ", folder.string(),
                " has no chat markers: give an instruction-tuned model (`tinygpt finetune "
                "--task instruct`)");
  return model;
}

// Greedy answers of a model to the questions, closed book or with their passages.
std::vector<std::string> answers_of(models::PretrainedGpt& model, std::span<const Asked> asked,
                                    bool with_passages, std::int64_t max_new_tokens) {
  std::vector<std::vector<text::ChatTurn>> conversations;
  for (const Asked& item : asked) {
    const std::string request =
        with_passages ? rag_request(item.question.text, item.retrieved.texts) : item.question.text;
    conversations.push_back({{"user", request}});
  }
  const models::GenerateOptions greedy{.max_new_tokens = max_new_tokens,
                                       .sampling = {.temperature = 0.0f}};
  return tune::answer_questions(model.model, model.tokenizer, *model.chat, conversations, greedy);
}

// One way of answering, and its answers to every asked question.
struct Condition {
  std::string key;    // in figures.json
  std::string label;  // in the report
  std::vector<std::string> answers;
  std::vector<data::Verdict> verdicts;
  std::vector<Outcome> outcomes;
};

void judge_condition(Condition& condition, std::span<const Asked> asked, const data::Judge& judge) {
  for (std::size_t i = 0; i < asked.size(); ++i) {
    data::Verdict verdict = judge.judge(asked[i].question.text, condition.answers[i]);
    TINYGPT_CHECK(verdict.correctness != data::Correctness::kUnknown, "question ",
                  asked[i].question.id, " (\"", asked[i].question.text,
                  "\") asks about no single fact of the world's catalogue");
    condition.outcomes.push_back(outcome_of(verdict.correctness));
    condition.verdicts.push_back(std::move(verdict));
  }
}

// The outcomes of the asked questions of one group, in order.
std::vector<Outcome> group_outcomes(const Condition& condition, std::span<const Asked> asked,
                                    bool held_out) {
  std::vector<Outcome> outcomes;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    if (asked[i].held_out == held_out) outcomes.push_back(condition.outcomes[i]);
  }
  return outcomes;
}

ordered_json to_json(const AnswerRates& rates) {
  return {{"questions", rates.questions},
          {"correct", eval::to_json(rates.correct)},
          {"wrong", eval::to_json(rates.wrong)},
          {"abstained", eval::to_json(rates.abstained)}};
}

// The paired test of the wrong-value rate of one condition against another on one group.
eval::PairedBootstrap wrong_rate_test(const Condition& a, const Condition& b,
                                      std::span<const Asked> asked, bool held_out,
                                      std::uint64_t seed) {
  std::vector<double> wrong_a;
  std::vector<double> wrong_b;
  for (const Outcome& outcome : group_outcomes(a, asked, held_out))
    wrong_a.push_back(outcome.wrong);
  for (const Outcome& outcome : group_outcomes(b, asked, held_out))
    wrong_b.push_back(outcome.wrong);
  return eval::paired_bootstrap(wrong_a, wrong_b, {.seed = seed});
}

}  // namespace

Outcome outcome_of(data::Correctness correctness) {
  switch (correctness) {
    case data::Correctness::kCorrect:
      return {.correct = 1.0};
    case data::Correctness::kWrong:
      return {.wrong = 1.0};
    case data::Correctness::kAbstains:
      return {.abstained = 1.0};
    case data::Correctness::kUnknown:
      break;
  }
  throw Error("outcome_of: the answer's question asks about no single fact");
}

AnswerRates answer_rates(std::span<const Outcome> outcomes, std::uint64_t seed) {
  TINYGPT_CHECK(!outcomes.empty(), "answer_rates: no answers");
  std::vector<double> correct;
  std::vector<double> wrong;
  std::vector<double> abstained;
  for (const Outcome& outcome : outcomes) {
    correct.push_back(outcome.correct);
    wrong.push_back(outcome.wrong);
    abstained.push_back(outcome.abstained);
  }
  return {.questions = static_cast<std::int64_t>(outcomes.size()),
          .correct = tune::bootstrap_mean(correct, 1000, seed),
          .wrong = tune::bootstrap_mean(wrong, 1000, seed),
          .abstained = tune::bootstrap_mean(abstained, 1000, seed)};
}

double choose_abstention_threshold(std::span<const double> top_scores,
                                   std::span<const Outcome> outcomes) {
  TINYGPT_CHECK(top_scores.size() == outcomes.size(),
                "choose_abstention_threshold: ", top_scores.size(), " scores but ", outcomes.size(),
                " outcomes");
  std::vector<double> cuts(top_scores.begin(), top_scores.end());
  cuts.push_back(0.0);
  std::sort(cuts.begin(), cuts.end());
  // Just past the largest score: abstain on every question.
  cuts.push_back(std::nextafter(cuts.back(), std::numeric_limits<double>::infinity()));
  double best_cut = 0.0;
  double best_gain = -1e300;
  for (const double cut : cuts) {
    double gain = 0.0;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      if (top_scores[i] >= cut) gain += outcomes[i].correct - outcomes[i].wrong;
    }
    if (gain > best_gain) {  // strictly better: the smallest cut wins ties
      best_gain = gain;
      best_cut = cut;
    }
  }
  return best_cut;
}

HallucinationReport run_hallucination(const HallucinationConfig& config, std::ostream& log) {
  const fs::path inputs[] = {config.chat, config.rag_model, config.data};
  eval::check_report_folder(config.out, inputs);
  TINYGPT_CHECK(!fs::exists(config.out) || fs::is_empty(config.out), "--out ", config.out.string(),
                " is not empty; give a new folder for the report");
  TINYGPT_CHECK(config.questions >= 0 && config.dev_questions >= 0,
                "--questions and --dev-questions must be 0 (all) or more");
  TINYGPT_CHECK(config.max_new_tokens >= 1, "--max-new-tokens must be at least 1, got ",
                config.max_new_tokens);

  const Bm25Index index(read_world_passages(config.data));
  const std::vector<Question> questions = read_world_questions(config.data);
  const data::Judge judge(data::load_world(config.data));
  std::vector<Asked> asked =
      ask(questions, tune::Split::kTest, true, config.questions, index, config.rag);
  const std::size_t held_out_count = asked.size();
  TINYGPT_CHECK(held_out_count > 0, (config.data / "qa.jsonl").string(),
                " has no test question about a held-out fact");
  for (Asked& item :
       ask(questions, tune::Split::kTest, false, config.questions, index, config.rag)) {
    asked.push_back(std::move(item));
  }
  TINYGPT_CHECK(asked.size() > held_out_count, (config.data / "qa.jsonl").string(),
                " has no test question about a seen fact");
  std::vector<Asked> dev =
      ask(questions, tune::Split::kDev, true, config.dev_questions, index, config.rag);
  for (Asked& item :
       ask(questions, tune::Split::kDev, false, config.dev_questions, index, config.rag)) {
    dev.push_back(std::move(item));
  }
  TINYGPT_CHECK(!dev.empty(), (config.data / "qa.jsonl").string(), " has no dev question");

  log << "  " << held_out_count << " test questions about held-out facts, "
      << asked.size() - held_out_count << " about seen facts; " << dev.size()
      << " dev questions choose the abstention threshold\n";
  models::PretrainedGpt chat = load_chat_model(config.chat, "--chat");
  std::vector<Condition> conditions;
  conditions.push_back({"closed_book",
                        "closed book (the question alone)",
                        answers_of(chat, asked, false, config.max_new_tokens),
                        {},
                        {}});
  conditions.push_back({"rag_untaught",
                        "RAG, the chat model never taught the format",
                        answers_of(chat, asked, true, config.max_new_tokens),
                        {},
                        {}});
  // The abstaining system is the best RAG model there is: the tuned one when given.
  std::optional<models::PretrainedGpt> tuned;
  if (!config.rag_model.empty()) {
    tuned.emplace(load_chat_model(config.rag_model, "--rag-model"));
    conditions.push_back({"rag",
                          "RAG, the model tuned on the format",
                          answers_of(*tuned, asked, true, config.max_new_tokens),
                          {},
                          {}});
  }
  models::PretrainedGpt& reader = tuned ? *tuned : chat;
  for (Condition& condition : conditions) judge_condition(condition, asked, judge);

  // The threshold, from the reader's RAG answers to the dev questions.
  Condition dev_answers{"dev", "dev", answers_of(reader, dev, true, config.max_new_tokens), {}, {}};
  judge_condition(dev_answers, dev, judge);
  std::vector<double> dev_scores;
  for (const Asked& item : dev) dev_scores.push_back(item.retrieved.top_score);
  const double threshold = choose_abstention_threshold(dev_scores, dev_answers.outcomes);
  Condition abstaining{"rag_abstain",
                       "RAG + abstention (\"I don't know.\" below the threshold)",
                       conditions.back().answers,
                       {},
                       {}};
  std::int64_t abstained_by_rule = 0;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    if (asked[i].retrieved.top_score < threshold) {
      abstaining.answers[i] = kAbstention;
      ++abstained_by_rule;
    }
  }
  judge_condition(abstaining, asked, judge);
  conditions.push_back(std::move(abstaining));
  const Condition& closed_book = conditions.front();
  const Condition& best_rag = conditions[conditions.size() - 2];

  ordered_json figures;
  figures["passages"] = config.rag.passages;
  figures["bm25"] = {{"k1", config.rag.bm25.k1}, {"b", config.rag.bm25.b}};
  figures["threshold"] = threshold;
  figures["dev_questions"] = dev.size();
  figures["abstained_by_threshold"] = abstained_by_rule;
  std::ostringstream table;
  table << "| facts | answered by | correct % [95% CI] | wrong value (hallucinated) % [95% CI] "
           "| no value % [95% CI] |\n|---|---|---:|---:|---:|\n";
  std::vector<svg::BarCategory> chart;
  for (const bool held_out : {true, false}) {
    const char* group = held_out ? "held_out" : "seen";
    ordered_json& by_condition = figures["groups"][group];
    for (const Condition& condition : conditions) {
      const AnswerRates rates =
          answer_rates(group_outcomes(condition, asked, held_out), config.seed);
      by_condition[condition.key] = to_json(rates);
      table << "| " << (held_out ? "held out" : "seen") << " (" << rates.questions << ") | "
            << condition.label << " | " << tune::percent(rates.correct) << " | "
            << tune::percent(rates.wrong) << " | " << tune::percent(rates.abstained) << " |\n";
      svg::BarCategory category{(held_out ? "held out: " : "seen: ") + condition.key, {}};
      for (const auto& [name, interval] : {std::pair{"correct", rates.correct},
                                           {"wrong", rates.wrong},
                                           {"no value", rates.abstained}}) {
        category.bars.push_back(
            {name, 100.0 * interval.value, 100.0 * interval.low, 100.0 * interval.high});
      }
      chart.push_back(std::move(category));
    }
  }
  const eval::PairedBootstrap rag_test =
      wrong_rate_test(closed_book, best_rag, asked, true, config.seed);
  const eval::PairedBootstrap abstain_test =
      wrong_rate_test(closed_book, conditions.back(), asked, true, config.seed);
  figures["held_out_wrong_closed_book_minus_rag"] = eval::to_json(rag_test);
  figures["held_out_wrong_closed_book_minus_rag_abstain"] = eval::to_json(abstain_test);

  std::ostringstream md;
  md << "# Hallucination: closed book against retrieval\n\n"
     << "Greedy answers to test questions about held-out facts (in no training text) and "
        "seen facts, judged by the world's catalogue. RAG prompts hold the top "
     << config.rag.passages << " BM25 passages (k1 " << config.rag.bm25.k1 << ", b "
     << config.rag.bm25.b << ") of every fact's sentence. The abstention threshold, chosen on "
     << dev.size() << " dev questions, is a best BM25 score of " << std::fixed
     << std::setprecision(3) << threshold << " (" << abstained_by_rule << " of " << asked.size()
     << " test questions fall below it).\n\n"
     << table.str() << "\nHeld-out wrong-value rate, closed book minus " << best_rag.key
     << ", points [95% CI]: " << eval::difference_in_points(rag_test)
     << "\n\nHeld-out wrong-value rate, closed book minus rag_abstain, points [95% CI]: "
     << eval::difference_in_points(abstain_test) << "\n\nModels: chat " << config.chat.string();
  if (!config.rag_model.empty()) md << ", RAG-tuned " << config.rag_model.string();
  md << "; world " << config.data.string() << ".\n";

  std::string answers;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    ordered_json record;
    record["id"] = asked[i].question.id;
    record["facts"] = asked[i].held_out ? "held_out" : "seen";
    record["question"] = asked[i].question.text;
    record["fact"] = asked[i].question.relevant;
    record["top_score"] = asked[i].retrieved.top_score;
    ordered_json& passages = record["passages"] = ordered_json::array();
    for (const Hit& hit : asked[i].retrieved.hits) {
      passages.push_back(index.passages()[static_cast<std::size_t>(hit.passage)].id);
    }
    for (const Condition& condition : conditions) {
      record[condition.key] = {
          {"answer", condition.answers[i]},
          {"verdict", data::correctness_name(condition.verdicts[i].correctness)}};
    }
    answers += record.dump() + "\n";
  }
  write_file_atomically(config.out / "answers.jsonl", answers);
  write_file_atomically(config.out / "figures.json", figures.dump(2) + "\n");
  write_file_atomically(config.out / "hallucination.svg",
                        svg::bar_chart(chart, {.title = "Answers about held-out and seen facts",
                                               .y_label = "% of answers",
                                               .width = 1100,
                                               .height = 460}));
  write_file_atomically(config.out / "REPORT.md", md.str());
  return {std::move(figures), md.str(), config.out};
}

}  // namespace tinygpt::retrieve
