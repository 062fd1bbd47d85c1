// Alignment runs (align/alignment.h): a reward model and DPO as objectives of the training
// loop, on the world's preference pairs, and their test report.
#include "tinygpt/align/alignment.h"

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tinygpt/align/judged_answers.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/world.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::align {

namespace {

// Test pairs are scored in batches of this many.
constexpr std::size_t kTestBatch = 32;

// The longest answer generated for the judged figures (the world's answers are short).
constexpr std::int64_t kAnswerTokens = 48;

std::string percent(double share) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << 100.0 * share;
  return out.str();
}

std::string percent(const tune::Interval& interval) {
  return percent(interval.value) + " [" + percent(interval.low) + ", " + percent(interval.high) +
         "]";
}

// A function of a batch of conversations (answer_logprobs, reward_scores: (B, 1)) for every
// conversation, in batches, without gradients.
template <typename Score>
std::vector<float> score_all(const std::vector<text::ChatTokens>& conversations,
                             std::int64_t context, Score score) {
  std::vector<float> values;
  Tape tape;
  const NoGradGuard no_grad(tape);
  for (std::size_t first = 0; first < conversations.size(); first += kTestBatch) {
    std::vector<const text::ChatTokens*> batch;
    for (std::size_t i = first; i < std::min(conversations.size(), first + kTestBatch); ++i) {
      batch.push_back(&conversations[i]);
    }
    tape.reset();
    const Tensor scores = score(tape, tune::chat_batch(batch, context));
    values.insert(values.end(), scores.data, scores.data + scores.numel());
  }
  return values;
}

// The share of answers the judge finds correct, and polite.
std::pair<double, double> correct_and_polite(std::span<const JudgedAnswer> answers) {
  double correct = 0.0, polite = 0.0;
  for (const JudgedAnswer& answer : answers) {
    correct += answer.verdict.correctness == data::Correctness::kCorrect ? 1.0 : 0.0;
    polite += answer.verdict.polite ? 1.0 : 0.0;
  }
  const auto count = static_cast<double>(answers.size());
  return {correct / count, polite / count};
}

// What both methods share: the model folder, the pairs of each split, a batch's loss, and
// the test report of how many pairs a model orders right.
class PairRun : public train::Objective {
 public:
  explicit PairRun(const AlignConfig& config)
      : config_(config), folder_(models::load_model_folder(config.model)) {
    TINYGPT_CHECK(folder_.chat.has_value(), "--model ", config.model.string(),
                  " has no chat template");
    context_ = config.context > 0 ? config.context : folder_.config.context_length;
    train_ = encode(tune::load_preferences(config.data, tune::Split::kTrain));
    dev_ = encode(tune::load_preferences(config.data, tune::Split::kDev));
    TINYGPT_CHECK(!train_.empty() && !dev_.empty(), "--data ", config.data.string(),
                  ": preferences.jsonl has no training or no dev pairs");
  }

  ParameterSet& parameters() override { return folder_.parameters(); }

  train::DataSize data_size() const override {
    std::int64_t tokens = 0;
    for (const EncodedPair& pair : train_) {
      tokens += static_cast<std::int64_t>(pair.chosen.ids.size() + pair.rejected.ids.size());
    }
    const std::int64_t per_pair = tokens / static_cast<std::int64_t>(train_.size());
    return {static_cast<std::int64_t>(train_.size()), config_.batch, "pairs",
            config_.batch * per_pair};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    std::vector<const EncodedPair*> pairs;
    for (std::int64_t row = 0; row < key.batch; ++row) {
      CounterRng rng(key.seed, RngStream::kData, key.step,
                     static_cast<std::uint64_t>(key.first_example + row));
      pairs.push_back(&train_[rng.below(static_cast<std::uint32_t>(train_.size()))]);
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

  const models::ModelConfig& model_config() const { return folder_.config; }

  // The test pairs the model orders right (margin > 0), overall and per reason, with 95%
  // bootstrap intervals: a Markdown table, and the figures in `report`.
  std::string test_report(nlohmann::ordered_json& report) {
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
  // What the method's model does with the test questions, by the judge (a Markdown table),
  // its figures added to `report`.
  virtual std::string judged_report(const std::vector<tune::PreferencePair>& test,
                                    nlohmann::ordered_json& report) = 0;

  // The test questions' conversations with the given answers.
  std::vector<text::ChatTokens> conversations(std::span<const JudgedAnswer> answers) const {
    std::vector<text::ChatTokens> out;
    for (const JudgedAnswer& answer : answers) {
      out.push_back(encode_answer(answer.prompt, answer.answer, folder_.tokenizer, *folder_.chat));
    }
    return out;
  }
  // The loss of a batch of pairs; each pair's margin (its chosen answer's score minus its
  // rejected one's) is appended to `margins` when given.
  virtual Tensor pair_loss(Tape& tape, const PairBatch& batch, const models::RunOptions& options,
                           std::vector<float>* margins) = 0;

  models::Gpt& gpt() { return std::get<models::Gpt>(folder_.model); }

  const AlignConfig& config_;
  models::ModelFolder folder_;
  std::int64_t context_ = 0;

 private:
  std::vector<EncodedPair> encode(const std::vector<tune::PreferencePair>& pairs) const {
    std::vector<EncodedPair> out;
    for (const tune::PreferencePair& pair : pairs) {
      out.push_back(encode_pair(pair, folder_.tokenizer, *folder_.chat));
    }
    return out;
  }

  std::vector<EncodedPair> train_;
  std::vector<EncodedPair> dev_;
};

void append_margins(const Tensor& chosen, const Tensor& rejected, std::vector<float>* margins) {
  if (margins == nullptr) return;
  for (std::int64_t i = 0; i < chosen.numel(); ++i) {
    margins->push_back(chosen.data[i] - rejected.data[i]);
  }
}

// A reward model: the model with a one-score head, trained by the Bradley-Terry loss.
class RewardRun final : public PairRun {
 public:
  explicit RewardRun(const AlignConfig& config) : PairRun(config) {
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
    const std::vector<float> rewards = score_all(
        conversations(answers), context_,
        [this](Tape& tape, const tune::ChatBatch& b) { return reward_scores(tape, gpt(), b); });
    std::vector<double> gold, reward;
    for (std::size_t i = 0; i < answers.size(); ++i) {
      gold.push_back(answers[i].score);
      reward.push_back(rewards[i]);
    }
    const double correlation = tune::pearson(reward, gold);
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

// DPO: the policy trained on the pairs against a frozen copy of itself.
class DpoRun final : public PairRun {
 public:
  explicit DpoRun(const AlignConfig& config)
      : PairRun(config), reference_(models::load_model_folder(config.model)) {
    reference_tape_.set_grad_enabled(false);
  }

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
    return dpo_loss(tape, policy_chosen, policy_rejected, reference_chosen, reference_rejected,
                    config_.beta);
  }

  // The policy against its reference (the chat model it started from) on the test
  // questions: greedy answers judged and compared, and the KL divergence to the reference
  // estimated on the policy's sampled answers.
  std::string judged_report(const std::vector<tune::PreferencePair>& test,
                            nlohmann::ordered_json& report) override {
    const data::Judge judge(data::load_world(config_.data));
    models::Gpt& reference = std::get<models::Gpt>(reference_.model);
    const models::GenerateOptions greedy{.max_new_tokens = kAnswerTokens,
                                         .sampling = {.temperature = 0.0f}};
    const std::vector<JudgedAnswer> policy =
        judged_answers(gpt(), folder_.tokenizer, *folder_.chat, test, judge, greedy);
    const std::vector<JudgedAnswer> before =
        judged_answers(reference, reference_.tokenizer, *reference_.chat, test, judge, greedy);
    const Comparison comparison = compare(policy, before);
    // KL(pi || pi_ref) = E_{y ~ pi} [log pi(y) - log pi_ref(y)], the sequence-level estimator
    // on one sampled answer per question.
    const std::vector<JudgedAnswer> samples = judged_answers(
        gpt(), folder_.tokenizer, *folder_.chat, test, judge,
        {.max_new_tokens = kAnswerTokens, .sampling = {.temperature = 1.0f}, .seed = config_.seed});
    const std::vector<text::ChatTokens> sampled = conversations(samples);
    const std::vector<float> policy_logprobs = score_all(
        sampled, context_,
        [this](Tape& tape, const tune::ChatBatch& b) { return answer_logprobs(tape, gpt(), b); });
    const std::vector<float> reference_logprobs =
        score_all(sampled, context_, [&reference](Tape& tape, const tune::ChatBatch& b) {
          return answer_logprobs(tape, reference, b);
        });
    double kl = 0.0;
    for (std::size_t i = 0; i < sampled.size(); ++i) {
      kl += policy_logprobs[i] - reference_logprobs[i];
    }
    kl /= static_cast<double>(sampled.size());

    const auto row = [](const char* name, std::span<const JudgedAnswer> answers) {
      const auto [correct, polite] = correct_and_polite(answers);
      return std::string("| ") + name + " | " + percent(mean_score(answers)) + " | " +
             percent(correct) + " | " + percent(polite) + " |\n";
    };
    std::ostringstream table;
    table << "\n| greedy answers to the " << test.size()
          << " test questions | gold score % [95% CI] | correct % | polite % |\n"
          << "|---|---:|---:|---:|\n"
          << row("before (the reference)", before) << row("after DPO", policy)
          << "\nWin rate of DPO over its reference by the judge: " << percent(comparison.win_rate)
          << "% (" << comparison.wins << " wins, " << comparison.ties << " ties, "
          << comparison.losses << " losses); KL to the reference " << kl << " nats per answer.\n";
    report["judged"] = {{"questions", test.size()},
                        {"gold_score", mean_score(policy).value},
                        {"reference_gold_score", mean_score(before).value},
                        {"win_rate", comparison.win_rate.value},
                        {"win_rate_low", comparison.win_rate.low},
                        {"win_rate_high", comparison.win_rate.high},
                        {"wins", comparison.wins},
                        {"ties", comparison.ties},
                        {"losses", comparison.losses},
                        {"kl", kl}};
    return table.str();
  }

  models::ModelFolder reference_;
  Tape reference_tape_;
};

}  // namespace

AlignResult run_align(const AlignConfig& config, const train::TrainCallbacks& callbacks,
                      train::Communicator& communicator) {
  train::agree_on_errors(communicator, [&config] { check_align_config(config); });
  std::unique_ptr<PairRun> run;
  if (config.method == "reward") {
    run = std::make_unique<RewardRun>(config);
  } else {
    run = std::make_unique<DpoRun>(config);
  }
  const std::string json = to_json(config);
  AlignResult result;
  result.model_dir = config.out / "model";
  result.report = config.out / "report.json";
  result.training = train::run_loop(
      config, *run, {models::to_json(run->model_config()), 0, json.substr(1, json.size() - 2)},
      callbacks, communicator);
  if (!communicator.is_root() || result.training.interrupted) return result;
  nlohmann::ordered_json report;
  report["method"] = config.method;
  result.summary = run->test_report(report);
  write_file_atomically(result.report, report.dump(2) + "\n");
  return result;
}

}  // namespace tinygpt::align
