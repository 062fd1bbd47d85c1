// Alignment runs (align/alignment.h, preference_data.h): an answer's log-probability is the
// sum of its tokens' log-softmax entries and carries its gradient; a reward model and DPO
// train from the CLI's config on a tiny chat model and write a model folder and a report;
// DPO starts at log 2; bad preference files and models are refused before any training.
#include <cmath>
#include <nlohmann/json.hpp>

#include "alignment_fixture.hpp"
#include "tinygpt/align/alignment.h"
#include "tinygpt/align/judged_answers.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/reductions.h"
#include "tinygpt/tune/instruction_tuning.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

using tinygpt::testing::config_for;

TEST_CASE("an answer's log-probability is the sum of its tokens' log-softmax entries",
          "[step05][align]") {
  models::Gpt gpt({.family = models::Family::kGpt,
                   .vocab_size = 12,
                   .context_length = 8,
                   .width = 8,
                   .layers = 1,
                   .heads = 2});
  gpt.init(1);
  // Two conversations of 5 and 3 tokens. Target t is the token after t, an answer token when
  // it is not -1: row 2 predicts 2, row 3 predicts 9, row 6 (the second's t = 1) predicts 8.
  tune::ChatBatch batch{2,
                        5,
                        {1, 4, 7, 2, 9, 3, 5, 8, 0, 0},
                        {-1, -1, 2, 9, -1, -1, 8, -1, -1, -1},
                        {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}};
  Tape tape;
  const Tensor logprobs = align::answer_logprobs(tape, gpt, batch);
  REQUIRE(logprobs.shape == Shape({2, 1}));
  Tape plain;
  const NoGradGuard no_grad(plain);
  const Tensor logits = gpt.forward(plain, batch.inputs, 2, batch.mask);
  const auto log_softmax_at = [&](int row, int token) {
    double total = 0.0;
    for (int v = 0; v < 12; ++v) total += std::exp(static_cast<double>(logits.data[row * 12 + v]));
    return logits.data[row * 12 + token] - std::log(total);
  };
  CHECK(logprobs.data[0] == Approx(log_softmax_at(2, 2) + log_softmax_at(3, 9)).epsilon(1e-5));
  CHECK(logprobs.data[1] == Approx(log_softmax_at(6, 8)).epsilon(1e-5));

  // Its gradient reaches the weights: finite differences of wte entries agree.
  tape.backward(nn::sum(tape, logprobs));
  Parameter& wte = gpt.parameters().at("wte.weight");
  const auto total = [&] {
    Tape again;
    const NoGradGuard off(again);
    const Tensor values = align::answer_logprobs(again, gpt, batch);
    return static_cast<double>(values.data[0]) + values.data[1];
  };
  for (const std::size_t entry : {std::size_t{2 * 8 + 3}, std::size_t{9 * 8 + 1}}) {
    const float saved = wte.value[entry];
    wte.value[entry] = saved + 3e-3f;
    const double up = total();
    wte.value[entry] = saved - 3e-3f;
    const double down = total();
    wte.value[entry] = saved;
    INFO("wte entry " << entry);
    CHECK(wte.grad[entry] == Approx((up - down) / 6e-3).epsilon(2e-2).margin(1e-4));
    CHECK(std::abs(wte.grad[entry]) > 1e-4);
  }
}

TEST_CASE("a reward model and DPO train on preference pairs and report the test pairs",
          "[step05][align]") {
  const TempDir dir("align");
  testing::make_world_and_chat_model(dir.path());
  for (const std::string method : {"reward", "dpo"}) {
    INFO(method);
    const align::AlignResult result = align::run_align(config_for(dir, method, method));
    CHECK(result.training.last_step == 4);
    const nlohmann::json report = nlohmann::json::parse(read_file(result.report));
    CHECK(report["method"] == method);
    for (const char* reason : {"all", "correct_fact", "helpful", "polite"}) {
      INFO(reason);
      CHECK(report["pairs"][reason]["examples"].get<int>() > 0);
      const double accuracy = report["pairs"][reason]["accuracy"];
      CHECK((accuracy >= 0.0 && accuracy <= 1.0));
    }
    CHECK_THAT(result.summary, contains("| correct_fact |"));
    if (method == "dpo") {
      // Judged on the test questions against the reference, with the KL to it.
      const nlohmann::json& judged = report["judged"];
      CHECK(judged["wins"].get<int>() + judged["ties"].get<int>() + judged["losses"].get<int>() ==
            judged["questions"].get<int>());
      CHECK(judged["win_rate_low"].get<double>() <= judged["win_rate"].get<double>());
      CHECK(std::isfinite(judged["kl"].get<double>()));
      CHECK_THAT(result.summary, contains("Win rate of DPO over its reference"));
    } else {
      const double correlation = report["samples"]["reward_gold_correlation"];
      CHECK((correlation >= -1.0 && correlation <= 1.0));
    }
    // The aligned model is a model folder with its chat markers (and a reward head).
    const models::ModelFolder aligned = models::load_model_folder(result.model_dir);
    CHECK(aligned.chat.has_value());
    CHECK(aligned.head.has_value() == (method == "reward"));
    if (method == "reward") CHECK(aligned.head->task == "reward");
  }
  // DPO starts from the reference itself: every implicit reward is 0, the loss log 2.
  const std::string metrics = read_file(dir.path() / "dpo" / "metrics.jsonl");
  const nlohmann::json first = nlohmann::json::parse(metrics.substr(0, metrics.find('\n')));
  CHECK(first["loss"].get<double>() == Approx(std::log(2.0)).epsilon(1e-5));
}

