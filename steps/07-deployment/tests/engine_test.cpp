// Continuous batching (infer/engine.h) on the tiny Hugging Face GPT-2 folder: requests
// batched, queued and cancelled give each the tokens it gets alone; submission from other
// threads; the queue's depth; requests that can never run are refused at once.
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
      if (event.finish) outcome.finish = event.finish;
      if (after_token) after_token(event.request, outcome.tokens.size());
    };
    engine.submit(std::move(request));
  }
  engine.run_until_idle();
  return outcomes;
}

}  // namespace

TEST_CASE("batched and queued, every request gets the tokens it gets alone", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  const std::vector<infer::Request> requests = eight_requests();
  infer::Engine engine(gpt2.model, 3);  // 8 requests, 3 slots: five wait in the queue
  const std::map<std::int64_t, Outcome> outcomes = run_engine(engine, requests);
  REQUIRE(outcomes.size() == 8);
  for (std::int64_t id = 0; id < 8; ++id) {
    const infer::Request& request = requests[static_cast<std::size_t>(id)];
    const infer::Generation alone =
        infer::generate(gpt2.model, request.prompt, request.options, request.penalties);
    INFO("request " << id);
    CHECK(outcomes.at(id).tokens == alone.tokens);
    CHECK(outcomes.at(id).finish == alone.finish);
  }
  CHECK(engine.active() == 0);
  CHECK(engine.queue_depth() == 0);
}

TEST_CASE("cancelling one of eight mid-stream leaves the other seven their text",
          "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  std::vector<infer::Request> requests = eight_requests();
  for (infer::Request& request : requests) request.options.max_new_tokens = 12;
  infer::Engine engine(gpt2.model, 8);
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
    CHECK(outcomes.at(id).tokens ==
          infer::generate(gpt2.model, request.prompt, request.options, request.penalties).tokens);
  }
}

TEST_CASE("requests submitted from other threads all run", "[step07][engine]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  infer::Engine engine(gpt2.model, 4);
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
  infer::Engine engine(gpt2.model, 1);
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
  CHECK_THROWS_WITH(infer::Engine(gpt2.model, 0), contains("slots must be at least 1"));
}
