// Continuous batching (infer/engine.h) on the tiny Hugging Face GPT-2 folder: requests
// batched, queued and cancelled give each exactly the tokens, text and log-probabilities it
// gets alone; submission from other threads; the queue's depth; requests that can never
// run are refused at once.
#include <cmath>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/infer/engine.h"
#include "tinygpt/infer/generate.h"
#include "tinygpt/models/pretrained.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// Eight different requests: prompts, lengths, greedy and sampled, a stop token, penalties.
std::vector<infer::Request> eight_requests() {
  std::vector<infer::Request> requests;
  for (int i = 0; i < 8; ++i) {
    infer::Request request;
    request.prompt = {400, 271, 298, 351, 341, 460};
    request.prompt.resize(static_cast<std::size_t>(2 + i % 5));
    request.prompt.back() = static_cast<std::int32_t>(100 + 37 * i);
    request.options.max_new_tokens = 6 + 3 * i;  // the last ones run into the context of 32
    request.options.sampling.temperature = i % 2 == 0 ? 0.0f : 0.8f;
    request.options.seed = static_cast<std::uint64_t>(i);
    if (i == 5) request.options.stop_token = 93;
    if (i == 6) request.penalties.presence = 1.5f;
    requests.push_back(request);
  }
  return requests;
}

struct Outcome {
  std::vector<std::int32_t> tokens;
  std::string text;
  std::vector<float> logprobs;
  std::optional<infer::FinishReason> finish;
};

// Submits every request and collects what its events say, by request id.
std::map<std::int64_t, Outcome> run_engine(
    infer::Engine& engine, std::vector<infer::Request> requests,
    const std::function<void(std::int64_t, std::size_t)>& after_token = {}) {
  std::map<std::int64_t, Outcome> outcomes;
  for (infer::Request& request : requests) {
    request.on_event = [&](const infer::TokenEvent& event) {
      Outcome& outcome = outcomes[event.request];
      if (event.token) outcome.tokens.push_back(*event.token);
      if (event.token) outcome.logprobs.push_back(event.logprob);
      outcome.text += event.text;
      if (event.finish) outcome.finish = event.finish;
      if (after_token) after_token(event.request, outcome.tokens.size());
    };
    engine.submit(std::move(request));
  }
  engine.run_until_idle();
  return outcomes;
}

// What a request gets alone in an engine of one slot.
Outcome alone(models::PretrainedGpt& gpt2, infer::Request request,
              infer::WeightFormat weights = infer::WeightFormat::kFloat32) {
  infer::Engine engine(gpt2.model, {.slots = 1, .weights = weights, .tokenizer = &gpt2.tokenizer});
  return run_engine(engine, {std::move(request)}).at(0);
}

}  // namespace

TEST_CASE("batched and queued, every request gets exactly what it gets alone", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  std::vector<infer::Request> requests = eight_requests();
  for (infer::Request& request : requests) request.logprobs = 2;
  for (const infer::WeightFormat weights :
       {infer::WeightFormat::kFloat32, infer::WeightFormat::kBf16, infer::WeightFormat::kInt8}) {
    // 8 requests, 3 slots: five wait in the queue, and each decodes beside changing others.
    infer::Engine engine(gpt2.model,
                         {.slots = 3, .weights = weights, .tokenizer = &gpt2.tokenizer});
    const std::map<std::int64_t, Outcome> outcomes = run_engine(engine, requests);
    REQUIRE(outcomes.size() == 8);
    for (std::int64_t id = 0; id < 8; ++id) {
      const Outcome single = alone(gpt2, requests[static_cast<std::size_t>(id)], weights);
      INFO(infer::weight_format_name(weights) << " request " << id);
      CHECK(outcomes.at(id).tokens == single.tokens);
      CHECK(outcomes.at(id).text == single.text);
      CHECK(outcomes.at(id).logprobs == single.logprobs);  // bit for bit
      CHECK(outcomes.at(id).finish == single.finish);
    }
    CHECK(engine.active() == 0);
    CHECK(engine.queue_depth() == 0);
  }
}

