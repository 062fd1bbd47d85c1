// RLHF with PPO as an objective of the training loop (align_runs.h): each iteration samples
// answers on the engine, scores them (ppo_rollouts.h), then takes epochs x minibatches loop
// steps on them (ppo_loss.h).
//
// Loop step s belongs to iteration k = s / K, K = epochs x rollouts / batch; within it,
// epoch (s mod K) / (rollouts / batch) and minibatch (s mod K) mod (rollouts / batch). The
// iteration's samples live in the objective's extra state (fixed-shape tensors), so a
// checkpoint taken in the middle of an iteration resumes exactly: the samples are not drawn
// again from a policy that has moved.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "align_runs.h"
#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/align/ppo_rollouts.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/data/world.h"
#include "tinygpt/nn/elementwise.h"

namespace tinygpt::align::detail {

namespace {

namespace fs = std::filesystem;

// Separates the draws of prompts and of minibatch orders within an iteration's stream.
constexpr std::uint64_t kOrderIndex = std::uint64_t{1} << 40;

// Validation samples draw as an iteration this far on would, never one training reaches.
constexpr std::int64_t kValidationIteration = std::int64_t{1} << 31;

double mean(std::span<const double> values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double deviation(std::span<const double> values) {
  const double average = mean(values);
  double square = 0.0;
  for (const double value : values) square += (value - average) * (value - average);
  return std::sqrt(square / static_cast<double>(values.size()));
}

// What one batch of samples says about the policy: the reward model's score, the gold
// score, the KL to the reference, the length and the entropy, each a mean per answer (the
// entropy per token).
struct SampleFigures {
  std::vector<double> rewards;
  std::vector<double> golds;
  double kl = 0.0;
  double length = 0.0;
  double entropy = 0.0;
};

SampleFigures figures_of(const Rollouts& rollouts, const data::Judge& judge) {
  SampleFigures figures;
  for (std::int64_t i = 0; i < rollouts.size(); ++i) {
    const auto index = static_cast<std::size_t>(i);
    figures.rewards.push_back(rollouts.scores[index]);
    figures.golds.push_back(
        gold_score(judge.judge(rollouts.prompts[index], rollouts.answers[index])));
    figures.kl += rollouts.kl(i);
  }
  const auto count = static_cast<double>(rollouts.size());
  figures.kl /= count;
  figures.length = static_cast<double>(rollouts.tokens()) / count;
  figures.entropy = std::accumulate(rollouts.entropies.begin(), rollouts.entropies.end(), 0.0) /
                    static_cast<double>(rollouts.tokens());
  return figures;
}

class PpoRun final : public AlignRun {
 public:
  explicit PpoRun(const AlignConfig& config)
      : config_(config),
        folder_(models::load_model_folder(config.model)),
        reference_(load_reference(config)),
        reward_(models::load_model_folder(config.ppo.reward_model)),
        judge_(data::load_world(config.data)) {
    TINYGPT_CHECK(folder_.chat.has_value(), "--model ", config.model.string(),
                  " has no chat template");
    context_ = config.context > 0 ? config.context : folder_.config.context_length;
    add_value_head(folder_.parameters(), folder_.config.width, config.seed);
    std::int64_t prompt_tokens = 0, answer_tokens = 0;
    for (const tune::PreferencePair& pair :
         tune::load_preferences(config.data, tune::Split::kTrain)) {
      prompts_.push_back(pair.prompt);
      const text::ChatTurn question[] = {{"user", pair.prompt}};
      prompt_tokens +=
          static_cast<std::int64_t>(folder_.chat->prompt(folder_.tokenizer, question).size());
      answer_tokens += static_cast<std::int64_t>(folder_.tokenizer.encode(pair.chosen).size()) + 1;
    }
    for (const tune::PreferencePair& pair :
         tune::load_preferences(config.data, tune::Split::kDev)) {
      dev_prompts_.push_back(pair.prompt);
    }
    TINYGPT_CHECK(!prompts_.empty() && !dev_prompts_.empty(), "--data ", config.data.string(),
                  ": preferences.jsonl has no training or no dev prompts");
    // An estimate for the loop's tokens per second: the mean conversation of the data.
    tokens_per_answer_ =
        (prompt_tokens + answer_tokens) / static_cast<std::int64_t>(prompts_.size());
    minibatches_ = config.ppo.rollouts / config.batch;
    steps_per_iteration_ = config.ppo.epochs * minibatches_;

    const std::int64_t rollouts = config.ppo.rollouts;
    for (const auto& [name, shape] : std::initializer_list<std::pair<const char*, Shape>>{
             {"ppo.iteration", Shape{1}},
             {"ppo.kl_coef", Shape{1}},
             {"ppo.ids", Shape{rollouts, context_}},
             {"ppo.prompt_tokens", Shape{rollouts}},
             {"ppo.answer_tokens", Shape{rollouts}},
             {"ppo.logprobs", Shape{rollouts, context_}},
             {"ppo.values", Shape{rollouts, context_}},
             {"ppo.advantages", Shape{rollouts, context_}},
             {"ppo.returns", Shape{rollouts, context_}}}) {
      state_.add(name, shape);
      state_.set_trainable(name, false);
    }
    state_.at("ppo.iteration").value[0] = -1.0f;  // no samples yet
    state_.at("ppo.kl_coef").value[0] = config.beta;
  }

  ParameterSet& parameters() override { return folder_.parameters(); }
  ParameterSet* extra_state() override { return &state_; }
  const models::ModelConfig& model_config() const override { return folder_.config; }

  train::DataSize data_size() const override {
    return {static_cast<std::int64_t>(prompts_.size()), config_.batch, "answers",
            config_.batch * tokens_per_answer_};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    const auto step = static_cast<std::int64_t>(key.step);
    const std::int64_t iteration = step / steps_per_iteration_;
    const std::int64_t within = step % steps_per_iteration_;
    ensure_rollouts(iteration);
    // This epoch's order of the samples, the same for every minibatch of the epoch.
    std::vector<std::int64_t> order(static_cast<std::size_t>(config_.ppo.rollouts));
    std::iota(order.begin(), order.end(), 0);
    CounterRng rng(config_.seed, RngStream::kData, static_cast<std::uint64_t>(iteration),
                   kOrderIndex + static_cast<std::uint64_t>(within / minibatches_));
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      std::swap(order[i], order[rng.below(static_cast<std::uint32_t>(i + 1))]);
    }
    const std::int64_t first = (within % minibatches_) * config_.batch + key.first_example;
    std::vector<std::int64_t> rows(order.begin() + first, order.begin() + first + key.batch);

    std::vector<const text::ChatTokens*> conversations;
    std::vector<float> old_logprobs, old_values, advantages, returns;
    for (const std::int64_t row : rows) {
      conversations.push_back(&conversations_[static_cast<std::size_t>(row)]);
      const std::int64_t answer = answer_length(row);
      for (std::int64_t t = 0; t < answer; ++t) {
        old_logprobs.push_back(at("ppo.logprobs", row, t));
        old_values.push_back(at("ppo.values", row, t));
        advantages.push_back(at("ppo.advantages", row, t));
        returns.push_back(at("ppo.returns", row, t));
      }
    }
    const tune::ChatBatch batch = tune::chat_batch(conversations, context_);
    models::Gpt& policy = gpt();
    const Tensor states = policy.hidden(tape, batch.inputs, batch.batch, batch.mask, options);
    const Tensor logprobs = token_logprobs(tape, policy.logits(tape, states, options), batch);
    const Tensor values = answer_values(tape, folder_.parameters(), states, batch);
    const Shape column = logprobs.shape;
    const Tensor policy_loss = ppo_policy_loss(tape, logprobs, tape.constant(column, old_logprobs),
                                               tape.constant(column, advantages), config_.ppo.clip);
    const Tensor value_loss =
        ppo_value_loss(tape, values, tape.constant(column, old_values),
                       tape.constant(column, returns), config_.ppo.value_clip);
    const std::array<float, 1> coef = {config_.ppo.value_coef};
    return nn::add(
        tape, policy_loss.reshaped(Shape{1, 1}),
        nn::mul(tape, value_loss.reshaped(Shape{1, 1}), tape.constant(Shape{1, 1}, coef)));
  }

  // The policy on dev prompts, sampled as in training (always the same draws): the loss is
  // the negative of what PPO maximises, reward - beta KL.
  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    (void)tape;
    std::vector<std::string> prompts;
    for (std::int64_t row = 0; row < rows; ++row) {
      prompts.push_back(dev_prompts_[static_cast<std::size_t>(first + row) % dev_prompts_.size()]);
    }
    Rollouts samples =
        sample_rollouts(models(), prompts,
                        {.max_new_tokens = config_.ppo.answer_tokens,
                         .sampling = {.temperature = config_.ppo.temperature},
                         .seed = rollout_seed(config_.seed, kValidationIteration + first)},
                        context_);
    score_rollouts(samples, models());
    const SampleFigures figures = figures_of(samples, judge_);
    const double reward = mean(figures.rewards);
    return {{"loss", -(reward - kl_coef() * figures.kl)},
            {"reward", reward},
            {"kl", figures.kl},
            {"gold", mean(figures.golds)},
            {"length", figures.length},
            {"entropy", figures.entropy}};
  }

