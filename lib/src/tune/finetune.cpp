// Fine-tuning runs (tune/finetune.h): the two tasks as objectives of the training loop,
// the methods as which parameters train, and the test-split report at the end.
#include "tinygpt/tune/finetune.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/tune/classifier.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune {

namespace {

namespace fs = std::filesystem;

// The longest answer generated for the report (the longest reference, a summary, is ~30).
constexpr std::int64_t kReportedAnswerLength = 64;

// Training example e of step s: drawn with replacement, a pure function of the key.
std::size_t draw_example(const data::BatchKey& key, std::int64_t row, std::size_t count) {
  CounterRng rng(key.seed, RngStream::kData, key.step,
                 static_cast<std::uint64_t>(key.first_example + row));
  return rng.below(static_cast<std::uint32_t>(count));
}

// Which parameters a method trains.
bool method_trains(const FinetuneConfig& config, std::int64_t layers, const std::string& name) {
  if (config.method == "full") return true;
  if (name.starts_with("head.")) return true;
  if (config.method == "head") return false;
  if (name.starts_with("ln_f.")) return true;  // top_k_blocks: the top blocks and ln_f
  for (std::int64_t l = layers - config.top_k; l < layers; ++l) {
    if (name.starts_with("h." + std::to_string(l) + ".")) return true;
  }
  return false;
}

models::PretrainedGpt load_model(const FinetuneConfig& config) {
  models::PretrainedGpt pretrained = models::load_pretrained_gpt(config.model);
  if (config.from_scratch) pretrained.model.init(config.seed);
  return pretrained;
}

std::vector<double> as_scores(std::span<const std::int32_t> predicted,
                              std::span<const std::int32_t> gold) {
  std::vector<double> scores;
  for (std::size_t i = 0; i < gold.size(); ++i) scores.push_back(predicted[i] == gold[i] ? 1 : 0);
  return scores;
}

std::string percent(double share) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << 100.0 * share;
  return out.str();
}

std::string percent(const Interval& interval) {
  return percent(interval.value) + " [" + percent(interval.low) + ", " + percent(interval.high) +
         "]";
}

// ---------------------------------------------------------------------------------------
// classify: a head on the GPT's last token, trained on reviews.

class ClassifyObjective final : public train::Objective {
 public:
  ClassifyObjective(const FinetuneConfig& config, models::PretrainedGpt& pretrained)
      : config_(config), pretrained_(pretrained) {
    std::vector<LabelledText> train = load_reviews(config.data, Split::kTrain);
    if (config.train_examples > 0 &&
        static_cast<std::size_t>(config.train_examples) < train.size()) {
      train.resize(static_cast<std::size_t>(config.train_examples));
    }
    TINYGPT_CHECK(!train.empty(), "--data ", config.data.string(), ": no training reviews");
    head_ = {"classification", label_set(train), "last"};
    if (pretrained.head) {
      TINYGPT_CHECK(pretrained.head->labels == head_.labels && pretrained.head->task == head_.task,
                    "--model ", config.model.string(), " already has a ", pretrained.head->task,
                    " head with other labels than the data's");
    } else {
      models::add_head_parameters(pretrained.model.parameters(), pretrained.model.config().width,
                                  head_, config.seed);
    }
    train_ = encode(train);
    dev_ = encode(load_reviews(config.data, Split::kDev));
    TINYGPT_CHECK(!dev_.sequences.empty(), "--data ", config.data.string(), ": no dev reviews");
  }

  const models::TaskHead& head() const { return head_; }

