// The API server (api_server.h): routes, admission, one engine request per choice, whole and
// streamed answers, metrics and the access log.
#include "api_server.h"

#include <cmath>
#include <deque>
#include <ostream>
#include <random>

#include "page_files.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/serve/openai_response.h"
#include "tinygpt/serve/pii.h"
#include "tinygpt/serve/pii_stream.h"
#include "tinygpt/serve/sse.h"

namespace tinygpt::serve {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// What the access log and the metrics learn about one exchange while it is handled. httplib
// runs a request from its headers to the last byte of its answer on one thread, so the
// handler, the streaming provider and the logger meet here.
struct Exchange {
  bool routed = false;   // the pre-routing handler saw it (false: refused while being read)
  bool handled = false;  // a route's handler ran (false: refused before, or no such route)
  Clock::time_point start;
  std::string id;
  std::string client;  // the key's name or the address
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::string finish;
  std::string refused;  // the rejection's reason, when refused
  std::string prompt;   // the prompt, redacted, when prompts are logged
};
thread_local Exchange t_exchange;

// The endpoint label of a path: the routes by name, anything else "other" (a label per
// unknown path would let any client grow the metrics without bound).
std::string endpoint_label(const std::string& path) {
  static const std::set<std::string> known = {
      "/v1/completions", "/v1/chat/completions", "/v1/models", "/metrics",    "/healthz",
      "/readyz",         "/model_card.md",       "/",          "/index.html", "/chat.css",
      "/chat.js"};
  if (known.contains(path)) return path;
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  return "other";
}

// The user's text an answer responds to: the prompt, or the chat's last user turn (what a
// reward model scores the answer after).
std::string question(const ApiRequest& api) {
  return api.messages.empty() ? api.prompt : api.messages.back().content;
}

std::string iso_time() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

// One choice's sequence: the engine thread appends events, the HTTP thread takes them.
struct ApiServer::Sequence {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<infer::TokenEvent> events;
  bool finished = false;
  std::int64_t engine_id = -1;
  std::int64_t prompt_tokens = 0;
  // Timing, on the engine thread.
  Clock::time_point received;
  std::optional<Clock::time_point> last_token;

  // Waits up to `wait` for events; returns those that came.
  std::deque<infer::TokenEvent> take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, wait, [&] { return !events.empty(); });
    return std::exchange(events, {});
  }
};

// Holds a place among the requests in flight (the bounded queue): taken on admission,
// given back when the answer is written or the client is gone.
class InFlight {
 public:
  explicit InFlight(ApiServer& server) : server_(server) {
    const std::lock_guard lock(server_.flight_mutex_);
    ++server_.in_flight_;
  }
  ~InFlight() {
    {
      const std::lock_guard lock(server_.flight_mutex_);
      --server_.in_flight_;
      for (const std::int64_t id : ids) server_.active_ids_.erase(id);
    }
    server_.flight_changed_.notify_all();
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  std::vector<std::int64_t> ids;  // the request's engine ids

 private:
  ApiServer& server_;
};

ApiServer::ApiServer(const ServedModel& served, infer::Engine& engine, ApiServerOptions options,
                     std::ostream& log)
    : served_(served), options_(std::move(options)), log_(log) {
  TINYGPT_CHECK(options_.max_queue >= 0, "--max-queue ", options_.max_queue, " is negative");
  if (options_.requests_per_minute > 0) {
    limiter_.emplace(options_.requests_per_minute, options_.burst);
  }
  // A thread per request that may be in flight, and a few for probes and /metrics.
  options_.http.threads = static_cast<std::size_t>(options_.slots + options_.max_queue + 4);
  http_ = std::make_unique<http::Server>(options_.http);
  loop_ = std::make_unique<EngineLoop>(engine, metrics_);
  started_ = static_cast<std::int64_t>(std::time(nullptr));
  // Every family exists from the start, so a scrape shows zeros rather than nothing.
  for (const char* name : {"tinygpt_prompt_tokens_total", "tinygpt_completion_tokens_total"}) {
    metrics_.counter(name, name[8] == 'p' ? "Tokens read from prompts" : "Tokens generated");
  }
  routes();
}

ApiServer::~ApiServer() = default;

std::string ApiServer::authorised_client(const httplib::Request& request) {
  if (!options_.keys) return request.remote_addr;
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.empty()) {
    throw ApiError(401, "no API key: send the header 'Authorization: Bearer YOUR_KEY'");
  }
  if (header.rfind(kBearer, 0) != 0) {
    throw ApiError(401, "the Authorization header must be 'Bearer YOUR_KEY'");
  }
  const std::optional<std::string> name = options_.keys->find(header.substr(kBearer.size()));
  if (!name) throw ApiError(401, "the API key is not valid");
  return *name;
}

