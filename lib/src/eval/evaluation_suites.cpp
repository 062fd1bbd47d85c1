// The suites of `tinygpt eval run` (evaluation_detail.h): what each measures on which kind
// of model, with the metrics of this module and the judge of the world.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "evaluation_detail.h"
#include "tinygpt/align/judged_answers.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/eval/classification.h"
#include "tinygpt/eval/significance.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/train/language_model_figures.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::eval::detail {

namespace {

using nlohmann::ordered_json;
using tune::percent;

// The first `limit` items (all when limit is 0).
template <typename Item>
std::vector<Item> first_items(std::vector<Item> items, std::int64_t limit) {
  if (limit > 0 && static_cast<std::size_t>(limit) < items.size()) {
    items.resize(static_cast<std::size_t>(limit));
  }
  return items;
}

// A paired comparison's cell: the difference in points, its interval and p-value.

// ---------------------------------------------------------------------------------------
// language_model: perplexity and bits per byte on the world's validation stories

SuiteOutput language_model_suite(const EvaluationConfig& config,
                                 const std::vector<const ModelEntry*>& models, std::ostream& log) {
  const data::Corpus corpus = data::load_world_corpus(config.data);
  TINYGPT_CHECK(!corpus.validation.empty(), "data: ", config.data.string(),
                " has no validation stories");
  SuiteOutput out;
  std::ostringstream table;
  table << "Mean loss per token on the world's validation stories (the records step 03 holds "
           "out), in consecutive windows of the model's context; bits per byte do not depend "
           "on the tokenizer.\n\n"
        << "| model | tokens | loss (nats) | perplexity | bits per byte |\n"
        << "|---|---:|---:|---:|---:|\n";
  for (const ModelEntry* entry : models) {
    models::PretrainedGpt pretrained = models::load_pretrained_gpt(entry->path);
    // Records in order, each followed by the end-of-text token when the tokenizer has one
    // (as step 03's token files), until lm_tokens tokens.
    std::vector<std::int32_t> tokens;
    std::int64_t bytes = 0;
    for (const std::string& record : corpus.validation) {
      if (static_cast<std::int64_t>(tokens.size()) >= config.lm_tokens) break;
      const std::vector<std::int32_t> ids = pretrained.tokenizer.encode(record);
      tokens.insert(tokens.end(), ids.begin(), ids.end());
      if (pretrained.end_of_text) tokens.push_back(*pretrained.end_of_text);
      bytes += static_cast<std::int64_t>(record.size());
    }
    const std::int64_t time = pretrained.model.config().context_length;
    const std::int64_t windows = (static_cast<std::int64_t>(tokens.size()) - 1) / time;
    TINYGPT_CHECK(windows >= 1, "model \"", entry->name, "\": the validation text has ",
                  tokens.size(), " tokens, fewer than one window of ", time + 1,
                  "; raise lm_tokens");
    Tape tape;
    const NoGradGuard no_grad(tape);
    double nats = 0.0;
    for (std::int64_t w = 0; w < windows; ++w) {
      const auto first = tokens.begin() + w * time;
      const std::vector<std::int32_t> inputs(first, first + time);
      const std::vector<std::int32_t> targets(first + 1, first + time + 1);
      tape.reset();
      const Tensor logits = pretrained.model.forward(tape, inputs, 1);
      nats += nn::softmax_cross_entropy(tape, logits, targets).item();
    }
    const double loss = nats / static_cast<double>(windows);
    const std::int64_t scored = windows * time;
    // Tokens per byte of the whole text read (the scored windows are all but its tail).
    const double bits = train::bits_per_byte(loss, static_cast<std::int64_t>(tokens.size()), bytes);
    log << "  " << entry->name << ": loss " << fixed(loss, 4) << " on " << scored << " tokens\n";
    table << "| " << entry->name << " | " << scored << " | " << fixed(loss, 4) << " | "
          << fixed(train::perplexity(loss), 2) << " | " << fixed(bits, 4) << " |\n";
    out.figures[entry->name] = {{"tokens", scored},
                                {"loss", loss},
                                {"perplexity", train::perplexity(loss)},
                                {"bits_per_byte", bits}};
  }
  out.markdown = table.str();
  return out;
}

// ---------------------------------------------------------------------------------------
// classification: the test reviews

SuiteOutput classification_suite(const EvaluationConfig& config,
                                 const std::vector<const ModelEntry*>& models, std::ostream& log) {
  const std::vector<tune::LabelledText> reviews = first_items(
      tune::load_reviews(config.data, tune::Split::kTest), config.examples_for("classification"));
  TINYGPT_CHECK(!reviews.empty(), "data: ", config.data.string(), " has no test reviews");
  std::vector<std::string> texts;
  for (const tune::LabelledText& review : reviews) texts.push_back(review.text);

  SuiteOutput out;
  std::ostringstream table;
  std::ostringstream matrices;
  std::vector<std::vector<double>> correct;  // per model, per review: 1 or 0
  std::vector<std::string> labels;
  table << "Sentiment of the " << reviews.size()
        << " test reviews against their labels; intervals are 95% bootstrap intervals over "
           "the reviews, and each model after the first is compared with the first on the "
           "same reviews (Koehn's paired bootstrap).\n\n"
        << "| model | accuracy % [95% CI] | macro P / R / F1 % | weighted F1 % | "
           "difference from "
        << models.front()->name << ", points [95% CI] |\n"
        << "|---|---:|---:|---:|---:|\n";
  for (const ModelEntry* entry : models) {
    tune::TextClassifier classifier(entry->path, entry->adapter);
    if (labels.empty()) labels = classifier.labels();
    TINYGPT_CHECK(classifier.labels() == labels, "model \"", entry->name,
                  "\" has other labels than \"", models.front()->name, "\"");
    std::vector<std::int32_t> gold;
    for (const tune::LabelledText& review : reviews) {
      gold.push_back(classifier.label_index(review.label));
    }
    const std::vector<std::int32_t> predicted = classifier.predict(texts);
    std::vector<std::int32_t> all_labels(labels.size());
    for (std::size_t k = 0; k < labels.size(); ++k) all_labels[k] = static_cast<std::int32_t>(k);
    const ConfusionMatrix matrix = confusion_matrix(predicted, gold, all_labels);
    const AveragedScores macro = average_scores(matrix, Average::kMacro);
    const AveragedScores weighted = average_scores(matrix, Average::kWeighted);
    correct.emplace_back();
    for (std::size_t i = 0; i < gold.size(); ++i) {
      correct.back().push_back(predicted[i] == gold[i] ? 1.0 : 0.0);
    }
    const tune::Interval accuracy_interval =
        tune::bootstrap_mean(correct.back(), 1000, config.seed);
    std::string difference = "";
    ordered_json figures = {{"accuracy", accuracy_interval.value},
                            {"accuracy_low", accuracy_interval.low},
                            {"accuracy_high", accuracy_interval.high},
                            {"macro_precision", macro.precision},
                            {"macro_recall", macro.recall},
                            {"macro_f1", macro.f1},
                            {"weighted_f1", weighted.f1},
                            {"labels", labels}};
    if (correct.size() > 1) {
      const PairedBootstrap test =
          paired_bootstrap(correct.back(), correct.front(), {.seed = config.seed});
      difference = difference_in_points(test);
      figures["difference_from_first"] = to_json(test);
    }
    ordered_json counts = ordered_json::array();
    matrices << "\n" << entry->name << " (rows: gold, columns: predicted)\n\n| |";
    for (const std::string& label : labels) matrices << " " << label << " |";
    matrices << "\n|---|";
    for (std::size_t k = 0; k < labels.size(); ++k) matrices << "---:|";
    matrices << "\n";
    for (std::size_t row = 0; row < labels.size(); ++row) {
      matrices << "| " << labels[row] << " |";
      ordered_json counts_row = ordered_json::array();
      for (std::size_t column = 0; column < labels.size(); ++column) {
        const std::int64_t count =
            matrix.counts(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(column));
        matrices << " " << count << " |";
        counts_row.push_back(count);
      }
      matrices << "\n";
      counts.push_back(counts_row);
    }
    figures["confusion_matrix"] = counts;
    log << "  " << entry->name << ": accuracy " << percent(accuracy_interval) << "%\n";
    table << "| " << entry->name << " | " << percent(accuracy_interval) << " | "
          << percent(macro.precision) << " / " << percent(macro.recall) << " / "
          << percent(macro.f1) << " | " << percent(weighted.f1) << " | "
          << (difference.empty() ? "(the reference)" : difference) << " |\n";
    out.figures[entry->name] = std::move(figures);
  }
  out.markdown = table.str() + "\nConfusion matrices:\n" + matrices.str();
  return out;
}

// ---------------------------------------------------------------------------------------
// answers: chat models asked the test questions, judged by the world's ground truth

SuiteOutput answers_suite(const EvaluationConfig& config,
                          const std::vector<const ModelEntry*>& models, std::ostream& log) {
  const std::vector<tune::PreferencePair> questions = first_items(
      tune::load_preferences(config.data, tune::Split::kTest), config.examples_for("answers"));
  TINYGPT_CHECK(!questions.empty(), "data: ", config.data.string(), " has no test questions");
  const data::Judge judge(data::load_world(config.data));
  const models::GenerateOptions greedy{.max_new_tokens = config.answer_tokens,
                                       .sampling = {.temperature = 0.0f}};
  SuiteOutput out;
  std::ostringstream table;
  table << "Greedy answers to " << questions.size()
        << " test questions about the world, judged by its catalogue: gold score 1 for the "
           "right value said politely, 0.5 rudely, 0 for a wrong value or none. Each model "
           "after the first is compared with the first on the same questions.\n\n"
        << "| model | gold score % [95% CI] | correct % | polite % | difference from "
        << models.front()->name << ", points [95% CI] |\n|---|---:|---:|---:|---:|\n";
  std::vector<double> first_scores;
  std::ostringstream examples;
  for (const ModelEntry* entry : models) {
    models::PretrainedGpt chat = models::load_pretrained_gpt(entry->path);
    TINYGPT_CHECK(chat.chat.has_value(), "model \"", entry->name, "\" has no chat markers");
    const std::vector<align::JudgedAnswer> answers =
        align::judged_answers(chat.model, chat.tokenizer, *chat.chat, questions, judge, greedy);
    std::vector<double> scores;
    for (const align::JudgedAnswer& answer : answers) scores.push_back(answer.score);
    const tune::Interval mean = tune::bootstrap_mean(scores, 1000, config.seed);
    const auto [correct, polite] = align::correct_and_polite(answers);
    ordered_json figures = {{"gold_score", mean.value},
                            {"gold_score_low", mean.low},
                            {"gold_score_high", mean.high},
                            {"correct", correct},
                            {"polite", polite}};
    std::string difference = "(the reference)";
    if (first_scores.empty()) {
      first_scores = scores;
    } else {
      const PairedBootstrap test = paired_bootstrap(scores, first_scores, {.seed = config.seed});
      difference = difference_in_points(test);
      figures["difference_from_first"] = to_json(test);
    }
    log << "  " << entry->name << ": gold score " << percent(mean) << "%\n";
    table << "| " << entry->name << " | " << percent(mean) << " | " << percent(correct) << " | "
          << percent(polite) << " | " << difference << " |\n";
    examples << "- " << entry->name << ": \"" << questions.front().prompt << "\" -> \""
             << answers.front().answer << "\" ("
             << data::correctness_name(answers.front().verdict.correctness) << ")\n";
    out.figures[entry->name] = std::move(figures);
  }
  out.markdown = table.str() + "\nThe first question's answers:\n\n" + examples.str();
  return out;
}

}  // namespace

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string file_slug(std::string_view name) {
  std::string slug;
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (keep) {
      slug += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "model" : slug;
}

const std::vector<Suite>& suites() {
  static const std::vector<Suite> all = {
      {{"language_model", ModelKind::kLanguageModel,
        "perplexity and bits per byte on the world's validation stories"},
       language_model_suite,
       {"stories.txt"}},
      {{"classification", ModelKind::kClassifier,
        "accuracy, precision, recall, F1 and the confusion matrix on the test reviews"},
       classification_suite,
       {"reviews.jsonl"}},
      {{"answers", ModelKind::kChat,
        "answers to test questions about the world, judged by its catalogue"},
       answers_suite,
       {"preferences.jsonl", "catalogue.json"}},
      {{"robustness", ModelKind::kClassifier,
        "accuracy on the test reviews under perturbations of growing severity"},
       robustness_suite,
       {"reviews.jsonl", "catalogue.json"}},
      {{"attack", ModelKind::kClassifier,
        "a greedy word-substitution attack (synonyms and typos) on the test reviews"},
       attack_suite,
       {"reviews.jsonl"}},
      {{"fairness", ModelKind::kClassifier,
        "counterfactual probes: names and pronouns swapped, predictions compared by group"},
       fairness_suite,
       {"reviews.jsonl", "catalogue.json"}},
      {{"lm_fairness", ModelKind::kLanguageModel,
        "sentiment and occupation log-probabilities of the naming groups and pronouns"},
       lm_fairness_suite,
       {"catalogue.json"}},
  };
  return all;
}

}  // namespace tinygpt::eval::detail