  ParameterSet& parameters() override { return pretrained_.model.parameters(); }
  bool trains(const Parameter& parameter) const override {
    return method_trains(config_, pretrained_.model.config().layers, parameter.name);
  }
  train::DataSize data_size() const override {
    return {static_cast<std::int64_t>(train_.sequences.size()), config_.batch, "reviews",
            config_.batch * train_.mean_length};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    for (std::int64_t row = 0; row < key.batch; ++row) {
      const std::size_t e = draw_example(key, row, train_.sequences.size());
      sequences.push_back(train_.sequences[e]);
      labels.push_back(train_.labels[e]);
    }
    batch_ = pad_batch(sequences, labels, context());
    return nn::softmax_cross_entropy(
        tape, classifier_logits(tape, pretrained_.model, batch_, head_.pooling, options),
        batch_.labels);
  }

  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::size_t e = static_cast<std::size_t>(first + row) % dev_.sequences.size();
      sequences.push_back(dev_.sequences[e]);
      labels.push_back(dev_.labels[e]);
    }
    batch_ = pad_batch(sequences, labels, context());
    const Tensor logits = classifier_logits(tape, pretrained_.model, batch_, head_.pooling);
    std::vector<std::int32_t> predicted;
    for (Eigen::Index row = 0; row < logits.matrix().rows(); ++row) {
      Eigen::Index best = 0;
      logits.matrix().row(row).maxCoeff(&best);
      predicted.push_back(static_cast<std::int32_t>(best));
    }
    return {{"loss", nn::softmax_cross_entropy(tape, logits, batch_.labels).item()},
            {"accuracy", accuracy(predicted, batch_.labels)}};
  }

  void save_model(const fs::path& folder) override {
    models::save_model_folder(folder, pretrained_.model.config(), pretrained_.model.parameters(),
                              pretrained_.tokenizer, head_, pretrained_.chat);
  }

 private:
  struct Encoded {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    std::int64_t mean_length = 0;
  };

  std::int64_t context() const {
    return config_.context > 0 ? config_.context : pretrained_.model.config().context_length;
  }

  Encoded encode(const std::vector<LabelledText>& examples) const {
    Encoded out;
    std::int64_t tokens = 0;
    for (const LabelledText& example : examples) {
      const auto label = std::find(head_.labels.begin(), head_.labels.end(), example.label);
      TINYGPT_CHECK(label != head_.labels.end(), example.id, ": label \"", example.label,
                    "\" is not among the training labels");
      out.sequences.push_back(pretrained_.tokenizer.encode(example.text));
      out.labels.push_back(static_cast<std::int32_t>(label - head_.labels.begin()));
      tokens += static_cast<std::int64_t>(out.sequences.back().size());
    }
    out.mean_length = examples.empty() ? 0 : tokens / static_cast<std::int64_t>(examples.size());
    return out;
  }

  const FinetuneConfig& config_;
  models::PretrainedGpt& pretrained_;
  models::TaskHead head_;
  Encoded train_;
  Encoded dev_;
  TextBatch batch_;  // kept until the next batch: the tape's views point into it
};

// The test split: the classifier against the keyword baseline, overall and per construction.
std::string classify_report(const FinetuneConfig& config, models::PretrainedGpt& pretrained,
                            const models::TaskHead& head, nlohmann::ordered_json& report) {
  const std::vector<LabelledText> test = load_reviews(config.data, Split::kTest);
  std::vector<std::string> texts;
  std::vector<std::int32_t> gold;
  std::vector<std::int32_t> keyword;
  const auto index_of = [&head](std::string_view label) {
    const auto found = std::find(head.labels.begin(), head.labels.end(), label);
    return found == head.labels.end() ? -1 : static_cast<std::int32_t>(found - head.labels.begin());
  };
  for (const LabelledText& example : test) {
    texts.push_back(example.text);
    gold.push_back(index_of(example.label));
    keyword.push_back(index_of(data::sentiment_name(data::keyword_sentiment(example.text))));
  }
  const std::vector<std::int32_t> predicted =
      classify(pretrained.model, pretrained.tokenizer, texts, head.pooling);
  const auto labels = static_cast<std::int32_t>(head.labels.size());
  std::ostringstream table;
  table << "| reviews (test) | n | model accuracy % [95% CI] | keyword accuracy % | model - "
           "keyword, points [95% CI] | model macro F1 |\n"
        << "|---|---:|---:|---:|---:|---:|\n";
  std::vector<std::string> groups = {"all"};
  for (const LabelledText& example : test) {
    if (std::find(groups.begin(), groups.end(), example.group) == groups.end())
      groups.push_back(example.group);
  }
  std::sort(groups.begin() + 1, groups.end());
  for (const std::string& group : groups) {
    std::vector<std::int32_t> p, g, k;
    for (std::size_t i = 0; i < test.size(); ++i) {
      if (group != "all" && test[i].group != group) continue;
      p.push_back(predicted[i]);
      g.push_back(gold[i]);
      k.push_back(keyword[i]);
    }
    const Interval model = bootstrap_mean(as_scores(p, g));
    const Interval difference = paired_bootstrap(as_scores(p, g), as_scores(k, g));
    const double f1 = macro_f1(p, g, labels);
    table << "| " << group << " | " << g.size() << " | " << percent(model) << " | "
          << percent(accuracy(k, g)) << " | " << percent(difference) << " | " << percent(f1)
          << " |\n";
    report["groups"][group] = {{"examples", g.size()},
                               {"accuracy", model.value},
                               {"accuracy_low", model.low},
                               {"accuracy_high", model.high},
                               {"macro_f1", f1},
                               {"keyword_accuracy", accuracy(k, g)},
                               {"difference", difference.value},
                               {"difference_low", difference.low},
                               {"difference_high", difference.high}};
  }
  return table.str();
}