TEST_CASE("the same seed gives the same text alone or among fifteen others", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  infer::Request probe;
  probe.prompt = {400, 271, 298};
  probe.options.max_new_tokens = 20;
  probe.options.sampling.temperature = 1.0f;
  probe.options.seed = 7;
  probe.logprobs = 0;
  const Outcome single = alone(gpt2, probe);
  // The probe at the front, in the middle and at the end of a batch of 16.
  for (const std::size_t position : {std::size_t{0}, std::size_t{7}, std::size_t{15}}) {
    std::vector<infer::Request> batch;
    for (std::size_t i = 0; i < 16; ++i) {
      infer::Request other = probe;
      other.prompt = {static_cast<std::int32_t>(50 + 31 * i), 9, static_cast<std::int32_t>(i)};
      other.prompt.resize(1 + i % 6, 17);
      other.options.seed = 100 + i;
      batch.push_back(i == position ? probe : other);
    }
    infer::Engine engine(gpt2.model, {.slots = 16, .tokenizer = &gpt2.tokenizer});
    const Outcome together = run_engine(engine, batch).at(static_cast<std::int64_t>(position));
    INFO("position " << position);
    CHECK(together.tokens == single.tokens);
    CHECK(together.logprobs == single.logprobs);
    CHECK(together.text == single.text);
  }
}

TEST_CASE("the engine's tokens are the cached loop's, with BLAS products too", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  const std::vector<infer::Request> requests = eight_requests();
  infer::Engine engine(gpt2.model, {.slots = 1, .batch_invariant = false});
  const std::map<std::int64_t, Outcome> outcomes = run_engine(engine, requests);
  for (std::int64_t id = 0; id < 8; ++id) {
    const infer::Request& request = requests[static_cast<std::size_t>(id)];
    const infer::Generation reference =
        infer::generate(gpt2.model, request.prompt, request.options, request.penalties);
    INFO("request " << id);
    CHECK(outcomes.at(id).tokens == reference.tokens);
    CHECK(outcomes.at(id).finish == reference.finish);
  }
}

TEST_CASE("stop strings end the text across token boundaries and are never shown",
          "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  infer::Request request;
  request.prompt = {400, 271, 298};
  request.options.max_new_tokens = 24;
  request.options.sampling.temperature = 0.0f;
  const Outcome free_text = alone(gpt2, request);
  REQUIRE(free_text.tokens.size() == 24);
  // A stop string made of the end of token 3's text and the start of token 4's.
  const std::string third = gpt2.tokenizer.decode({&free_text.tokens[3], 1});
  const std::string fourth = gpt2.tokenizer.decode({&free_text.tokens[4], 1});
  REQUIRE(!third.empty());
  REQUIRE(!fourth.empty());
  const std::string stop{third.back(), fourth.front()};
  const std::size_t at = free_text.text.find(stop);
  REQUIRE(at != std::string::npos);
  request.stop_strings = {"never in this text \x01", stop};
  const Outcome stopped = alone(gpt2, request);
  CHECK(stopped.finish == infer::FinishReason::kStop);
  CHECK(stopped.text == free_text.text.substr(0, at));
  CHECK(stopped.tokens.size() <= 5);
  // A stop token: the answer ends with it, its text unshown.
  request.stop_strings.clear();
  request.stop_tokens = {free_text.tokens[2], 1};
  const Outcome third_token = alone(gpt2, request);
  CHECK(third_token.finish == infer::FinishReason::kStop);
  CHECK(third_token.tokens.size() <= 3);
  CHECK(third_token.tokens.back() == free_text.tokens[2]);
  request.stop_tokens.clear();
  // A held-back start of a stop string that never completes is shown at the end.
  request.stop_strings = {std::string{free_text.text.back(), '\x01'}};
  CHECK(alone(gpt2, request).text == free_text.text);
}

