// RLHF with PPO (align/ppo_rollouts.h, the ppo method of align/alignment.h): the value head
// and the log-probabilities line up with the answer tokens; rewards become whitened GAE
// advantages; the adaptive KL coefficient moves toward its target; a PPO run is a function
// of its seed, resumes exactly from a checkpoint taken in the middle of an iteration, and
// saves a policy without its value head; mismatched models are refused before training.
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "alignment_fixture.hpp"
#include "tinygpt/align/alignment.h"
#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/align/ppo_rollouts.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/text/bpe.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

// A PPO run of two iterations: 8 samples each, two epochs of two minibatches of 4.
align::AlignConfig ppo_config(const TempDir& dir, const std::string& name) {
  align::AlignConfig config = testing::config_for(dir, "ppo", name);
  config.ppo.reward_model = dir.path() / "reward" / "model";
  config.ppo.rollouts = 8;
  config.ppo.epochs = 2;
  config.ppo.answer_tokens = 6;
  config.steps = 8;
  config.eval_interval = 4;
  config.test_pairs = 4;
  return config;
}

// The chat model, and a reward model made from it by two steps of the reward method.
void make_models(const TempDir& dir) {
  testing::make_world_and_chat_model(dir.path());
  align::AlignConfig reward = ppo_config(dir, "reward");
  reward.method = "reward";
  reward.steps = 2;
  align::run_align(reward);
}

// rollouts.jsonl without its timings, which differ from run to run.
std::vector<nlohmann::json> rollout_lines(const std::filesystem::path& run) {
  std::vector<nlohmann::json> lines;
  std::istringstream log(read_file(run / "rollouts.jsonl"));
  for (std::string line; std::getline(log, line);) {
    nlohmann::json object = nlohmann::json::parse(line);
    for (const char* timing : {"generation_s", "scoring_s", "tokens_per_s"}) object.erase(timing);
    lines.push_back(object);
  }
  return lines;
}

void check_same_weights(const std::filesystem::path& a, const std::filesystem::path& b) {
  const SafetensorsFile first = SafetensorsFile::read(a / "model" / "model.safetensors");
  const SafetensorsFile second = SafetensorsFile::read(b / "model" / "model.safetensors");
  REQUIRE(first.names() == second.names());
  for (const std::string& name : first.names()) {
    INFO(name);
    CHECK(first.floats(name) == second.floats(name));
  }
}

}  // namespace

TEST_CASE("the value head and the log-probabilities line up with the answer tokens",
          "[step05][ppo]") {
  models::Gpt gpt({.family = models::Family::kGpt,
                   .vocab_size = 12,
                   .context_length = 8,
                   .width = 8,
                   .layers = 1,
                   .heads = 2});
  gpt.init(1);
  align::add_value_head(gpt.parameters(), 8, 1);
  CHECK(align::is_value_head("value_head.weight"));
  CHECK_FALSE(align::is_value_head("h.0.attn.c_attn.weight"));
  gpt.parameters().at("value_head.bias").value[0] = 0.25f;
  // Answer tokens are predicted at rows 2, 3 and 6 (as in align_test.cpp).
  const tune::ChatBatch batch{2,
                              5,
                              {1, 4, 7, 2, 9, 3, 5, 8, 0, 0},
                              {-1, -1, 2, 9, -1, -1, 8, -1, -1, -1},
                              {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}};
  Tape tape;
  const NoGradGuard no_grad(tape);
  const Tensor states = gpt.hidden(tape, batch.inputs, 2, batch.mask);
  const Tensor logits = gpt.logits(tape, states);
  const Tensor forward = gpt.forward(tape, batch.inputs, 2, batch.mask);
  REQUIRE(logits.shape == forward.shape);
  CHECK(std::equal(logits.data, logits.data + logits.numel(), forward.data));

  const Tensor values = align::answer_values(tape, gpt.parameters(), states, batch);
  const Tensor logprobs = align::token_logprobs(tape, logits, batch);
  REQUIRE(values.shape == Shape({3, 1}));
  REQUIRE(logprobs.shape == Shape({3, 1}));
  const float* weight = gpt.parameters().at("value_head.weight").value.data();
  const int rows[] = {2, 3, 6};
  const int targets[] = {2, 9, 8};
  for (int m = 0; m < 3; ++m) {
    INFO("answer token " << m);
    double value = 0.25, total = 0.0;
    for (int c = 0; c < 8; ++c) value += states.data[rows[m] * 8 + c] * weight[c];
    for (int v = 0; v < 12; ++v)
      total += std::exp(static_cast<double>(logits.data[rows[m] * 12 + v]));
    CHECK(values.data[m] == Approx(value).epsilon(1e-5));
    CHECK(logprobs.data[m] ==
          Approx(logits.data[rows[m] * 12 + targets[m]] - std::log(total)).epsilon(1e-5));
  }
}