  void save_model(const fs::path& folder) override {
    ParameterSet policy;
    for (const Parameter& parameter : folder_.parameters()) {
      if (is_value_head(parameter.name)) continue;
      const Tensor copy = policy.add(parameter.name, parameter.shape);
      std::copy(parameter.value.begin(), parameter.value.end(), copy.data);
    }
    models::save_model_folder(folder, folder_.config, policy, folder_.tokenizer, std::nullopt,
                              folder_.chat);
  }

  std::string test_report(nlohmann::ordered_json& report) override {
    std::vector<tune::PreferencePair> test =
        tune::load_preferences(config_.data, tune::Split::kTest);
    if (config_.test_pairs > 0 && static_cast<std::size_t>(config_.test_pairs) < test.size()) {
      test.resize(static_cast<std::size_t>(config_.test_pairs));
    }
    std::string summary =
        policy_report(chat_model(), {reference(), reference_.tokenizer, *reference_.chat}, test,
                      config_, "PPO", report);
    // The whole run's samples, from rollouts.jsonl (a resumed run's earlier ones included).
    std::vector<nlohmann::json> lines;
    std::istringstream log(read_file(config_.out / "rollouts.jsonl"));
    for (std::string line; std::getline(log, line);) {
      if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    }
    std::int64_t tokens = 0;
    double generation = 0.0, scoring = 0.0;
    for (const nlohmann::json& line : lines) {
      tokens += line["tokens"].get<std::int64_t>();
      generation += line["generation_s"].get<double>();
      scoring += line["scoring_s"].get<double>();
    }
    report["tokens_generated"] = tokens;
    report["rollouts"] = {{"iterations", lines.size()},
                          {"generation_seconds", generation},
                          {"scoring_seconds", scoring},
                          {"final_beta", kl_coef()}};
    write_file_atomically(config_.out / "overoptimisation.svg", overoptimisation_chart(lines));
    std::ostringstream note;
    note.setf(std::ios::fixed);
    note.precision(1);
    note << "\nRollouts: " << lines.size() << " iterations, " << tokens
         << " tokens generated; sampling took " << generation << " s, scoring " << scoring
         << " s. The reward and gold score against the KL: "
         << (config_.out / "overoptimisation.svg").string() << ".\n";
    return summary + note.str();
  }