TEST_CASE("log-probabilities: the chosen token's and the best alternatives'", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  infer::Engine engine(gpt2.model, {.slots = 1});
  std::vector<infer::TokenEvent> events;
  infer::Request request;
  request.prompt = {400, 271};
  request.options.max_new_tokens = 4;
  request.options.sampling.temperature = 0.0f;
  request.logprobs = 5;
  request.on_event = [&](const infer::TokenEvent& event) { events.push_back(event); };
  engine.submit(request);
  engine.run_until_idle();
  REQUIRE(events.size() == 4);
  for (const infer::TokenEvent& event : events) {
    REQUIRE(event.top.size() == 5);
    CHECK(event.top[0].token == *event.token);  // greedy chose the best
    CHECK(event.top[0].logprob == event.logprob);
    for (std::size_t i = 1; i < event.top.size(); ++i) {
      CHECK(event.top[i].logprob <= event.top[i - 1].logprob);
    }
    CHECK(event.logprob < 0.0f);
    double mass = 0.0;
    for (const infer::TokenLogprob& alternative : event.top) mass += std::exp(alternative.logprob);
    CHECK(mass <= 1.0 + 1e-6);
  }
}

TEST_CASE("cancelling one of eight mid-stream leaves the other seven their text",
          "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  std::vector<infer::Request> requests = eight_requests();
  for (infer::Request& request : requests) request.options.max_new_tokens = 12;
  infer::Engine engine(gpt2.model, {.slots = 8});
  const std::map<std::int64_t, Outcome> outcomes =
      run_engine(engine, requests, [&engine](std::int64_t id, std::size_t tokens) {
        if (id == 3 && tokens == 2) engine.cancel(3);
      });
  CHECK(outcomes.at(3).finish == infer::FinishReason::kCancelled);
  CHECK(outcomes.at(3).tokens.size() < 12);
  for (std::int64_t id = 0; id < 8; ++id) {
    if (id == 3) continue;
    const infer::Request& request = requests[static_cast<std::size_t>(id)];
    INFO("request " << id);
    CHECK(outcomes.at(id).tokens == alone(gpt2, request).tokens);
  }
}

TEST_CASE("requests submitted from other threads all run", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  infer::Engine engine(gpt2.model, {.slots = 4});
  std::mutex mutex;
  std::map<std::int64_t, std::size_t> tokens;
  int finished = 0;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int r = 0; r < 3; ++r) {
        infer::Request request;
        request.prompt = {400, static_cast<std::int32_t>(10 * c + r)};
        request.options.max_new_tokens = 5;
        request.on_event = [&](const infer::TokenEvent& event) {
          const std::lock_guard<std::mutex> lock(mutex);
          if (event.token) ++tokens[event.request];
          if (event.finish) ++finished;
        };
        engine.submit(std::move(request));
      }
    });
  }
  for (std::thread& client : clients) client.join();
  CHECK(engine.queue_depth() == 12);
  engine.run_until_idle();
  CHECK(finished == 12);
  REQUIRE(tokens.size() == 12);
  for (const auto& [id, count] : tokens) CHECK(count == 5);
}

