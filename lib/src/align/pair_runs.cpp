// The methods that learn from pairs of answers (align_runs.h): a reward model, DPO, and
// contrastive post-training (DPO on pairs made by a stronger and a weaker model).
#include <chrono>
#include <map>
#include <sstream>

#include "align_runs.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/world.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/nn/reductions.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::align::detail {

namespace {

// Test pairs are scored in batches of this many.
constexpr std::size_t kTestBatch = 32;

void append_margins(const Tensor& chosen, const Tensor& rejected, std::vector<float>* margins) {
  if (margins == nullptr) return;
  for (std::int64_t i = 0; i < chosen.numel(); ++i) {
    margins->push_back(chosen.data[i] - rejected.data[i]);
  }
}

// What the pair methods share: the model folder, the training pairs (in curriculum stages:
// one stage but for contrastive post-training), the dev pairs, a batch's loss, and the test
// report of how many pairs a model orders right.
class PairRun : public AlignRun {
 public:
  explicit PairRun(const AlignConfig& config)
      : config_(config), folder_(models::load_model_folder(config.model)) {
    TINYGPT_CHECK(folder_.chat.has_value(), "--model ", config.model.string(),
                  " has no chat template");
    context_ = config.context > 0 ? config.context : folder_.config.context_length;
    dev_ = encode(tune::load_preferences(config.data, tune::Split::kDev));
    TINYGPT_CHECK(!dev_.empty(), "--data ", config.data.string(),
                  ": preferences.jsonl has no dev pairs");
  }

  ParameterSet& parameters() override { return folder_.parameters(); }

  train::DataSize data_size() const override {
    std::int64_t pairs = 0, tokens = 0;
    for (const std::vector<EncodedPair>& stage : stages_) {
      for (const EncodedPair& pair : stage) {
        tokens += static_cast<std::int64_t>(pair.chosen.ids.size() + pair.rejected.ids.size());
      }
      pairs += static_cast<std::int64_t>(stage.size());
    }
    return {pairs, config_.batch, "pairs", config_.batch * (tokens / pairs)};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    // The curriculum: stage s of S takes steps [s S_total / S, (s + 1) S_total / S).
    const auto stage_count = static_cast<std::int64_t>(stages_.size());
    const std::int64_t stage =
        std::min(stage_count - 1, static_cast<std::int64_t>(key.step) * stage_count /
                                      std::max<std::int64_t>(1, config_.steps));
    const std::vector<EncodedPair>& pool = stages_[static_cast<std::size_t>(stage)];
    std::vector<const EncodedPair*> pairs;
    for (std::int64_t row = 0; row < key.batch; ++row) {
      CounterRng rng(key.seed, RngStream::kData, key.step,
                     static_cast<std::uint64_t>(key.first_example + row));
      pairs.push_back(&pool[rng.below(static_cast<std::uint32_t>(pool.size()))]);
    }
    return pair_loss(tape, pair_batch(pairs, context_), options, nullptr);
  }

  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    std::vector<const EncodedPair*> pairs;
    for (std::int64_t row = 0; row < rows; ++row) {
      pairs.push_back(&dev_[static_cast<std::size_t>(first + row) % dev_.size()]);
    }
    std::vector<float> margins;
    const double loss = pair_loss(tape, pair_batch(pairs, context_), {}, &margins).item();
    double right = 0.0, margin = 0.0;
    for (const float value : margins) {
      right += value > 0.0f ? 1.0 : 0.0;
      margin += value;
    }
    const auto count = static_cast<double>(margins.size());
    return {{"loss", loss}, {"accuracy", right / count}, {"margin", margin / count}};
  }

  void save_model(const std::filesystem::path& folder) override {
    models::save_model_folder(folder, folder_.config, folder_.parameters(), folder_.tokenizer,
                              folder_.head, folder_.chat);
  }

  const models::ModelConfig& model_config() const override { return folder_.config; }