 private:
  models::Gpt& gpt() { return std::get<models::Gpt>(folder_.model); }
  models::Gpt& reference() { return std::get<models::Gpt>(reference_.model); }
  ChatModel chat_model() { return {gpt(), folder_.tokenizer, *folder_.chat}; }
  PpoModels models() {
    return {gpt(), reference(), std::get<models::Gpt>(reward_.model), folder_.tokenizer,
            *folder_.chat};
  }

  double kl_coef() const { return state_.at("ppo.kl_coef").value[0]; }
  float& at(const char* name, std::int64_t row, std::int64_t column) {
    return state_.at(name).value[static_cast<std::size_t>(row * context_ + column)];
  }
  std::int64_t answer_length(std::int64_t row) {
    return static_cast<std::int64_t>(
        state_.at("ppo.answer_tokens").value[static_cast<std::size_t>(row)]);
  }

  // Makes sure iteration k's samples are at hand: drawn now at its first step, or (after a
  // resume) rebuilt from the state a checkpoint restored.
  void ensure_rollouts(std::int64_t iteration) {
    const auto held = static_cast<std::int64_t>(state_.at("ppo.iteration").value[0]);
    if (held == iteration) {
      if (conversations_.empty()) restore_conversations();
      return;
    }
    collect(iteration);
  }