// ---------------------------------------------------------------------------------------
// instruct: the chat markers added, the loss on the assistant's tokens.

std::vector<ChatExample> instruct_examples(const FinetuneConfig& config, Split split) {
  std::vector<ChatExample> examples;
  for (ChatExample& example : load_instructions(config.data, split)) {
    if (example.skill != config.hold_out_skill) examples.push_back(std::move(example));
  }
  if (fs::is_regular_file(config.data / "dialogues.jsonl")) {
    for (ChatExample& example : load_dialogues(config.data, split))
      examples.push_back(std::move(example));
  }
  return examples;
}

// Adds the chat markers to the tokenizer and, when they need new ids, rows to the model.
void add_chat_markers(models::PretrainedGpt& pretrained) {
  if (!pretrained.chat) pretrained.chat = text::ChatTemplate{};
  pretrained.tokenizer = pretrained.tokenizer.with_specials(pretrained.chat->markers());
  if (pretrained.tokenizer.vocab_size() > pretrained.model.config().vocab_size) {
    pretrained.model = grow_vocabulary(pretrained.model, pretrained.tokenizer.vocab_size());
  }
}

class InstructObjective final : public train::Objective {
 public:
  InstructObjective(const FinetuneConfig& config, models::PretrainedGpt& pretrained)
      : config_(config), pretrained_(pretrained) {
    std::vector<ChatExample> train = instruct_examples(config, Split::kTrain);
    if (config.train_examples > 0 &&
        static_cast<std::size_t>(config.train_examples) < train.size()) {
      train.resize(static_cast<std::size_t>(config.train_examples));
    }
    TINYGPT_CHECK(!train.empty(), "--data ", config.data.string(), ": no training conversations");
    train_ = encode(train);
    dev_ = encode(instruct_examples(config, Split::kDev));
    TINYGPT_CHECK(!dev_.empty(), "--data ", config.data.string(), ": no dev conversations");
  }

  ParameterSet& parameters() override { return pretrained_.model.parameters(); }
  bool trains(const Parameter& parameter) const override {
    return method_trains(config_, pretrained_.model.config().layers, parameter.name);
  }
  train::DataSize data_size() const override {
    std::int64_t tokens = 0;
    for (const text::ChatTokens& conversation : train_)
      tokens += static_cast<std::int64_t>(conversation.ids.size());
    return {static_cast<std::int64_t>(train_.size()), config_.batch, "conversations",
            config_.batch * tokens / static_cast<std::int64_t>(train_.size())};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    std::vector<const text::ChatTokens*> rows;
    for (std::int64_t row = 0; row < key.batch; ++row)
      rows.push_back(&train_[draw_example(key, row, train_.size())]);
    return batch_loss(tape, rows, options);
  }

  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    std::vector<const text::ChatTokens*> batch;
    for (std::int64_t row = 0; row < rows; ++row)
      batch.push_back(&dev_[static_cast<std::size_t>(first + row) % dev_.size()]);
    return {{"loss", batch_loss(tape, batch, {}).item()}};
  }

  void save_model(const fs::path& folder) override {
    models::save_model_folder(folder, pretrained_.model.config(), pretrained_.model.parameters(),
                              pretrained_.tokenizer, pretrained_.head, pretrained_.chat);
  }

 private:
  std::vector<text::ChatTokens> encode(const std::vector<ChatExample>& examples) const {
    std::vector<text::ChatTokens> out;
    for (const ChatExample& example : examples) {
      out.push_back(pretrained_.chat->encode(pretrained_.tokenizer, example.turns));
    }
    return out;
  }

  Tensor batch_loss(Tape& tape, std::span<const text::ChatTokens* const> rows,
                    const models::RunOptions& options) {
    const std::int64_t context =
        config_.context > 0 ? config_.context : pretrained_.model.config().context_length;
    batch_ = chat_batch(rows, context);
    const Tensor logits =
        pretrained_.model.forward(tape, batch_.inputs, batch_.batch, batch_.mask, options);
    return nn::softmax_cross_entropy(tape, logits, batch_.targets);
  }

  const FinetuneConfig& config_;
  models::PretrainedGpt& pretrained_;
  std::vector<text::ChatTokens> train_;
  std::vector<text::ChatTokens> dev_;
  ChatBatch batch_;  // kept until the next batch: the tape's views point into it
};