  // The test pairs the model orders right (margin > 0), overall and per reason, with 95%
  // bootstrap intervals, then the method's own judged report.
  std::string test_report(nlohmann::ordered_json& report) override {
    std::vector<tune::PreferencePair> test =
        tune::load_preferences(config_.data, tune::Split::kTest);
    if (config_.test_pairs > 0 && static_cast<std::size_t>(config_.test_pairs) < test.size()) {
      test.resize(static_cast<std::size_t>(config_.test_pairs));
    }
    const std::vector<EncodedPair> encoded = encode(test);
    std::vector<float> margins;
    Tape tape;
    const NoGradGuard no_grad(tape);
    for (std::size_t first = 0; first < encoded.size(); first += kTestBatch) {
      std::vector<const EncodedPair*> pairs;
      for (std::size_t i = first; i < std::min(encoded.size(), first + kTestBatch); ++i) {
        pairs.push_back(&encoded[i]);
      }
      tape.reset();
      pair_loss(tape, pair_batch(pairs, context_), {}, &margins);
    }
    std::map<std::string, std::vector<double>> right;
    for (std::size_t i = 0; i < test.size(); ++i) {
      const double ordered = margins[i] > 0.0f ? 1.0 : 0.0;
      right["all"].push_back(ordered);
      right[test[i].reason].push_back(ordered);
    }
    std::ostringstream table;
    table << "| test pairs | n | ordered right % [95% CI] |\n|---|---:|---:|\n";
    for (const auto& [reason, scores] : right) {
      const tune::Interval accuracy = tune::bootstrap_mean(scores);
      table << "| " << reason << " | " << scores.size() << " | " << percent(accuracy) << " |\n";
      report["pairs"][reason] = {{"examples", scores.size()},
                                 {"accuracy", accuracy.value},
                                 {"accuracy_low", accuracy.low},
                                 {"accuracy_high", accuracy.high}};
    }
    table << judged_report(test, report);
    return table.str();
  }

 protected:
  // What the method's model does with the test questions, by the judge (Markdown), its
  // figures added to `report`.
  virtual std::string judged_report(const std::vector<tune::PreferencePair>& test,
                                    nlohmann::ordered_json& report) = 0;
  // The loss of a batch of pairs; each pair's margin (its chosen answer's score minus its
  // rejected one's) is appended to `margins` when given.
  virtual Tensor pair_loss(Tape& tape, const PairBatch& batch, const models::RunOptions& options,
                           std::vector<float>* margins) = 0;

  std::vector<EncodedPair> encode(const std::vector<tune::PreferencePair>& pairs) const {
    std::vector<EncodedPair> out;
    for (const tune::PreferencePair& pair : pairs) {
      out.push_back(encode_pair(pair, folder_.tokenizer, *folder_.chat));
    }
    return out;
  }

  // Trains on the world's labelled training pairs, as one stage.
  void use_labelled_pairs() {
    stages_ = {encode(tune::load_preferences(config_.data, tune::Split::kTrain))};
    TINYGPT_CHECK(!stages_.front().empty(), "--data ", config_.data.string(),
                  ": preferences.jsonl has no training pairs");
  }

  models::Gpt& gpt() { return std::get<models::Gpt>(folder_.model); }
  ChatModel chat_model() { return {gpt(), folder_.tokenizer, *folder_.chat}; }

  const AlignConfig& config_;
  models::ModelFolder folder_;
  std::int64_t context_ = 0;
  // The training pairs, stage after stage; every stage has at least one pair.
  std::vector<std::vector<EncodedPair>> stages_;
  std::vector<EncodedPair> dev_;
};

// A reward model: the model with a one-score head, trained by the Bradley-Terry loss.
class RewardRun final : public PairRun {
 public:
  explicit RewardRun(const AlignConfig& config) : PairRun(config) {
    use_labelled_pairs();
    const models::TaskHead head{"reward", {"reward"}, "last"};
    if (folder_.head) {
      TINYGPT_CHECK(folder_.head->task == "reward", "--model ", config.model.string(), " has a ",
                    folder_.head->task,
                    " head; a reward model starts from a chat "
                    "model without one (or from a reward model)");
    } else {
      models::add_head_parameters(folder_.parameters(), folder_.config.width, head, config.seed);
      folder_.head = head;
    }
  }

 private:
  Tensor pair_loss(Tape& tape, const PairBatch& batch, const models::RunOptions& options,
                   std::vector<float>* margins) override {
    const Tensor chosen = reward_scores(tape, gpt(), batch.chosen, options);
    const Tensor rejected = reward_scores(tape, gpt(), batch.rejected, options);
    append_margins(chosen, rejected, margins);
    return bradley_terry_loss(tape, chosen, rejected);
  }

