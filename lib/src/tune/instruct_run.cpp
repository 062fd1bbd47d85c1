// Fine-tuning task instruct (finetune_detail.h): supervised fine-tuning on instructions and
// dialogues in the chat format, scored by exact match per skill before and after.
#include <map>
#include <sstream>

#include "finetune_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune::detail {

namespace {

// The longest answer generated for the report (the longest reference, a summary, is ~30).
constexpr std::int64_t kReportedAnswerLength = 64;

std::vector<ChatExample> instruct_examples(const FinetuneConfig& config, Split split) {
  std::vector<ChatExample> examples;
  for (ChatExample& example : load_instructions(config.data, split)) {
    if (example.skill != config.hold_out_skill) examples.push_back(std::move(example));
  }
  if (std::filesystem::is_regular_file(config.data / "dialogues.jsonl")) {
    for (ChatExample& example : load_dialogues(config.data, split))
      examples.push_back(std::move(example));
  }
  return examples;
}

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

// The chat markers added, the loss on the assistant's tokens.
class InstructRun final : public ModelTaskRun {
 public:
  InstructRun(const FinetuneConfig& config, bool measure_before) : ModelTaskRun(config) {
    new_token_rows_ = !folder_.chat.has_value();
    add_chat_markers(folder_);
    if (measure_before) {
      before_ = exact_match_by_skill(answer_all(gpt(), folder_.tokenizer, *folder_.chat,
                                                instruct_test(config), kReportedAnswerLength));
    }
    std::vector<ChatExample> train = instruct_examples(config, Split::kTrain);
    if (config.train_examples > 0 &&
        static_cast<std::size_t>(config.train_examples) < train.size()) {
      train.resize(static_cast<std::size_t>(config.train_examples));
    }
    TINYGPT_CHECK(!train.empty(), "--data ", config.data.string(), ": no training conversations");
    train_ = encode(train);
    dev_ = encode(instruct_examples(config, Split::kDev));
    TINYGPT_CHECK(!dev_.empty(), "--data ", config.data.string(), ": no dev conversations");
    attach_adapter();
  }

  std::string test_report(nlohmann::ordered_json& report) override;

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
    return batch_loss(tape, rows, run(options));
  }

  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    std::vector<const text::ChatTokens*> batch;
    for (std::int64_t row = 0; row < rows; ++row)
      batch.push_back(&dev_[static_cast<std::size_t>(first + row) % dev_.size()]);
    return {{"loss", batch_loss(tape, batch, run({})).item()}};
  }

 private:
  std::vector<text::ChatTokens> encode(const std::vector<ChatExample>& examples) const {
    std::vector<text::ChatTokens> out;
    for (const ChatExample& example : examples) {
      out.push_back(folder_.chat->encode(folder_.tokenizer, example.turns));
    }
    return out;
  }

  Tensor batch_loss(Tape& tape, std::span<const text::ChatTokens* const> rows,
                    const models::RunOptions& options) {
    batch_ = chat_batch(rows, text_context());
    const Tensor logits = gpt().forward(tape, batch_.inputs, batch_.batch, batch_.mask, options);
    return nn::softmax_cross_entropy(tape, logits, batch_.targets);
  }

  std::vector<SkillScore> before_;  // the untrained model's exact match, when measured
  std::vector<text::ChatTokens> train_;
  std::vector<text::ChatTokens> dev_;
  ChatBatch batch_;  // kept until the next batch: the tape's views point into it
};

// Exact match per skill on the test split (the held-out skill included), before and after,
// and every answer.
std::string InstructRun::test_report(nlohmann::ordered_json& report) {
  const FinetuneConfig& config = config_;
  const std::vector<SkillScore>& before = before_;
  const std::vector<ChatExample> test = instruct_test(config);
  const std::vector<ChatAnswer> answers = answer_all(gpt(), folder_.tokenizer, *folder_.chat, test,
                                                     kReportedAnswerLength, adapter(), products());
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
  for (const ChatAnswer& answer : answers) {
    report["answers"].push_back({{"id", answer.id},
                                 {"skill", answer.skill},
                                 {"expected", answer.expected},
                                 {"answer", answer.answer}});
  }
  return table.str();
}

}  // namespace

std::unique_ptr<TaskRun> instruct_run(const FinetuneConfig& config, bool measure_before) {
  return std::make_unique<InstructRun>(config, measure_before);
}

}  // namespace tinygpt::tune::detail