// The test instructions the report asks: every skill's first test_per_skill (0: all).
std::vector<ChatExample> instruct_test(const FinetuneConfig& config) {
  std::vector<ChatExample> test;
  std::map<std::string, std::int64_t> taken;
  for (ChatExample& example : load_instructions(config.data, Split::kTest)) {
    if (config.test_per_skill == 0 || taken[example.skill]++ < config.test_per_skill) {
      test.push_back(std::move(example));
    }
  }
  return test;
}

// Exact match per skill on the test split (the held-out skill included), before and after.
std::string instruct_report(const FinetuneConfig& config, models::PretrainedGpt& pretrained,
                            const std::vector<SkillScore>& before, nlohmann::ordered_json& report,
                            std::vector<ChatAnswer>& answers) {
  const std::vector<ChatExample> test = instruct_test(config);
  answers = answer_all(pretrained.model, pretrained.tokenizer, *pretrained.chat, test,
                       kReportedAnswerLength);
  const std::vector<SkillScore> after = exact_match_by_skill(answers);
  std::ostringstream table;
  table << "| skill (test) | n | exact match before % | exact match after % [95% CI] |\n"
        << "|---|---:|---:|---:|\n";
  for (std::size_t s = 0; s < after.size(); ++s) {
    const bool held_out = after[s].skill == config.hold_out_skill;
    table << "| " << after[s].skill << (held_out ? " (not trained)" : "") << " | "
          << after[s].examples << " | "
          << (before.empty() ? "-" : percent(before[s].exact_match.value)) << " | "
          << percent(after[s].exact_match) << " |\n";
    report["skills"][after[s].skill] = {
        {"examples", after[s].examples},
        {"held_out", held_out},
        {"before", before.empty() ? -1.0 : before[s].exact_match.value},
        {"after", after[s].exact_match.value},
        {"after_low", after[s].exact_match.low},
        {"after_high", after[s].exact_match.high}};
  }
  return table.str();
}

}  // namespace

FinetuneResult run_finetune(const FinetuneConfig& config, const train::TrainCallbacks& callbacks,
                            train::Communicator& communicator) {
  train::agree_on_errors(communicator, [&config] { check_finetune_config(config); });
  models::PretrainedGpt pretrained = load_model(config);
  FinetuneResult result;
  result.model_dir = config.out / "model";
  result.report = config.out / "report.json";
  nlohmann::ordered_json report;
  report["task"] = config.task;
  report["method"] = config.method;
  const auto settings = [&config] {
    const std::string json = to_json(config);
    return json.substr(1, json.size() - 2);
  };
  if (config.task == "classify") {
    ClassifyObjective objective(config, pretrained);
    result.training = train::run_loop(config, objective,
                                      {models::to_json(pretrained.model.config()), 0, settings()},
                                      callbacks, communicator);
    report["trainable_parameters"] = pretrained.model.parameters().trainable_numel();
    if (communicator.is_root() && !result.training.interrupted) {
      result.summary = classify_report(config, pretrained, objective.head(), report);
    }
  } else {
    add_chat_markers(pretrained);
    std::vector<SkillScore> before;
    if (communicator.is_root() && !config.resume) {
      const std::vector<ChatExample> test = instruct_test(config);
      before = exact_match_by_skill(answer_all(pretrained.model, pretrained.tokenizer,
                                               *pretrained.chat, test, kReportedAnswerLength));
    }
    InstructObjective objective(config, pretrained);
    result.training = train::run_loop(config, objective,
                                      {models::to_json(pretrained.model.config()), 0, settings()},
                                      callbacks, communicator);
    report["trainable_parameters"] = pretrained.model.parameters().trainable_numel();
    if (communicator.is_root() && !result.training.interrupted) {
      std::vector<ChatAnswer> answers;
      result.summary = instruct_report(config, pretrained, before, report, answers);
      for (const ChatAnswer& answer : answers) {
        report["answers"].push_back({{"id", answer.id},
                                     {"skill", answer.skill},
                                     {"expected", answer.expected},
                                     {"answer", answer.answer}});
      }
    }
  }
  if (communicator.is_root() && !result.training.interrupted) {
    write_file_atomically(result.report, report.dump(2) + "\n");
  }
  return result;
}

}  // namespace tinygpt::tune