  void restore_conversations() {
    for (std::int64_t row = 0; row < config_.ppo.rollouts; ++row) {
      const auto prompt = static_cast<std::int64_t>(
          state_.at("ppo.prompt_tokens").value[static_cast<std::size_t>(row)]);
      text::ChatTokens conversation;
      for (std::int64_t t = 0; t < prompt + answer_length(row); ++t) {
        conversation.ids.push_back(static_cast<std::int32_t>(at("ppo.ids", row, t)));
        conversation.assistant.push_back(t >= prompt ? 1 : 0);
      }
      conversations_.push_back(std::move(conversation));
    }
  }

  void collect(std::int64_t iteration) {
    std::vector<std::string> prompts;
    for (std::int64_t i = 0; i < config_.ppo.rollouts; ++i) {
      CounterRng rng(config_.seed, RngStream::kData, static_cast<std::uint64_t>(iteration),
                     static_cast<std::uint64_t>(i));
      prompts.push_back(prompts_[rng.below(static_cast<std::uint32_t>(prompts_.size()))]);
    }
    Rollouts rollouts = sample_rollouts(models(), prompts,
                                        {.max_new_tokens = config_.ppo.answer_tokens,
                                         .sampling = {.temperature = config_.ppo.temperature},
                                         .seed = rollout_seed(config_.seed, iteration)},
                                        context_);
    score_rollouts(rollouts, models());
    const auto beta = static_cast<float>(kl_coef());
    assign_advantages(rollouts, beta, config_.ppo.gamma, config_.ppo.lambda);
    const SampleFigures figures = figures_of(rollouts, judge_);
    if (config_.ppo.adaptive_kl) {
      state_.at("ppo.kl_coef").value[0] = adapted_kl_coef(beta, figures.kl, config_.ppo.kl_target,
                                                          config_.ppo.kl_horizon, rollouts.size());
    }
    // The samples into the state, where checkpoints keep them.
    conversations_ = rollouts.conversations;
    state_.at("ppo.iteration").value[0] = static_cast<float>(iteration);
    for (std::int64_t row = 0; row < rollouts.size(); ++row) {
      const text::ChatTokens& conversation = conversations_[static_cast<std::size_t>(row)];
      const std::int64_t first = rollouts.offsets[static_cast<std::size_t>(row)];
      const std::int64_t answer = rollouts.offsets[static_cast<std::size_t>(row + 1)] - first;
      const auto prompt = static_cast<std::int64_t>(conversation.ids.size()) - answer;
      state_.at("ppo.prompt_tokens").value[static_cast<std::size_t>(row)] =
          static_cast<float>(prompt);
      state_.at("ppo.answer_tokens").value[static_cast<std::size_t>(row)] =
          static_cast<float>(answer);
      for (std::size_t t = 0; t < conversation.ids.size(); ++t) {
        at("ppo.ids", row, static_cast<std::int64_t>(t)) = static_cast<float>(conversation.ids[t]);
      }
      for (std::int64_t t = 0; t < answer; ++t) {
        const auto token = static_cast<std::size_t>(first + t);
        at("ppo.logprobs", row, t) = rollouts.logprobs[token];
        at("ppo.values", row, t) = rollouts.values[token];
        at("ppo.advantages", row, t) = rollouts.advantages[token];
        at("ppo.returns", row, t) = rollouts.returns[token];
      }
    }
    log_rollouts(iteration, rollouts, figures, beta);
  }