void ApiServer::count_refusal(const std::string& reason) {
  metrics_
      .counter("tinygpt_rejected_requests_total", "Requests refused, by reason",
               {{"reason", reason}})
      .inc();
  t_exchange.refused = reason;
}

void ApiServer::refuse(httplib::Response& response, const ApiError& error,
                       const std::string& reason) {
  count_refusal(reason);
  json body = http::error_body(error.status(), error.what());
  body["error"]["param"] = error.param().empty() ? json(nullptr) : json(error.param());
  http::send_json(response, body, error.status());
}

ApiRequest ApiServer::admit(const httplib::Request& request, Endpoint endpoint) {
  t_exchange.client = authorised_client(request);
  if (limiter_) {
    const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    const double wait = limiter_->admit(t_exchange.client, now);
    if (wait > 0) {
      const int retry = static_cast<int>(std::ceil(wait));
      throw ApiError(429,
                     "rate limit: " + json(options_.requests_per_minute).dump() +
                         " requests per minute per key; retry in " + std::to_string(retry) + " s",
                     "", retry);
    }
  }
  json body;
  try {
    body = http::parse_json_body(request);
  } catch (const http::HttpError& error) {
    throw ApiError(error.status(), error.what());
  }
  ApiRequest api = parse_api_request(body, endpoint);
  if (api.model != served_.name) {
    throw ApiError(404,
                   "the model '" + api.model + "' does not exist here: this server serves '" +
                       served_.name + "' (GET /v1/models)",
                   "model");
  }
  if (options_.redact_prompts) {
    api.prompt = redact_pii(api.prompt);
    for (text::ChatTurn& turn : api.messages) turn.content = redact_pii(turn.content);
  }
  std::string text = api.prompt;
  for (const text::ChatTurn& turn : api.messages) text += (text.empty() ? "" : "\n") + turn.content;
  if (options_.log_prompts) t_exchange.prompt = redact_pii(text);
  const PolicyDecision decision = options_.policy.check_input(text);
  if (!decision.allowed) {
    throw ApiError(400,
                   "refused by the content policy '" + decision.policy + "': " + decision.message,
                   "policy:" + decision.policy);
  }
  return api;
}

std::vector<std::shared_ptr<ApiServer::Sequence>> ApiServer::submit(const ApiRequest& api) {
  static std::atomic<std::uint64_t> unseeded{std::random_device{}()};
  const std::uint64_t seed = api.seed.value_or(unseeded.fetch_add(0x9e3779b97f4a7c15ULL));
  Histogram& queue = metrics_.histogram("tinygpt_queue_seconds",
                                        "From submission to the first token (queue and prefill)",
                                        latency_buckets());
  Histogram& first =
      metrics_.histogram("tinygpt_time_to_first_token_seconds",
                         "From the request's arrival to its first token", latency_buckets());
  Histogram& between = metrics_.histogram("tinygpt_inter_token_seconds",
                                          "Between two tokens of one sequence", latency_buckets());
  std::vector<std::shared_ptr<Sequence>> sequences;
  for (std::int64_t index = 0; index < api.n; ++index) {
    infer::Request request = engine_request(api, served_, seed + static_cast<std::uint64_t>(index));
    auto sequence = std::make_shared<Sequence>();
    sequence->prompt_tokens = static_cast<std::int64_t>(request.prompt.size());
    sequence->received = t_exchange.start;
    const Clock::time_point submitted = Clock::now();
    // Runs on the engine's thread for every token and the end.
    request.on_event = [sequence, submitted, &queue, &first,
                        &between](const infer::TokenEvent& event) {
      const Clock::time_point now = Clock::now();
      if (event.token) {
        if (!sequence->last_token) {
          queue.observe(std::chrono::duration<double>(now - submitted).count());
          first.observe(std::chrono::duration<double>(now - sequence->received).count());
        } else {
          between.observe(std::chrono::duration<double>(now - *sequence->last_token).count());
        }
        sequence->last_token = now;
      }
      {
        const std::lock_guard lock(sequence->mutex);
        sequence->events.push_back(event);
        if (event.finish) sequence->finished = true;
      }
      sequence->changed.notify_all();
    };
    try {
      sequence->engine_id = loop_->submit(std::move(request));
    } catch (const ApiError&) {
      throw;
    } catch (const Error& error) {
      throw ApiError(400, std::string("the engine refused the request: ") + error.what());
    }
    sequences.push_back(sequence);
  }
  return sequences;
}