  // Does the reward follow the truth on answers it was not trained on? The starting chat
  // model's sampled answers to the test questions, scored by the reward model and the judge.
  std::string judged_report(const std::vector<tune::PreferencePair>& test,
                            nlohmann::ordered_json& report) override {
    models::ModelFolder policy = models::load_model_folder(config_.model);
    const data::Judge judge(data::load_world(config_.data));
    const std::vector<JudgedAnswer> answers = judged_answers(
        std::get<models::Gpt>(policy.model), policy.tokenizer, *policy.chat, test, judge,
        {.max_new_tokens = kAnswerTokens, .sampling = {.temperature = 1.0f}, .seed = config_.seed});
    std::vector<text::ChatTokens> conversations;
    std::vector<double> gold;
    for (const JudgedAnswer& answer : answers) {
      conversations.push_back(
          encode_answer(answer.prompt, answer.answer, folder_.tokenizer, *folder_.chat));
      gold.push_back(answer.score);
    }
    const std::vector<float> rewards =
        score_all(conversations, context_, [this](Tape& tape, const tune::ChatBatch& batch) {
          return reward_scores(tape, gpt(), batch);
        });
    const double correlation =
        tune::pearson(std::vector<double>(rewards.begin(), rewards.end()), gold);
    report["samples"] = {{"answers", answers.size()},
                         {"gold_score", mean_score(answers).value},
                         {"reward_gold_correlation", correlation}};
    std::ostringstream table;
    table.setf(std::ios::fixed);
    table.precision(3);
    table << "\nThe chat model's sampled answers to the " << answers.size()
          << " test questions: mean gold score " << mean_score(answers).value
          << ", correlation of the reward with the gold score " << correlation << ".\n";
    return table.str();
  }
};

// DPO: the policy trained on pairs against a frozen reference.
class DpoRun : public PairRun {
 public:
  explicit DpoRun(const AlignConfig& config) : PairRun(config), reference_(load_reference(config)) {
    reference_tape_.set_grad_enabled(false);
  }

 protected:
  std::string method_name_ = "DPO";

 private:
  Tensor pair_loss(Tape& tape, const PairBatch& batch, const models::RunOptions& options,
                   std::vector<float>* margins) override {
    const Tensor policy_chosen = answer_logprobs(tape, gpt(), batch.chosen, options);
    const Tensor policy_rejected = answer_logprobs(tape, gpt(), batch.rejected, options);
    // The reference reads the same answers, deterministically and without gradients.
    models::Gpt& reference = std::get<models::Gpt>(reference_.model);
    reference_tape_.reset();
    const Tensor ref_chosen = answer_logprobs(reference_tape_, reference, batch.chosen);
    const Tensor ref_rejected = answer_logprobs(reference_tape_, reference, batch.rejected);
    const auto values = [](const Tensor& tensor) {
      return std::vector<float>(tensor.data, tensor.data + tensor.numel());
    };
    const Tensor reference_chosen = tape.constant(ref_chosen.shape, values(ref_chosen));
    const Tensor reference_rejected = tape.constant(ref_rejected.shape, values(ref_rejected));
    if (margins != nullptr) {
      // The implicit rewards' difference: beta [(log pi - log pi_ref)(c) - (...)(r)].
      for (std::int64_t i = 0; i < policy_chosen.numel(); ++i) {
        margins->push_back(config_.beta * ((policy_chosen.data[i] - reference_chosen.data[i]) -
                                           (policy_rejected.data[i] - reference_rejected.data[i])));
      }
    }
    const Tensor loss = dpo_loss(tape, policy_chosen, policy_rejected, reference_chosen,
                                 reference_rejected, config_.beta);
    if (config_.sft_coef == 0.0f) return loss;
    // + alpha (1/B) sum_i -log pi(c_i) / n_i, n_i the chosen answer's tokens.
    std::vector<float> weights(static_cast<std::size_t>(batch.chosen.batch), 0.0f);
    for (std::int64_t row = 0; row < batch.chosen.batch * batch.chosen.time; ++row) {
      if (batch.chosen.targets[static_cast<std::size_t>(row)] >= 0) {
        weights[static_cast<std::size_t>(row / batch.chosen.time)] += 1.0f;
      }
    }
    for (float& weight : weights) {
      weight = -config_.sft_coef / (weight * static_cast<float>(batch.chosen.batch));
    }
    const Tensor nll =
        nn::sum(tape, nn::mul(tape, policy_chosen, tape.constant(policy_chosen.shape, weights)));
    return nn::add(tape, loss.reshaped(Shape{1, 1}), nll.reshaped(Shape{1, 1}));
  }

