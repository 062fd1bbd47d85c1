// One iteration of RLHF's samples (align/ppo_rollouts.h): sampled on the engine, scored by
// three models, turned into advantages.
#include "tinygpt/align/ppo_rollouts.h"
#include "tinygpt/core/clock.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/nn/embedding.h"
#include "tinygpt/nn/linear.h"

namespace tinygpt::align {

namespace {

// Samples are scored in batches of this many conversations.
constexpr std::int64_t kScoreBatch = 32;

// The value head's place among the parameters' initialisation streams (after the task
// head's 2^32).
constexpr std::uint64_t kValueHeadInitIndex = std::uint64_t{3} << 32;

void append(std::vector<float>& out, const Tensor& column) {
  out.insert(out.end(), column.data, column.data + column.numel());
}

// The entropy of the distribution over the next token at every answer position.
void append_entropies(std::vector<float>& out, const Tensor& logits, const tune::ChatBatch& batch) {
  const std::int64_t vocab = logits.shape[2];
  for (std::int64_t row = 0; row < batch.batch * batch.time; ++row) {
    if (batch.targets[static_cast<std::size_t>(row)] < 0) continue;
    const float* scores = logits.data + row * vocab;
    const float top = *std::max_element(scores, scores + vocab);
    double total = 0.0, weighted = 0.0;  // sum e^(s - top) and sum e^(s - top) (s - top)
    for (std::int64_t v = 0; v < vocab; ++v) {
      const double shifted = scores[v] - top;
      const double weight = std::exp(shifted);
      total += weight;
      weighted += weight * shifted;
    }
    // H = -sum p log p with p = e^shifted / total: log total - weighted / total.
    out.push_back(static_cast<float>(std::log(total) - weighted / total));
  }
}

}  // namespace

void add_value_head(ParameterSet& parameters, std::int64_t width, std::uint64_t seed) {
  const Tensor weight = parameters.add("value_head.weight", Shape{width, 1});
  parameters.add("value_head.bias", Shape{1});
  fill_normal(std::span<float>(weight.data, static_cast<std::size_t>(width)), seed,
              RngStream::kInit, kValueHeadInitIndex, 0.0f, 0.02f);
}

bool is_value_head(const std::string& parameter) {
  return parameter.starts_with("value_head.");
}

Tensor answer_values(Tape& tape, ParameterSet& parameters, const Tensor& states,
                     const tune::ChatBatch& batch) {
  const std::int64_t width = states.shape[states.shape.rank() - 1];
  const Tensor all = nn::linear(tape, states.reshaped(Shape{batch.batch * batch.time, width}),
                                parameters.tensor("value_head.weight"),
                                parameters.tensor("value_head.bias"));  // (B T, 1)
  std::vector<std::int32_t> rows;
  for (std::int64_t row = 0; row < batch.batch * batch.time; ++row) {
    if (batch.targets[static_cast<std::size_t>(row)] >= 0) {
      rows.push_back(static_cast<std::int32_t>(row));
    }
  }
  TINYGPT_CHECK(!rows.empty(), "answer_values: the batch has no answer tokens");
  return nn::embedding(tape, all, rows);
}

double Rollouts::kl(std::int64_t i) const {
  double sum = 0.0;
  for (std::int64_t t = offsets[static_cast<std::size_t>(i)];
       t < offsets[static_cast<std::size_t>(i + 1)]; ++t) {
    sum += logprobs[static_cast<std::size_t>(t)] - reference_logprobs[static_cast<std::size_t>(t)];
  }
  return sum;
}

std::uint64_t rollout_seed(std::uint64_t seed, std::int64_t iteration) {
  CounterRng rng(seed, RngStream::kSampling, static_cast<std::uint64_t>(iteration), 0);
  const std::uint64_t high = rng.next_u32();
  return (high << 32) | rng.next_u32();
}

Rollouts sample_rollouts(const PpoModels& models, std::span<const std::string> prompts,
                         const models::GenerateOptions& generation, std::int64_t context) {
  const auto start = std::chrono::steady_clock::now();
  Rollouts rollouts;
  std::vector<std::vector<text::ChatTurn>> questions;
  for (const std::string& prompt : prompts) questions.push_back({{"user", prompt}});
  const std::vector<std::vector<std::int32_t>> answers =
      tune::answer_tokens(models.policy, models.tokenizer, models.chat, questions, generation);
  rollouts.offsets.push_back(0);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    text::ChatTokens conversation;
    conversation.ids = models.chat.prompt(models.tokenizer, questions[i]);
    const auto prompt_length = static_cast<std::int64_t>(conversation.ids.size());
    TINYGPT_CHECK(prompt_length < context, "PPO: the prompt \"", prompts[i], "\" takes ",
                  prompt_length, " tokens, leaving no room for an answer in ", context);
    const std::int64_t kept = std::min<std::int64_t>(static_cast<std::int64_t>(answers[i].size()),
                                                     context - prompt_length);
    TINYGPT_CHECK(kept > 0, "PPO: the model gave no answer to \"", prompts[i], "\"");
    conversation.assistant.assign(conversation.ids.size(), 0);
    conversation.ids.insert(conversation.ids.end(), answers[i].begin(), answers[i].begin() + kept);
    conversation.assistant.resize(conversation.ids.size(), 1);
    rollouts.prompts.push_back(prompts[i]);
    rollouts.answers.push_back(
        tune::answer_text(std::span(answers[i]).first(static_cast<std::size_t>(kept)),
                          models.tokenizer, models.chat));
    rollouts.conversations.push_back(std::move(conversation));
    rollouts.offsets.push_back(rollouts.offsets.back() + kept);
  }
  rollouts.generation_seconds = seconds_since(start);
  return rollouts;
}