void ApiServer::generate(const httplib::Request& request, httplib::Response& response,
                         Endpoint endpoint) {
  t_exchange.handled = true;
  const std::string kind = endpoint == Endpoint::kChatCompletions ? "chatcmpl-" : "cmpl-";
  const std::string id = kind + t_exchange.id;
  ApiRequest api;
  auto flight = std::make_shared<InFlight>(*this);
  try {
    {
      // The place is taken before the other checks, so that a draining or full server
      // answers 503 at once.
      const std::lock_guard lock(flight_mutex_);
      if (draining_) {
        throw ApiError(503, "the server is shutting down; retry on another replica", "", 1);
      }
      if (in_flight_ > options_.slots + options_.max_queue) {
        throw ApiError(503,
                       "the server is busy: " + std::to_string(options_.slots) +
                           " requests decoding and " + std::to_string(options_.max_queue) +
                           " waiting; retry later",
                       "", 1);
      }
    }
    api = admit(request, endpoint);
    std::vector<std::shared_ptr<Sequence>> sequences = submit(api);
    {
      const std::lock_guard lock(flight_mutex_);
      for (const auto& sequence : sequences) {
        flight->ids.push_back(sequence->engine_id);
        active_ids_.insert(sequence->engine_id);
      }
    }
    if (api.stream) {
      answer_stream(api, id, sequences.front(), std::move(flight), response);
    } else {
      answer_whole(api, id, sequences, response);
    }
  } catch (const ApiError& error) {
    std::string reason = "bad_request";
    if (error.status() == 401) reason = "unauthorized";
    if (error.status() == 404) reason = "unknown_model";
    if (error.status() == 429) reason = "rate_limited";
    if (error.status() == 503) reason = draining_ ? "draining" : "queue_full";
    if (error.status() == 415) reason = "bad_content_type";
    if (error.param().rfind("policy:", 0) == 0) reason = "policy";
    if (error.retry_after() > 0) {
      response.set_header("Retry-After", std::to_string(error.retry_after()));
    }
    refuse(response, error, reason);
  }
}

void ApiServer::answer_whole(const ApiRequest& api, const std::string& id,
                             const std::vector<std::shared_ptr<Sequence>>& sequences,
                             httplib::Response& response) {
  std::vector<Choice> choices;
  Usage usage{.prompt_tokens = sequences.front()->prompt_tokens};
  const std::string prompt = question(api);
  for (const std::shared_ptr<Sequence>& sequence : sequences) {
    Choice choice;
    PiiStream gate(options_.redact_outputs);
    std::optional<infer::TokenEvent> last;
    // The client cannot be watched here: Debian 12's cpp-httplib notices a client that
    // left only when a write fails, and this answer is written once, at the end.
    while (!last) {
      for (infer::TokenEvent& event : sequence->take(std::chrono::seconds(1))) {
        if (event.token) {
          ++usage.completion_tokens;
          if (api.logprobs >= 0) choice.tokens.push_back({*event.token, event.logprob, event.top});
        }
        gate.add(event.text);
        if (event.finish) last = std::move(event);
      }
    }
    if (*last->finish == infer::FinishReason::kError) {
      throw ApiError(500, "generation failed: " + last->error);
    }
    const PolicyDecision decision = options_.policy.check_output(gate.raw(), prompt);
    if (!decision.allowed) {
      throw ApiError(400,
                     "the answer was refused by the content policy '" + decision.policy +
                         "': " + decision.message,
                     "policy:" + decision.policy);
    }
    choice.text = gate.release(true);
    choice.finish_reason = finish_reason(*last->finish);
    t_exchange.finish = choice.finish_reason;
    choices.push_back(std::move(choice));
  }
  count_tokens(usage);
  const ResponseHead head{id, static_cast<std::int64_t>(std::time(nullptr)), served_.name};
  http::send_json(response, response_body(api, head, choices, usage, *served_.tokenizer));
}

void ApiServer::count_tokens(const Usage& usage) {
  metrics_.counter("tinygpt_prompt_tokens_total", "Tokens read from prompts")
      .inc(static_cast<double>(usage.prompt_tokens));
  metrics_.counter("tinygpt_completion_tokens_total", "Tokens generated")
      .inc(static_cast<double>(usage.completion_tokens));
  t_exchange.prompt_tokens = usage.prompt_tokens;
  t_exchange.completion_tokens = usage.completion_tokens;
}

