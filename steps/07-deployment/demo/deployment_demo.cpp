#include "deployment_demo.h"

#include <chrono>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/world.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/serve/model_card.h"
#include "tinygpt/serve/sse.h"
#include "tinygpt/tune/task_data.h"
// After Eigen: httplib's headers define _res.
#include "server_thread.h"

namespace tinygpt::demo {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kJson = "application/json";

fs::path dpo_model(const DeploymentJourneyOptions& options) {
  return options.out / "align" / "dpo" / "model";
}

// What went wrong with a request: the server's status and answer, or httplib's error.
std::string failure(const httplib::Result& result) {
  return result ? std::to_string(result->status) + " " + result->body
                : httplib::to_string(result.error());
}

std::unique_ptr<httplib::Client> client_of(const JourneyServer& server) {
  auto client = std::make_unique<httplib::Client>(server.url());
  client->set_read_timeout(60, 0);
  return client;
}

struct StreamedAnswer {
  std::string text;
  double first_token_ms = 0.0;
};

// Asks one question through the chat API, streamed, greedy; the first token's time is the
// first chunk that carries text.
StreamedAnswer ask(const JourneyServer& server, const std::string& question) {
  const json body = {{"model", server.model_name()},
                     {"messages", {{{"role", "user"}, {"content", question}}}},
                     {"max_tokens", 48},
                     {"temperature", 0.0},
                     {"stream", true}};
  StreamedAnswer answer;
  std::string stream;
  const Clock::time_point sent = Clock::now();
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/chat/completions";
  request.body = body.dump();
  request.set_header("Content-Type", kJson);
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    if (answer.first_token_ms == 0.0 &&
        std::string_view(data, size).find("\"content\"") != std::string_view::npos) {
      answer.first_token_ms = 1000.0 * seconds_since(sent);
    }
    stream.append(data, size);
    return true;
  };
  const httplib::Result result = client_of(server)->send(request);
  TINYGPT_CHECK(result && result->status == 200,
                "the journey's server: the chat request failed: ", failure(result));
  for (const std::string& event : serve::sse_data(stream)) {
    if (event == "[DONE]") break;
    const json chunk = json::parse(event);
    TINYGPT_CHECK(!chunk.contains("error"), "the journey's server: the stream ended with ",
                  chunk.dump());
    const json& delta = chunk.at("choices").at(0).at("delta");
    if (delta.contains("content")) answer.text += delta.at("content").get<std::string>();
  }
  return answer;
}