TEST_CASE("the KL penalty and the reward model's score become whitened GAE advantages",
          "[step05][ppo]") {
  align::Rollouts rollouts;
  rollouts.prompts = {"a", "b"};
  rollouts.offsets = {0, 3, 4};
  rollouts.logprobs = {-1.0f, -2.0f, -0.5f, -3.0f};
  rollouts.reference_logprobs = {-1.5f, -2.0f, -1.0f, -2.0f};
  rollouts.values = {0.5f, 0.25f, -0.5f, 1.0f};
  rollouts.scores = {2.0f, -1.0f};
  CHECK(rollouts.kl(0) == Approx(1.0));
  CHECK(rollouts.kl(1) == Approx(-1.0));
  align::assign_advantages(rollouts, 0.5f, 1.0f, 0.9f);
  // By hand: r = -0.5 kl_t, the score on each answer's last token.
  const std::vector<float> rewards_a = {-0.25f, 0.0f, -0.25f + 2.0f};
  std::vector<float> advantages(4), returns(4);
  align::gae(rewards_a, std::span(rollouts.values).first(3), 1.0f, 0.9f,
             std::span(advantages).first(3), std::span(returns).first(3));
  const std::vector<float> rewards_b = {0.5f - 1.0f};
  align::gae(rewards_b, std::span(rollouts.values).subspan(3), 1.0f, 0.9f,
             std::span(advantages).subspan(3), std::span(returns).subspan(3));
  const double mean = std::accumulate(advantages.begin(), advantages.end(), 0.0) / 4.0;
  double square = 0.0;
  for (const float a : advantages) square += (a - mean) * (a - mean);
  const double deviation = std::sqrt(square / 4.0);
  for (int t = 0; t < 4; ++t) {
    INFO("token " << t);
    CHECK(rollouts.returns[t] == Approx(returns[t]));
    CHECK(rollouts.advantages[t] == Approx((advantages[t] - mean) / deviation).margin(1e-6));
  }
  // The adaptive coefficient: above the target it grows, below it shrinks, at most by 0.2
  // times samples / horizon.
  CHECK(align::adapted_kl_coef(0.1f, 12.0, 6.0f, 10000.0f, 64) ==
        Approx(0.1 * (1.0 + 0.2 * 64 / 10000.0)));
  CHECK(align::adapted_kl_coef(0.1f, 5.4, 6.0f, 10000.0f, 64) ==
        Approx(0.1 * (1.0 - 0.1 * 64 / 10000.0)));
  CHECK(align::adapted_kl_coef(0.1f, 0.0, 6.0f, 10000.0f, 64) ==
        Approx(0.1 * (1.0 - 0.2 * 64 / 10000.0)));
  CHECK(align::adapted_kl_coef(0.1f, 6.0, 6.0f, 10000.0f, 64) == Approx(0.1));
}