void score_rollouts(Rollouts& rollouts, const PpoModels& models) {
  const auto start = std::chrono::steady_clock::now();
  rollouts.logprobs.clear();
  rollouts.reference_logprobs.clear();
  rollouts.entropies.clear();
  rollouts.values.clear();
  rollouts.scores.clear();
  Tape tape;
  const NoGradGuard no_grad(tape);
  for (std::int64_t first = 0; first < rollouts.size(); first += kScoreBatch) {
    std::vector<const text::ChatTokens*> rows;
    for (std::int64_t i = first; i < std::min(rollouts.size(), first + kScoreBatch); ++i) {
      rows.push_back(&rollouts.conversations[static_cast<std::size_t>(i)]);
    }
    const tune::ChatBatch batch = tune::chat_batch(rows, std::numeric_limits<std::int64_t>::max());
    tape.reset();
    const Tensor states = models.policy.hidden(tape, batch.inputs, batch.batch, batch.mask);
    const Tensor logits = models.policy.logits(tape, states);
    append(rollouts.logprobs, token_logprobs(tape, logits, batch));
    append_entropies(rollouts.entropies, logits, batch);
    append(rollouts.values, answer_values(tape, models.policy.parameters(), states, batch));
    tape.reset();
    append(rollouts.reference_logprobs,
           token_logprobs(
               tape, models.reference.forward(tape, batch.inputs, batch.batch, batch.mask), batch));
    tape.reset();
    append(rollouts.scores, reward_scores(tape, models.reward_model, batch));
  }
  rollouts.scoring_seconds = seconds_since(start);
}

void assign_advantages(Rollouts& rollouts, float beta, float gamma, float lambda) {
  const auto tokens = static_cast<std::size_t>(rollouts.tokens());
  rollouts.advantages.assign(tokens, 0.0f);
  rollouts.returns.assign(tokens, 0.0f);
  std::vector<float> rewards;
  for (std::int64_t i = 0; i < rollouts.size(); ++i) {
    const auto first = static_cast<std::size_t>(rollouts.offsets[static_cast<std::size_t>(i)]);
    const auto last = static_cast<std::size_t>(rollouts.offsets[static_cast<std::size_t>(i + 1)]);
    rewards.clear();
    for (std::size_t t = first; t < last; ++t) {
      rewards.push_back(-beta * (rollouts.logprobs[t] - rollouts.reference_logprobs[t]));
    }
    rewards.back() += rollouts.scores[static_cast<std::size_t>(i)];
    const std::size_t n = last - first;
    gae(rewards, std::span(rollouts.values).subspan(first, n), gamma, lambda,
        std::span(rollouts.advantages).subspan(first, n),
        std::span(rollouts.returns).subspan(first, n));
  }
  // Whitened over the batch; the returns keep their scale (the value head's targets).
  double mean = 0.0, square = 0.0;
  for (const float a : rollouts.advantages) mean += a;
  mean /= static_cast<double>(tokens);
  for (const float a : rollouts.advantages) square += (a - mean) * (a - mean);
  const double deviation = std::sqrt(square / static_cast<double>(tokens));
  for (float& a : rollouts.advantages) {
    a = static_cast<float>((a - mean) / (deviation + 1e-8));
  }
}

float adapted_kl_coef(float beta, double kl, float target, float horizon, std::int64_t samples) {
  const double error = std::clamp(kl / target - 1.0, -0.2, 0.2);
  return static_cast<float>(beta * (1.0 + error * static_cast<double>(samples) / horizon));
}

}  // namespace tinygpt::align