  std::string judged_report(const std::vector<tune::PreferencePair>& test,
                            nlohmann::ordered_json& report) override {
    return policy_report(
               chat_model(),
               {std::get<models::Gpt>(reference_.model), reference_.tokenizer, *reference_.chat},
               test, config_, method_name_, report) +
           generated_note(report);
  }

  // What the pairs cost to make, when they were generated (contrastive post-training).
  virtual std::string generated_note(nlohmann::ordered_json& report) {
    report["tokens_generated"] = 0;
    return "";
  }

  models::ModelFolder reference_;
  Tape reference_tape_;
};

class LabelledDpoRun final : public DpoRun {
 public:
  explicit LabelledDpoRun(const AlignConfig& config) : DpoRun(config) { use_labelled_pairs(); }
};

// Contrastive post-training: DPO on pairs with no labels, the model's own greedy answer
// (chosen) against each weaker model's (rejected), weakest first.
class ContrastiveRun final : public DpoRun {
 public:
  explicit ContrastiveRun(const AlignConfig& config) : DpoRun(config) {
    method_name_ = "contrastive";
    TINYGPT_CHECK(config.steps > 0,
                  "--method contrastive needs --steps (its curriculum splits them), not --epochs");
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::vector<text::ChatTurn>> questions;
    std::vector<std::string> prompts;
    for (const tune::PreferencePair& pair :
         tune::load_preferences(config.data, tune::Split::kTrain)) {
      prompts.push_back(pair.prompt);
      questions.push_back({{"user", pair.prompt}});
    }
    const models::GenerateOptions greedy{.max_new_tokens = kAnswerTokens,
                                         .sampling = {.temperature = 0.0f}};
    const std::vector<std::string> chosen = answers(chat_model(), questions, greedy);
    for (const std::filesystem::path& path : config.weaker) {
      models::ModelFolder weaker = models::load_model_folder(path);
      const std::vector<std::string> rejected = answers(
          {std::get<models::Gpt>(weaker.model), weaker.tokenizer, *weaker.chat}, questions, greedy);
      std::vector<EncodedPair> stage;
      for (std::size_t i = 0; i < prompts.size(); ++i) {
        // The same answer from both teaches nothing.
        if (chosen[i] == rejected[i]) continue;
        stage.push_back(encode_pair({"", prompts[i], chosen[i], rejected[i], "contrastive"},
                                    folder_.tokenizer, *folder_.chat));
      }
      TINYGPT_CHECK(!stage.empty(), "--weaker ", path.string(),
                    " answers every training prompt as --model does: no pair to learn from");
      stage_sizes_.push_back(static_cast<std::int64_t>(stage.size()));
      stages_.push_back(std::move(stage));
    }
    generation_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

 private:
  // Greedy answers, counting their tokens.
  std::vector<std::string> answers(const ChatModel& model,
                                   std::span<const std::vector<text::ChatTurn>> questions,
                                   const models::GenerateOptions& generation) {
    std::vector<std::string> texts;
    for (const std::vector<std::int32_t>& tokens :
         tune::answer_tokens(model.gpt, model.tokenizer, model.chat, questions, generation)) {
      tokens_generated_ += static_cast<std::int64_t>(tokens.size());
      texts.push_back(tune::answer_text(tokens, model.tokenizer, model.chat));
    }
    return texts;
  }

  std::string generated_note(nlohmann::ordered_json& report) override {
    report["tokens_generated"] = tokens_generated_;
    report["pair_generation_seconds"] = generation_seconds_;
    report["stage_pairs"] = stage_sizes_;
    std::ostringstream note;
    note.setf(std::ios::fixed);
    note.precision(1);
    note << "\nThe pairs, made with no labels: " << tokens_generated_ << " tokens generated in "
         << generation_seconds_ << " s; pairs per stage of the curriculum (weakest first):";
    for (const std::int64_t size : stage_sizes_) note << " " << size;
    note << ".\n";
    return note.str();
  }

  std::int64_t tokens_generated_ = 0;
  double generation_seconds_ = 0.0;
  std::vector<std::int64_t> stage_sizes_;
};

}  // namespace

std::unique_ptr<AlignRun> reward_run(const AlignConfig& config) {
  return std::make_unique<RewardRun>(config);
}

std::unique_ptr<AlignRun> dpo_run(const AlignConfig& config) {
  return std::make_unique<LabelledDpoRun>(config);
}

std::unique_ptr<AlignRun> contrastive_run(const AlignConfig& config) {
  return std::make_unique<ContrastiveRun>(config);
}

}  // namespace tinygpt::align::detail
