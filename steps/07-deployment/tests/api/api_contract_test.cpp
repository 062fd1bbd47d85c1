// The API's contract, checked on a live server in this process: streamed and whole answers
// agree, chunks are shaped as OpenAI's clients expect, concurrent greedy requests agree, an
// error in a stream still ends it properly, every limit answers with its status and counts
// in the metrics, a client that leaves frees its sequence, and a drain lets the requests
// under way finish.
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>
#include <vector>

#include "live_server.hpp"
#include "tinygpt/serve/sse.h"

using namespace tinygpt;
using nlohmann::json;
using tinygpt::testing::contains;

namespace {

const char* kJson = "application/json";

json chat_body(const std::string& question, std::int64_t max_tokens, double temperature,
               std::int64_t seed) {
  return {{"model", "tiny"},
          {"messages", json::array({{{"role", "user"}, {"content", question}}})},
          {"max_tokens", max_tokens},
          {"temperature", temperature},
          {"seed", seed}};
}

// The data events of a streamed answer.
std::vector<std::string> stream(httplib::Client& client, const std::string& path, json body) {
  body["stream"] = true;
  const httplib::Result result = client.Post(path, body.dump(), kJson);
  REQUIRE(result);
  REQUIRE(result->status == 200);
  CHECK(result->get_header_value("Content-Type").rfind("text/event-stream", 0) == 0);
  return serve::sse_data(result->body);
}

// One metric's value in the exposition text (the whole series, labels included), or -1.
double metric(httplib::Client& client, const std::string& series) {
  const httplib::Result result = client.Get("/metrics");
  REQUIRE(result);
  std::istringstream lines(result->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// A long completion: the model has no end-of-text token, so it runs to max_tokens.
json long_completion(std::int64_t max_tokens) {
  return {{"model", "tiny"},
          {"prompt", "Tell me everything."},
          {"max_tokens", max_tokens},
          {"temperature", 1.0},
          {"seed", 2}};
}

// Posts a streaming completion and hands each piece of the answer to `receive` as it comes;
// returning false closes the connection. httplib 0.11's Post() has no receiver, send() does.
void post_streaming(httplib::Client& client, json body,
                    std::function<bool(const char*, std::size_t)> receive) {
  body["stream"] = true;
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/completions";
  request.body = body.dump();
  request.set_header("Content-Type", kJson);
  request.content_receiver = [receive](const char* data, std::size_t size, std::uint64_t,
                                       std::uint64_t) { return receive(data, size); };
  client.send(request);
}

struct Fixture {
  testing::TempDir dir{"api_contract"};
  std::filesystem::path model = testing::make_chat_model(dir.path(), 96);
};

}  // namespace

TEST_CASE("a streamed answer joins to the whole answer for the same seed, chat and completions",
          "[step07][api]") {
  Fixture fixture;
  testing::LiveServer live(fixture.model, {});
  auto client = live.client();
  for (const std::string path : {"/v1/chat/completions", "/v1/completions"}) {
    json body = chat_body("Tell me a story.", 24, 0.9, 11);
    if (path == "/v1/completions") {
      body.erase("messages");
      body["prompt"] = "Once upon a time";
    }
    const httplib::Result whole = client->Post(path, body.dump(), kJson);
    REQUIRE(whole);
    REQUIRE(whole->status == 200);
    const json answer = json::parse(whole->body);
    const bool chat = path == "/v1/chat/completions";
    const std::string expected = chat
                                     ? answer["choices"][0]["message"]["content"].get<std::string>()
                                     : answer["choices"][0]["text"].get<std::string>();
    std::string joined;
    const std::vector<std::string> events = stream(*client, path, body);
    REQUIRE(events.back() == "[DONE]");
    for (std::size_t k = 0; k + 1 < events.size(); ++k) {
      const json chunk = json::parse(events[k]);
      const json& choice = chunk["choices"][0];
      if (chat && choice["delta"].contains("content"))
        joined += choice["delta"]["content"].get<std::string>();
      if (!chat) joined += choice["text"].get<std::string>();
    }
    INFO(path);
    CHECK(joined == expected);
    CHECK(answer["usage"]["completion_tokens"].get<int>() >= 1);
    CHECK(answer["usage"]["total_tokens"] == answer["usage"]["prompt_tokens"].get<int>() +
                                                 answer["usage"]["completion_tokens"].get<int>());
  }
}

TEST_CASE("the chunks of one stream share an id, the first delta has the role, the last the usage",
          "[step07][api]") {
  Fixture fixture;
  testing::LiveServer live(fixture.model, {});
  auto client = live.client();
  json body = chat_body("Hello?", 12, 0.0, 1);
  body["stream_options"] = {{"include_usage", true}};
  const std::vector<std::string> events = stream(*client, "/v1/chat/completions", body);
  REQUIRE(events.size() >= 4);  // role, at least one delta, finish, usage, [DONE]
  CHECK(events.back() == "[DONE]");
  std::vector<json> chunks;
  for (std::size_t k = 0; k + 1 < events.size(); ++k) chunks.push_back(json::parse(events[k]));
  for (const json& chunk : chunks) {
    CHECK(chunk["id"] == chunks.front()["id"]);
    CHECK(chunk["object"] == "chat.completion.chunk");
  }
  CHECK(chunks.front()["choices"][0]["delta"]["role"] == "assistant");
  for (std::size_t k = 1; k < chunks.size(); ++k) {
    if (!chunks[k]["choices"].empty())
      CHECK_FALSE(chunks[k]["choices"][0]["delta"].contains("role"));
  }
  const json& finish = chunks[chunks.size() - 2];
  CHECK(finish["choices"][0]["finish_reason"].is_string());
  CHECK(finish["usage"].is_null());
  const json& usage = chunks.back();
  CHECK(usage["choices"].empty());
  CHECK(usage["usage"]["completion_tokens"].get<int>() >= 1);
  CHECK(usage["usage"]["completion_tokens"].get<int>() <= 12);
}

TEST_CASE("the same greedy request sent 8 times at once gets 8 identical answers",
          "[step07][api]") {
  Fixture fixture;
  testing::LiveServer live(fixture.model, {.slots = 4, .max_queue = 8});
  const std::string body = chat_body("Where is the river?", 30, 0.0, 3).dump();
  std::vector<std::string> answers(8);
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < answers.size(); ++k) {
    threads.emplace_back([&, k] {
      auto client = live.client();
      const httplib::Result result = client->Post("/v1/chat/completions", body, kJson);
      if (result && result->status == 200) {
        answers[k] = json::parse(result->body)["choices"][0]["message"]["content"];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK_FALSE(answers[0].empty());
  for (const std::string& answer : answers) CHECK(answer == answers[0]);
}

TEST_CASE("n choices come with their own seeds and the usage of all of them", "[step07][api]") {
  Fixture fixture;
  testing::LiveServer live(fixture.model, {});
  auto client = live.client();
  json body = chat_body("Hi", 10, 1.0, 5);
  body["n"] = 3;
  body["logprobs"] = true;
  body["top_logprobs"] = 2;
  const httplib::Result result = client->Post("/v1/chat/completions", body.dump(), kJson);
  REQUIRE(result);
  REQUIRE(result->status == 200);
  const json answer = json::parse(result->body);
  REQUIRE(answer["choices"].size() == 3);
  int tokens = 0;
  for (int k = 0; k < 3; ++k) {
    const json& choice = answer["choices"][k];
    CHECK(choice["index"] == k);
    const json& content = choice["logprobs"]["content"];
    tokens += static_cast<int>(content.size());
    for (const json& token : content) {
      CHECK(token["logprob"].get<double>() <= 0.0);
      CHECK(token["top_logprobs"].size() == 2);
    }
  }
  CHECK(answer["usage"]["completion_tokens"] == tokens);
}

TEST_CASE("an error in the middle of a stream sends an error chunk and then DONE",
          "[step07][api]") {
  Fixture fixture;
  serve::ApiServerOptions options;
  // A rule every answer breaks as soon as it has a letter: the stream has begun by then.
  options.policy = serve::parse_content_policy(
      R"({"rules": [{"name": "no-letters", "applies_to": "output", "match": "regex",
                     "patterns": ["[a-z]"], "message": "letters are not allowed"}]})",
      "test-policy.json");
  testing::LiveServer live(fixture.model, std::move(options));
  auto client = live.client();
  const std::vector<std::string> events =
      stream(*client, "/v1/chat/completions", chat_body("Hi", 40, 0.0, 1));
  REQUIRE(events.size() >= 2);
  CHECK(events.back() == "[DONE]");
  const json error = json::parse(events[events.size() - 2]);
  CHECK(error["error"]["message"].get<std::string>().find("no-letters") != std::string::npos);
  CHECK(error["error"]["code"] == 400);
  // Without streaming the same refusal is a plain 400.
  const httplib::Result whole =
      client->Post("/v1/chat/completions", chat_body("Hi", 40, 0.0, 1).dump(), kJson);
  REQUIRE(whole);
  CHECK(whole->status == 400);
  CHECK(metric(*client, "tinygpt_rejected_requests_total{reason=\"policy\"}") == 2);
}

TEST_CASE("every limit answers with its status and an OpenAI error, and counts in the metrics",
          "[step07][api]") {
  Fixture fixture;
  testing::TempDir keys_dir("api_keys");
  std::ofstream(keys_dir.path() / "keys") << "alice 0123456789abcdef0123\n";
  serve::ApiServerOptions options;
  options.http.max_body_bytes = 4096;
  options.keys = serve::ApiKeys::read(keys_dir.path() / "keys");
  options.requests_per_minute = 6;  // one per 10 s
  options.burst = 3;
  testing::LiveServer live(fixture.model, std::move(options));
  auto client = live.client();
  const httplib::Headers key = {{"Authorization", "Bearer 0123456789abcdef0123"}};
  const auto post = [&](const std::string& body, const httplib::Headers& headers) {
    const httplib::Result result = client->Post("/v1/chat/completions", headers, body, kJson);
    REQUIRE(result);
    if (result->status != 200) {
      const json error = json::parse(result->body);
      CHECK(error["error"]["message"].is_string());
      CHECK(error["error"]["type"].is_string());
    }
    return std::make_pair(result->status, result->get_header_value("Retry-After"));
  };
  const std::string good = chat_body("Hi", 4, 0.0, 1).dump();
  CHECK(post(good, {}).first == 401);
  CHECK(post(good, {{"Authorization", "Bearer 0123456789abcdef0124"}}).first == 401);
  CHECK(post(std::string(5000, ' '), key).first == 413);
  CHECK(post("{\"model\": ", key).first == 400);
  json wrong = chat_body("Hi", 4, 0.0, 1);
  wrong["model"] = "gpt-9";
  CHECK(post(wrong.dump(), key).first == 404);
  CHECK(post(good, key).first == 200);  // the third past the key check: the burst
  const auto [status, retry] = post(good, key);
  CHECK(status == 429);
  CHECK(std::stoi(retry) >= 1);
  CHECK(std::stoi(retry) <= 10);
  CHECK(metric(*client, "tinygpt_rejected_requests_total{reason=\"unauthorized\"}") == 2);
  CHECK(metric(*client, "tinygpt_rejected_requests_total{reason=\"body_too_large\"}") == 1);
  CHECK(metric(*client, "tinygpt_rejected_requests_total{reason=\"bad_request\"}") == 1);
  CHECK(metric(*client, "tinygpt_rejected_requests_total{reason=\"unknown_model\"}") == 1);
  CHECK(metric(*client, "tinygpt_rejected_requests_total{reason=\"rate_limited\"}") == 1);
  CHECK(metric(*client,
               "tinygpt_requests_total{endpoint=\"/v1/chat/completions\",status=\"429\"}") == 1);
  // Probes and metrics need no key; the models list does.
  CHECK(client->Get("/healthz")->status == 200);
  CHECK(client->Get("/v1/models")->status == 401);
  CHECK(client->Get("/v1/models", key)->status == 200);
}

TEST_CASE("a prompt too long for the context and max_tokens beyond it are refused with both sizes",
          "[step07][api]") {
  Fixture fixture;
  testing::LiveServer live(fixture.model, {});
  auto client = live.client();
  std::string long_question;
  for (int k = 0; k < 200; ++k) long_question += "river ";
  httplib::Result result =
      client->Post("/v1/chat/completions", chat_body(long_question, 4, 0.0, 1).dump(), kJson);
  REQUIRE(result);
  CHECK(result->status == 400);
  CHECK_THAT(result->body, contains("context of 96 tokens"));
  result = client->Post("/v1/chat/completions", chat_body("Hi", 500, 0.0, 1).dump(), kJson);
  REQUIRE(result);
  CHECK(result->status == 400);
  CHECK_THAT(result->body, contains("max_tokens is 500"));
}

TEST_CASE("a full queue answers 503 with Retry-After", "[step07][api]") {
  testing::TempDir dir("api_queue");
  const std::filesystem::path model = testing::make_chat_model(dir.path(), 1024);
  testing::LiveServer live(model, {.slots = 1, .max_queue = 0});
  auto watcher = live.client();
  std::atomic<bool> streaming{false};
  std::thread first([&] {
    auto client = live.client();
    // Reads slowly, so the one slot stays busy while the second request comes.
    post_streaming(*client, long_completion(1000), [&](const char*, std::size_t) {
      streaming = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return true;
    });
  });
  while (!streaming) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const httplib::Result second =
      watcher->Post("/v1/chat/completions", chat_body("Hi", 4, 0.0, 1).dump(), kJson);
  REQUIRE(second);
  CHECK(second->status == 503);
  CHECK(second->get_header_value("Retry-After") == "1");
  CHECK(metric(*watcher, "tinygpt_rejected_requests_total{reason=\"queue_full\"}") == 1);
  first.join();
}

TEST_CASE("a streaming client that leaves frees its sequence", "[step07][api]") {
  testing::TempDir dir("api_cancel");
  const std::filesystem::path model = testing::make_chat_model(dir.path(), 1024);
  testing::LiveServer live(model, {});
  auto watcher = live.client();
  {
    auto client = live.client();
    int chunks = 0;
    // Returning false closes the connection after the second chunk.
    post_streaming(*client, long_completion(1000),
                   [&](const char*, std::size_t) { return ++chunks < 2; });
  }
  // The server sees the client gone at its next write, and the engine drops the sequence
  // at its next step: poll with a generous limit (the delay is measured by the benchmark).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (metric(*watcher, "tinygpt_disconnects_total") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(metric(*watcher, "tinygpt_disconnects_total") == 1);
  while (metric(*watcher, "tinygpt_active_sequences") != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(metric(*watcher, "tinygpt_active_sequences") == 0);
  CHECK(metric(*watcher, "tinygpt_kv_cache_used_ratio") == 0);
  // The stream never finished: no completion tokens were counted for it.
  CHECK(metric(*watcher, "tinygpt_completion_tokens_total") == 0);
}

TEST_CASE("a drain lets the stream under way finish and refuses new requests", "[step07][api]") {
  testing::TempDir dir("api_drain");
  const std::filesystem::path model = testing::make_chat_model(dir.path(), 1024);
  serve::ApiServerOptions options;
  options.grace = std::chrono::seconds(30);
  testing::LiveServer live(model, std::move(options));
  std::atomic<bool> streaming{false};
  std::string received;
  std::thread first([&] {
    auto client = live.client();
    post_streaming(*client, long_completion(600), [&](const char* data, std::size_t size) {
      received.append(data, size);
      streaming = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return true;
    });
  });
  while (!streaming) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread drain([&] { live.server().drain(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto client = live.client();
  CHECK(client->Get("/readyz")->status == 503);
  const httplib::Result refused =
      client->Post("/v1/chat/completions", chat_body("Hi", 4, 0.0, 1).dump(), kJson);
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK_THAT(refused->body, contains("shutting down"));
  first.join();
  drain.join();
  const std::vector<std::string> events = serve::sse_data(received);
  REQUIRE_FALSE(events.empty());
  CHECK(events.back() == "[DONE]");
  CHECK_THAT(events[events.size() - 2], contains("finish_reason\":\"length"));
}

TEST_CASE("the access log has one JSON line per request, prompts redacted when logged",
          "[step07][api]") {
  Fixture fixture;
  serve::ApiServerOptions options;
  options.redact_prompts = true;
  options.log_prompts = true;
  testing::LiveServer live(fixture.model, std::move(options));
  auto client = live.client();
  const std::string question =
      "My card is 4111 1111 1111 1111 and my mail anna.smith@example.com, help?";
  httplib::Headers id = {{"X-Request-Id", "trace-42"}};
  const httplib::Result result =
      client->Post("/v1/chat/completions", id, chat_body(question, 4, 0.0, 1).dump(), kJson);
  REQUIRE(result);
  CHECK(result->status == 200);
  CHECK(result->get_header_value("X-Request-Id") == "trace-42");
  CHECK(client->Get("/nowhere")->status == 404);
  const std::string log = live.stop();
  std::istringstream lines(log);
  std::vector<json> entries;
  for (std::string line; std::getline(lines, line);) entries.push_back(json::parse(line));
  REQUIRE(entries.size() == 2);
  const json& chat = entries[0];
  CHECK(chat["request_id"] == "trace-42");
  CHECK(chat["status"] == 200);
  CHECK(chat["prompt"].get<std::string>().find("[CARD]") != std::string::npos);
  CHECK(chat["prompt"].get<std::string>().find("[EMAIL]") != std::string::npos);
  CHECK(log.find("4111") == std::string::npos);
  CHECK(log.find("anna.smith") == std::string::npos);
  CHECK(chat["client"] == "[IP]");  // 127.0.0.1, redacted like any address
  CHECK(chat["completion_tokens"].get<int>() >= 1);
  CHECK(entries[1]["status"] == 404);
  CHECK(entries[1]["path"] == "/nowhere");
}