TEST_CASE("a stopped DPO run resumes exactly", "[step05][align]") {
  const TempDir dir("align-resume");
  testing::make_world_and_chat_model(dir.path());
  align::run_align(config_for(dir, "dpo", "straight"));
  align::AlignConfig parts = config_for(dir, "dpo", "parts");
  train::TrainCallbacks stop;
  stop.on_step = [](const train::StepReport& report) {
    if (report.step == 2) train::request_stop();
  };
  REQUIRE(align::run_align(parts, stop).training.interrupted);
  parts.resume = true;
  CHECK(align::run_align(parts).training.first_step == 2);
  const SafetensorsFile straight =
      SafetensorsFile::read(dir.path() / "straight/model/model.safetensors");
  const SafetensorsFile resumed =
      SafetensorsFile::read(dir.path() / "parts/model/model.safetensors");
  for (const std::string& name : straight.names()) {
    INFO(name);
    CHECK(resumed.floats(name) == straight.floats(name));
  }
}

TEST_CASE("bad preference data and models are refused before any training", "[step05][align]") {
  const TempDir dir("align-bad");
  testing::make_world_and_chat_model(dir.path());
  align::AlignConfig config = config_for(dir, "dpo", "bad");
  config.model = dir.path() / "base";  // no chat markers
  CHECK_THROWS_WITH(align::check_align_config(config), contains("has no chat template"));
  config = config_for(dir, "ppo2", "bad");
  CHECK_THROWS_WITH(align::check_align_config(config), contains("--method \"ppo2\" is unknown"));
  config = config_for(dir, "dpo", "bad");
  config.beta = 0.0f;
  CHECK_THROWS_WITH(align::check_align_config(config), contains("--beta must be positive"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "bad"));

  // A pair with an empty answer, and one without a field: the file, line and field.
  const std::filesystem::path world = dir.path() / "broken";
  std::filesystem::create_directories(world);
  write_file_atomically(
      world / "preferences.jsonl",
      R"({"id": "p:1", "prompt": "Hi?", "chosen": "", "rejected": "No.", "reason": "helpful"})"
      "\n");
  CHECK_THROWS_WITH(tune::load_preferences(world, tune::split_of("p:1")),
                    contains("preferences.jsonl:1") && contains("field 'chosen' is empty"));
  write_file_atomically(world / "preferences.jsonl",
                        R"({"id": "p:1", "prompt": "Hi?", "chosen": "Yes.", "reason": "helpful"})"
                        "\n");
  CHECK_THROWS_WITH(tune::load_preferences(world, tune::split_of("p:1")),
                    contains("field 'rejected' must be a string"));
  const std::string text = R"({"model": "chat", "method": "dpo", "betta": 0.2})";
  CHECK_THROWS_WITH(align::parse_align_config(text, dir.path() / "align.json"),
                    contains("unknown field 'betta'"));
}

TEST_CASE(
    "the gold score rewards the right value said politely, and a comparison counts wins and ties",
    "[step05][align]") {
  data::Verdict right;
  right.correctness = data::Correctness::kCorrect;
  data::Verdict rude = right;
  rude.polite = false;
  data::Verdict wrong;
  wrong.correctness = data::Correctness::kWrong;
  data::Verdict evasive;
  evasive.correctness = data::Correctness::kAbstains;
  CHECK(align::gold_score(right) == 1.0);
  CHECK(align::gold_score(rude) == 0.5);
  CHECK(align::gold_score(wrong) == 0.0);
  CHECK(align::gold_score(evasive) == 0.0);
  const auto judged = [](std::initializer_list<double> scores) {
    std::vector<align::JudgedAnswer> answers;
    for (const double score : scores) answers.push_back({"q", "a", {}, score});
    return answers;
  };
  const align::Comparison comparison =
      align::compare(judged({1.0, 0.5, 0.0, 1.0}), judged({0.0, 0.5, 1.0, 0.5}));
  CHECK(comparison.wins == 2);
  CHECK(comparison.ties == 1);
  CHECK(comparison.losses == 1);
  CHECK(comparison.win_rate.value == Approx(2.5 / 4));
  CHECK(align::mean_score(judged({1.0, 0.5})).value == Approx(0.75));
  CHECK_THROWS_WITH(align::compare(judged({1.0}), judged({})), contains("1 answers against 0"));
}

TEST_CASE("DPO with an SFT term adds alpha times the chosen answers' NLL per token",
          "[step05][align]") {
  const TempDir dir("align-rpo");
  testing::make_world_and_chat_model(dir.path());
  // The first step's loss, on the same batch whatever alpha is: log 2 + alpha x NLL.
  const auto first_loss = [&dir](float alpha) {
    align::AlignConfig config = config_for(dir, "dpo", "rpo-" + std::to_string(alpha));
    config.steps = 1;
    config.sft_coef = alpha;
    return align::run_align(config).training.losses.front();
  };
  const double plain = first_loss(0.0f);
  const double one = first_loss(1.0f);
  const double two = first_loss(2.0f);
  CHECK(plain == Approx(std::log(2.0)).epsilon(1e-5));
  CHECK(one - plain > 1.0);  // a random model's NLL per token is about log V
  CHECK(two - plain == Approx(2.0 * (one - plain)).epsilon(1e-4));
  align::AlignConfig bad = config_for(dir, "dpo", "bad");
  bad.sft_coef = -1.0f;
  CHECK_THROWS_WITH(align::check_align_config(bad), contains("--sft-coef must be 0 or more"));
}