void ApiServer::answer_stream(const ApiRequest& api, const std::string& id,
                              std::shared_ptr<Sequence> sequence, std::shared_ptr<InFlight> flight,
                              httplib::Response& response) {
  struct State {
    PiiStream gate;
    bool first = true;
    Usage usage;
  };
  auto state = std::make_shared<State>(State{PiiStream(options_.redact_outputs), true,
                                             Usage{.prompt_tokens = sequence->prompt_tokens}});
  const ResponseHead head{id, static_cast<std::int64_t>(std::time(nullptr)), served_.name};
  const std::string prompt = question(api);
  response.set_header("Cache-Control", "no-cache");
  // Each call of the provider writes what the engine produced since the last one; it runs
  // on this request's HTTP thread until the stream ends or the client is gone.
  const auto provider = [this, api, head, prompt, sequence, flight, state](
                            std::size_t, httplib::DataSink& sink) -> bool {
    const auto send = [&](const std::string& bytes) {
      return sink.write(bytes.data(), bytes.size());
    };
    const auto gone = [&] {
      // The client closed the connection: free its slot and KV memory now.
      loop_->cancel(sequence->engine_id);
      metrics_.counter("tinygpt_disconnects_total", "Streams whose client left before the end")
          .inc();
      t_exchange.finish = "disconnected";
      return false;
    };
    const auto end_with_error = [&](int status, const std::string& message) {
      loop_->cancel(sequence->engine_id);
      t_exchange.finish = "error";
      send(sse_event(dump(http::error_body(status, message))));
      send(sse_event("[DONE]"));
      sink.done();
      return true;
    };
    std::deque<infer::TokenEvent> events = sequence->take(std::chrono::seconds(1));
    if (events.empty()) {
      // A comment every second while nothing comes (a long queue): it keeps proxies from
      // closing a quiet connection and finds out whether the client is still there.
      return send(": waiting for a slot\n\n") ? true : gone();
    }
    std::vector<TokenInfo> tokens;
    std::optional<infer::TokenEvent> last;
    for (infer::TokenEvent& event : events) {
      if (event.token) {
        ++state->usage.completion_tokens;
        if (api.logprobs >= 0) tokens.push_back({*event.token, event.logprob, event.top});
      }
      state->gate.add(event.text);
      if (event.finish) last = std::move(event);
    }
    if (last && *last->finish == infer::FinishReason::kError) {
      return end_with_error(500, "generation failed: " + last->error);
    }
    const PolicyDecision decision = options_.policy.check_output(state->gate.raw(), prompt);
    if (!decision.allowed) {
      count_refusal("policy");
      return end_with_error(400, "the answer was refused by the content policy '" +
                                     decision.policy + "': " + decision.message);
    }
    const std::string text = state->gate.release(last.has_value());
    if (state->first || !text.empty() || !tokens.empty()) {
      if (!send(sse_event(dump(stream_chunk(api, head, text, state->first, std::nullopt, tokens,
                                            *served_.tokenizer))))) {
        return last ? false : gone();
      }
      state->first = false;
    }
    if (!last) return true;
    count_tokens(state->usage);
    t_exchange.finish = finish_reason(*last->finish);
    send(sse_event(dump(
        stream_chunk(api, head, "", false, finish_reason(*last->finish), {}, *served_.tokenizer))));
    if (api.include_usage) send(sse_event(dump(usage_chunk(api, head, state->usage))));
    send(sse_event("[DONE]"));
    sink.done();
    return true;
  };
  response.set_chunked_content_provider("text/event-stream", provider);
}

void ApiServer::log_exchange(const httplib::Request& request, const httplib::Response& response) {
  Exchange& exchange = t_exchange;
  const std::string endpoint = endpoint_label(request.path);
  metrics_
      .counter("tinygpt_requests_total", "HTTP requests by endpoint and status",
               {{"endpoint", endpoint}, {"status", std::to_string(response.status)}})
      .inc();
  json line = {{"time", iso_time()},
               {"method", request.method},
               {"path", redact_pii(request.path)},
               {"status", response.status}};
  // Refused while its headers or body were read, before any handler: too large (httplib
  // reads a body after the pre-routing handler has seen its headers), malformed (a body
  // shorter than its Content-Length, bad chunks), unreadable headers.
  if (exchange.refused.empty() && (response.status == 413 || !exchange.routed ||
                                   (response.status == 400 && !exchange.handled))) {
    count_refusal(response.status == 413 ? "body_too_large" : "malformed_http");
  }
  if (exchange.routed) {
    const double seconds = seconds_since(exchange.start);
    metrics_
        .histogram("tinygpt_request_duration_seconds",
                   "From the request's arrival to the last byte of its answer", latency_buckets(),
                   {{"endpoint", endpoint}})
        .observe(seconds);
    line["request_id"] = exchange.id;
    line["duration_ms"] = std::round(seconds * 1e4) / 10;
  }
  line["client"] = redact_pii(exchange.client.empty() ? request.remote_addr : exchange.client);
  if (exchange.completion_tokens > 0 || exchange.prompt_tokens > 0) {
    line["prompt_tokens"] = exchange.prompt_tokens;
    line["completion_tokens"] = exchange.completion_tokens;
  }
  if (!exchange.finish.empty()) line["finish"] = exchange.finish;
  if (!exchange.refused.empty()) line["refused"] = exchange.refused;
  if (!exchange.prompt.empty()) line["prompt"] = exchange.prompt;
  {
    const std::lock_guard lock(log_mutex_);
    log_ << dump(line) << std::endl;
  }
  exchange = Exchange{};
}