TEST_CASE("the engine reports its queue and refuses what can never run", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  infer::Engine engine(gpt2.model, {.slots = 1});
  infer::Request request;
  request.prompt = {400, 271};
  request.options.max_new_tokens = 3;
  for (int i = 0; i < 3; ++i) engine.submit(request);
  CHECK(engine.queue_depth() == 3);
  CHECK(engine.step());
  CHECK(engine.active() == 1);
  CHECK(engine.queue_depth() == 2);
  engine.run_until_idle();
  CHECK(engine.queue_depth() == 0);

  request.prompt.assign(33, 5);
  CHECK_THROWS_WITH(engine.submit(request), contains("the prompt has 33 tokens"));
  request.prompt.clear();
  CHECK_THROWS_WITH(engine.submit(request), contains("the prompt is empty"));
  request.prompt = {400};
  request.penalties.repetition = 0.5f;
  CHECK_THROWS_WITH(engine.submit(request), contains("repetition penalty is 0.5"));
  request.penalties = {};
  request.options.sampling.temperature = -0.5f;
  CHECK_THROWS_WITH(engine.submit(request),
                    contains("temperature must be 0 (greedy) or positive, got -0.5"));
  request.options.sampling = {.top_p = 1.5f};
  CHECK_THROWS_WITH(engine.submit(request),
                    contains("top_p must be in (0, 1] (1 is off), got 1.5"));
  request.options.sampling = {.min_p = -0.1f};
  CHECK_THROWS_WITH(engine.submit(request), contains("min_p must be in [0, 1]"));
  request.options.sampling = {};
  request.options.max_new_tokens = -1;
  CHECK_THROWS_WITH(engine.submit(request), contains("max_new_tokens is -1"));
  request.options.max_new_tokens = 3;
  request.prompt = {400, 9999};
  CHECK_THROWS_WITH(engine.submit(request), contains("prompt token 1 is 9999"));
  request.prompt = {400};
  request.logprobs = 21;
  CHECK_THROWS_WITH(engine.submit(request), contains("logprobs is 21"));
  request.logprobs = -1;
  request.stop_tokens = {657};
  CHECK_THROWS_WITH(engine.submit(request), contains("stop token 0 is 657"));
  request.stop_tokens.clear();
  request.stop_strings = {"."};
  CHECK_THROWS_WITH(engine.submit(request),
                    contains("stop strings need the engine to have a tokenizer"));
  infer::Engine with_text(gpt2.model, {.slots = 1, .tokenizer = &gpt2.tokenizer});
  request.stop_strings = {""};
  CHECK_THROWS_WITH(with_text.submit(request), contains("stop string 0 is empty"));
  CHECK(engine.queue_depth() == 0);
  CHECK_THROWS_WITH(infer::Engine(gpt2.model, {.slots = 0}), contains("slots must be at least 1"));
  CHECK_THROWS_WITH(
      infer::Engine(gpt2.model, {.weights = infer::WeightFormat::kInt8, .batch_invariant = false}),
      contains("int8 weights are always batch-invariant"));
}

TEST_CASE("a full context ends a learned-position GPT and slides a sinusoidal one",
          "[step07][engine]") {
  models::ModelConfig config{
      .vocab_size = 50, .context_length = 16, .width = 32, .layers = 2, .heads = 2};
  const std::vector<std::int32_t> prompt = {3, 14, 15, 9, 26};
  for (const models::Positions positions :
       {models::Positions::kLearned, models::Positions::kSinusoidal}) {
    config.positions = positions;
    models::Gpt model(config);
    model.init(8);
    infer::Engine engine(model, {.slots = 2, .batch_invariant = false});
    infer::Request request;
    request.prompt = prompt;
    request.options.max_new_tokens = 40;
    request.options.sampling.temperature = 0.0f;
    const Outcome outcome = run_engine(engine, {request}).at(0);
    CHECK(outcome.finish == infer::FinishReason::kLength);
    if (positions == models::Positions::kLearned) {
      CHECK(outcome.tokens.size() == 16 - prompt.size() + 1);  // the last one fills position 15
      continue;
    }
    REQUIRE(outcome.tokens.size() == 40);
    // The rule the engine states, run without a cache: a token sees the tokens from the
    // window's start; when they would exceed P, the window restarts at the last P/2.
    std::vector<std::int32_t> text = prompt;
    std::size_t start = 0;
    Tape tape;
    NoGradGuard no_grad(tape);
    for (int i = 0; i < 40; ++i) {
      if (text.size() - start > 16) start = text.size() - 8;
      tape.reset();
      const std::span<const std::int32_t> window = std::span(text).subspan(start);
      const Matrix logits =
          model.forward(tape, window, 1).matrix().row(static_cast<Eigen::Index>(window.size()) - 1);
      Eigen::Index best = 0;
      logits.row(0).maxCoeff(&best);
      text.push_back(static_cast<std::int32_t>(best));
    }
    CHECK(outcome.tokens == std::vector<std::int32_t>(text.begin() + 5, text.end()));
  }
}