  // One line of rollouts.jsonl; lines of this iteration or later (left by a run that went
  // on past the checkpoint this one resumed from) are dropped first.
  void log_rollouts(std::int64_t iteration, const Rollouts& rollouts, const SampleFigures& figures,
                    float beta) {
    const fs::path path = config_.out / "rollouts.jsonl";
    std::string kept;
    if (fs::exists(path)) {
      std::istringstream log(read_file(path));
      for (std::string line; std::getline(log, line);) {
        if (!line.empty() &&
            nlohmann::json::parse(line)["iteration"].get<std::int64_t>() < iteration) {
          kept += line + "\n";
        }
      }
    }
    nlohmann::ordered_json line;
    line["iteration"] = iteration;
    line["step"] = iteration * steps_per_iteration_;
    line["reward"] = mean(figures.rewards);
    line["reward_sd"] = deviation(figures.rewards);
    line["gold"] = mean(figures.golds);
    line["gold_sd"] = deviation(figures.golds);
    line["kl"] = figures.kl;
    line["beta"] = beta;
    line["length"] = figures.length;
    line["entropy"] = figures.entropy;
    line["tokens"] = rollouts.tokens();
    line["generation_s"] = rollouts.generation_seconds;
    line["scoring_s"] = rollouts.scoring_seconds;
    line["tokens_per_s"] = static_cast<double>(rollouts.tokens()) / rollouts.generation_seconds;
    write_file_atomically(path, kept + line.dump() + "\n");
  }

  // Gao et al. (2022)'s picture: the proxy reward and the gold score of the samples against
  // their KL to the reference, each as its change from the first batch in that batch's
  // standard deviations, so the two scales compare. One batch of samples is noisy, so each
  // point is the mean of the last few batches (a tenth of the run, at least one).
  static std::string overoptimisation_chart(const std::vector<nlohmann::json>& lines) {
    const nlohmann::json& start = lines.front();
    const auto change = [&start](const nlohmann::json& line, const char* name, const char* sd) {
      return (line[name].get<double>() - start[name].get<double>()) /
             std::max(1e-9, start[sd].get<double>());
    };
    const std::size_t window = std::max<std::size_t>(1, lines.size() / 10);
    svg::Series proxy{"reward model (the proxy)", {}};
    svg::Series gold{"gold score (the judge)", {}};
    for (std::size_t last = 0; last < lines.size(); ++last) {
      const std::size_t first = last + 1 >= window ? last + 1 - window : 0;
      double kl = 0.0, reward = 0.0, truth = 0.0;
      for (std::size_t i = first; i <= last; ++i) {
        kl += lines[i]["kl"].get<double>();
        reward += change(lines[i], "reward", "reward_sd");
        truth += change(lines[i], "gold", "gold_sd");
      }
      const auto count = static_cast<double>(last + 1 - first);
      proxy.points.push_back({kl / count, reward / count});
      gold.points.push_back({kl / count, truth / count});
    }
    return svg::line_chart({proxy, gold},
                           {.title = "PPO: the proxy reward and the gold score",
                            .x_label = "KL to the reference (nats per answer)",
                            .y_label = "change since the start (start's standard deviations)"});
  }

  const AlignConfig& config_;
  models::ModelFolder folder_;
  models::ModelFolder reference_;
  models::ModelFolder reward_;
  data::Judge judge_;
  std::int64_t context_ = 0;
  std::vector<std::string> prompts_;
  std::vector<std::string> dev_prompts_;
  std::int64_t tokens_per_answer_ = 0;
  std::int64_t minibatches_ = 0;
  std::int64_t steps_per_iteration_ = 0;
  // The current iteration's samples (their tokens); the rest of them lives in state_.
  std::vector<text::ChatTokens> conversations_;
  ParameterSet state_;
};

}  // namespace

std::unique_ptr<AlignRun> ppo_run(const AlignConfig& config) {
  return std::make_unique<PpoRun>(config);
}

}  // namespace tinygpt::align::detail