void ApiServer::routes() {
  httplib::Server& raw = http_->raw();
  const std::uint32_t prefix = std::random_device{}();
  raw.set_pre_routing_handler(
      [this, prefix](const httplib::Request& request, httplib::Response& response) {
        t_exchange = Exchange{};
        t_exchange.routed = true;
        t_exchange.start = Clock::now();
        // A caller's own id (a proxy's, for tracing) is kept when it is a sane token.
        std::string id = request.get_header_value("X-Request-Id");
        const bool sane = !id.empty() && id.size() <= 64 &&
                          id.find_first_not_of(
                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789-_.") == std::string::npos;
        if (!sane) {
          char text[32];
          std::snprintf(text, sizeof text, "%08x-%lld", prefix,
                        static_cast<long long>(next_id_.fetch_add(1)));
          id = text;
        }
        t_exchange.id = id;
        response.set_header("X-Request-Id", id);
        return httplib::Server::HandlerResponse::Unhandled;
      });
  raw.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    log_exchange(request, response);
  });
  http_->get_json("/healthz", [](const httplib::Request&) { return json{{"status", "ok"}}; });
  raw.Get("/readyz", [this](const httplib::Request&, httplib::Response& response) {
    const bool ready = !draining_;
    http::send_json(response, {{"status", ready ? "ready" : "draining"}, {"model", served_.name}},
                    ready ? 200 : 503);
  });
  raw.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_.exposition(), "text/plain; version=0.0.4; charset=utf-8");
  });
  const auto models = [this](const httplib::Request& request, httplib::Response& response) {
    try {
      authorised_client(request);
      const json body =
          models_body(served_.name, started_, options_.model_card.empty() ? "" : "/model_card.md");
      if (request.matches.size() > 1) {
        if (request.matches[1] != served_.name) {
          throw ApiError(404, "the model '" + std::string(request.matches[1]) +
                                  "' does not exist here: this server serves '" + served_.name +
                                  "'");
        }
        http::send_json(response, body["data"][0]);
        return;
      }
      http::send_json(response, body);
    } catch (const ApiError& error) {
      refuse(response, error, error.status() == 401 ? "unauthorized" : "unknown_model");
    }
  };
  raw.Get("/v1/models", models);
  raw.Get(R"(/v1/models/([^/]+))", models);
  if (!options_.model_card.empty()) {
    raw.Get("/model_card.md", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(options_.model_card, "text/markdown; charset=utf-8");
    });
  }
  // The chat page (page/): public, its API calls carry the key.
  http_->serve_files(page_files());
  raw.Post("/v1/completions", [this](const httplib::Request& request, httplib::Response& response) {
    generate(request, response, Endpoint::kCompletions);
  });
  raw.Post("/v1/chat/completions",
           [this](const httplib::Request& request, httplib::Response& response) {
             generate(request, response, Endpoint::kChatCompletions);
           });
}

void ApiServer::run(std::ostream& announce) {
  http_->set_drain([this] { drain(); });
  http_->run(announce, true);
}

void ApiServer::drain() {
  draining_ = true;
  std::unique_lock lock(flight_mutex_);
  if (!flight_changed_.wait_for(lock, options_.grace, [&] { return in_flight_ == 0; })) {
    // The grace is over: what is still generating is cancelled, and its clients get the
    // text so far (a stream) or an error.
    for (const std::int64_t id : active_ids_) loop_->cancel(id);
    flight_changed_.wait_for(lock, std::chrono::seconds(10), [&] { return in_flight_ == 0; });
  }
}

}  // namespace tinygpt::serve