// `clients` threads each send `requests` completions one after the other; the tokens the
// server generated (its usage figures) per second of the whole.
double tokens_per_second(const JourneyServer& server, const DeploymentJourneyOptions& options,
                         std::int64_t clients) {
  std::vector<std::int64_t> tokens(static_cast<std::size_t>(clients), 0);
  std::vector<std::string> errors(static_cast<std::size_t>(clients));
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (std::int64_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const auto client = client_of(server);
      for (std::int64_t r = 0; r < options.requests_per_client; ++r) {
        const json body = {{"model", server.model_name()},
                           {"prompt", "Once there was"},
                           {"max_tokens", options.load_tokens},
                           {"temperature", 0.8},
                           {"seed", c * options.requests_per_client + r}};
        const httplib::Result result = client->Post("/v1/completions", body.dump(), kJson);
        if (!result || result->status != 200) {
          errors[c] = failure(result);
          return;
        }
        tokens[c] +=
            json::parse(result->body).at("usage").at("completion_tokens").get<std::int64_t>();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = seconds_since(start);
  std::int64_t total = 0;
  for (std::int64_t c = 0; c < clients; ++c) {
    TINYGPT_CHECK(errors[c].empty(), "the journey's load test: a completion failed: ", errors[c]);
    total += tokens[c];
  }
  return static_cast<double>(total) / seconds;
}

}  // namespace

struct JourneyServer::State {
  explicit State(const fs::path& model) : pretrained(models::load_pretrained_gpt(model)) {}

  models::PretrainedGpt pretrained;
  serve::ServedModel served;
  std::unique_ptr<infer::Engine> engine;
  std::ofstream access_log;
  std::unique_ptr<serve::ApiServer> server;
  std::unique_ptr<serve::ServerThread> thread;  // last: it stops first
};

JourneyServer::JourneyServer(const DeploymentJourneyOptions& options, bool keep_serving)
    : state_(std::make_unique<State>(dpo_model(options))) {
  const fs::path model = dpo_model(options);
  state_->served = serve::served_model(state_->pretrained, "tinygpt-journey-dpo");
  state_->engine = std::make_unique<infer::Engine>(
      state_->pretrained.model,
      infer::EngineOptions{.slots = options.slots, .tokenizer = &state_->pretrained.tokenizer});

  serve::ApiServerOptions server_options;
  server_options.http.host = options.host;
  server_options.http.port = options.port;
  server_options.slots = options.slots;
  // The model card from the DPO run and step 06's report of it (when there is one), kept
  // beside the run.
  const fs::path card = options.out / "serve" / "MODEL_CARD.md";
  const fs::path evaluation = options.out / "eval" / "report";
  const bool evaluated = fs::exists(evaluation / "report.json");
  server_options.model_card =
      serve::model_card_markdown({.model = model,
                                  .eval_report = evaluated ? evaluation : fs::path(),
                                  .eval_model = evaluated ? "dpo (step 05)" : ""});
  write_file_atomically(card, server_options.model_card);
  fs::create_directories(options.out / "serve");
  state_->access_log.open(options.out / "serve" / "access.log", std::ios::app);
  TINYGPT_CHECK(state_->access_log.good(), (options.out / "serve" / "access.log").string(),
                ": cannot open the access log");
  state_->server = std::make_unique<serve::ApiServer>(
      state_->served, *state_->engine, std::move(server_options), state_->access_log);
  state_->thread = std::make_unique<serve::ServerThread>(*state_->server, keep_serving);
}

JourneyServer::~JourneyServer() = default;

std::string JourneyServer::url() const {
  return state_->server->http().url();
}

const std::string& JourneyServer::model_name() const {
  return state_->served.name;
}

void JourneyServer::stop() {
  state_->thread->stop();
}

void JourneyServer::wait_for_signal() {
  state_->thread->wait_for_signal();
}

DeploymentJourneyResult run_deployment_journey(const DeploymentJourneyOptions& options,
                                               const JourneyServer& server, std::ostream& log) {
  const Clock::time_point start = Clock::now();
  DeploymentJourneyResult result;
  result.url = server.url();
  result.model_card = options.out / "serve" / "MODEL_CARD.md";
  log << "  serving " << dpo_model(options).string() << " at " << result.url << "\n";

  // The first test question, judged by the world's ground truth.
  const fs::path world = options.out / "world";
  const std::vector<tune::PreferencePair> test = tune::load_preferences(world, tune::Split::kTest);
  TINYGPT_CHECK(!test.empty(), world.string(), ": no test preference pairs to ask about");
  result.question = test.front().prompt;
  const StreamedAnswer answer = ask(server, result.question);
  result.answer = answer.text;
  result.first_token_ms = answer.first_token_ms;
  const data::Judge judge(data::load_world(world));
  result.verdict = judge.judge(result.question, result.answer);
  if (result.verdict.fact >= 0) result.expected = judge.facts()[result.verdict.fact].value;

  log << "  load test: " << options.requests_per_client << " completions of up to "
      << options.load_tokens << " tokens per client, 1 client, then " << options.clients
      << " at once\n";
  result.one_client_tokens_per_second = tokens_per_second(server, options, 1);
  result.many_clients_tokens_per_second = tokens_per_second(server, options, options.clients);
  result.clients = options.clients;
  result.load_requests = (1 + options.clients) * options.requests_per_client;

  const fs::path report = options.out / "REPORT.md";
  result.seconds = seconds_since(start);
  write_file_atomically(report, read_file(report) + "\n" + deployment_report(options, result));
  return result;
}

std::string deployment_report(const DeploymentJourneyOptions& options,
                              const DeploymentJourneyResult& result) {
  std::ostringstream md;
  md << std::fixed << std::setprecision(1);
  md << "## Step 07: deployment\n\n"
     << "Step 05's chat model served with OpenAI's API by `tinygpt serve`'s server on "
     << result.url << " (" << options.slots
     << " engine slots, continuous batching, batch-invariant products), and used over HTTP "
        "as any client would.\n\n"
     << "A test question through `POST /v1/chat/completions`, streamed and greedy:\n\n"
     << "```text\n> " << result.question << "\n"
     << result.answer << "\n```\n\n"
     << "The world's judge: **" << data::correctness_name(result.verdict.correctness) << "**"
     << (result.expected.empty() ? "" : " (the catalogue says " + result.expected + ")")
     << (result.verdict.polite ? ", polite" : ", rude") << ".\n\n"
     << "| measure (through the API, on 127.0.0.1) | value |\n|---|---:|\n"
     << "| time to the first token of that answer, ms | " << result.first_token_ms << " |\n"
     << "| generated tokens per second, 1 client | " << std::setprecision(0)
     << result.one_client_tokens_per_second << " |\n"
     << "| generated tokens per second, " << result.clients << " clients at once | "
     << result.many_clients_tokens_per_second << " |\n"
     << "| " << result.clients << " clients / 1 client | " << std::setprecision(2)
     << result.many_clients_tokens_per_second / result.one_client_tokens_per_second << "x |\n\n"
     << "The load test: " << result.load_requests << " completions of up to " << options.load_tokens
     << " tokens (" << options.requests_per_client
     << " per client, one after another; temperature 0.8), tokens counted from the answers' "
        "`usage`. A longer measurement: `steps/07-deployment/bench/load_test.py`.\n\n"
     << "Step 07 took " << std::setprecision(1) << result.seconds
     << " s. The model card: " << result.model_card.string()
     << ". Serve the model yourself and chat with it in a "
        "browser:\n\n"
     << "```sh\ntinygpt serve --model " << dpo_model(options).string()
     << "   # then open http://127.0.0.1:8080/\nscripts/journey.sh --serve   # the whole "
        "journey, then the server, until Ctrl-C\n```\n";
  return md.str();
}

}  // namespace tinygpt::demo