TEST_CASE("a PPO run is a function of its seed and resumes exactly in mid-iteration",
          "[step05][ppo]") {
  const TempDir dir("ppo");
  make_models(dir);
  const align::AlignResult straight = align::run_align(ppo_config(dir, "straight"));
  CHECK(straight.training.last_step == 8);
  align::run_align(ppo_config(dir, "again"));
  check_same_weights(dir.path() / "straight", dir.path() / "again");
  const std::vector<nlohmann::json> lines = rollout_lines(dir.path() / "straight");
  REQUIRE(lines.size() == 2);
  CHECK(rollout_lines(dir.path() / "again") == lines);
  for (const nlohmann::json& line : lines) {
    CHECK(line["tokens"].get<int>() >= 8);
    CHECK(line["length"].get<double>() <= 6.0);
    CHECK((line["gold"].get<double>() >= 0.0 && line["gold"].get<double>() <= 1.0));
    CHECK(line["entropy"].get<double>() > 0.0);
  }
  CHECK(lines[0]["kl"].get<double>() == Approx(0.0).margin(1e-4));  // the policy is the reference
  CHECK(lines[1]["step"] == 4);

  // Stopped at step 3, one step before the second iteration's samples: the first
  // iteration's samples come back from the checkpoint.
  align::AlignConfig parts = ppo_config(dir, "parts");
  train::TrainCallbacks stop;
  stop.on_step = [](const train::StepReport& report) {
    if (report.step == 3) train::request_stop();
  };
  REQUIRE(align::run_align(parts, stop).training.interrupted);
  parts.resume = true;
  CHECK(align::run_align(parts).training.first_step == 3);
  check_same_weights(dir.path() / "straight", dir.path() / "parts");
  CHECK(rollout_lines(dir.path() / "parts") == lines);

  // The saved policy has no value head; the report judges it against the reference.
  models::ModelFolder policy = models::load_model_folder(straight.model_dir);
  CHECK_FALSE(policy.parameters().contains("value_head.weight"));
  const nlohmann::json report = nlohmann::json::parse(read_file(straight.report));
  CHECK(report["judged"]["questions"] == 4);
  CHECK(report["tokens_generated"].get<int>() ==
        lines[0]["tokens"].get<int>() + lines[1]["tokens"].get<int>());
  CHECK(std::filesystem::exists(dir.path() / "straight" / "overoptimisation.svg"));
}

TEST_CASE("PPO refuses a reward model or reference that does not match the policy",
          "[step05][ppo]") {
  const TempDir dir("ppo-bad");
  make_models(dir);
  align::AlignConfig config = ppo_config(dir, "bad");
  config.ppo.reward_model = dir.path() / "chat";  // no reward head
  CHECK_THROWS_WITH(align::check_align_config(config), contains("has no reward head"));

  // A reward model whose tokenizer has one more token.
  models::ModelFolder reward = models::load_model_folder(dir.path() / "reward" / "model");
  const std::string text = read_file(dir.path() / "world" / "stories.txt");
  const std::string specials[] = {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"};
  const text::BpeTokenizer other = text::BpeTokenizer::train(text, 299, specials);
  models::save_model_folder(dir.path() / "other-reward", reward.config, reward.parameters(), other,
                            reward.head, reward.chat);
  config.ppo.reward_model = dir.path() / "other-reward";
  CHECK_THROWS_WITH(align::check_align_config(config),
                    contains("--reward-model") && contains("has another tokenizer"));

  // A reference of another shape.
  config = ppo_config(dir, "bad");
  models::ModelFolder chat = models::load_model_folder(dir.path() / "chat");
  models::ModelConfig wider = chat.config;
  wider.width = 32;
  models::Gpt gpt(wider);
  gpt.init(1);
  models::save_model_folder(dir.path() / "wider", wider, gpt.parameters(), chat.tokenizer,
                            std::nullopt, chat.chat);
  config.reference = dir.path() / "wider";
  CHECK_THROWS_WITH(align::check_align_config(config),
                    contains("--reference") && contains("is not of --model's shape"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "bad"));
}
