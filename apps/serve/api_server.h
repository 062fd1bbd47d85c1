// `tinygpt serve`: OpenAI's completion and chat API over HTTP on the inference engine, with
// streaming, API keys, a per-key rate limit, a bounded queue, a content policy, PII
// redaction, Prometheus metrics, health probes, JSON access logs and a graceful drain.
//
// Every generation request becomes one engine request per choice; the engine's thread
// (EngineLoop) batches all of them, and the HTTP thread that received a request waits for
// its events and writes them: all at once, or as server-sent events while they come. A
// request holds its HTTP thread until it is answered, so the server has threads for every
// slot and queue place plus a few for probes and /metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "engine_loop.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/serve/api_keys.h"
#include "tinygpt/serve/content_policy.h"
#include "tinygpt/serve/metrics.h"
#include "tinygpt/serve/openai_request.h"
#include "tinygpt/serve/openai_response.h"
#include "tinygpt/serve/rate_limit.h"
// After Eigen (through the engine's headers): httplib's <resolv.h> defines _res.
#include "http/server.h"

namespace tinygpt::serve {

class InFlight;

/// @brief How the API server behaves beyond the HTTP basics.
struct ApiServerOptions {
  http::ServerOptions http;        ///< address, body limit, timeouts, TLS (threads are set here)
  std::int64_t slots = 16;         ///< the engine's slots (sequences decoding at once)
  std::int64_t max_queue = 32;     ///< requests that may wait for a slot; more get 503
  std::optional<ApiKeys> keys;     ///< empty: no key needed
  double requests_per_minute = 0;  ///< per key (or address); 0: no rate limit
  double burst = 10;               ///< requests a rested client may send at once
  std::chrono::seconds grace{30};  ///< on SIGTERM, how long requests under way may finish
  bool redact_prompts = false;     ///< replace PII in prompts before the model reads them
  bool redact_outputs = false;     ///< replace PII in answers before they are sent
  bool log_prompts = false;        ///< log prompts (always redacted) in the access log
  ContentPolicy policy;            ///< checks before and after generation
  std::string model_card;          ///< the model card's Markdown, served at /model_card.md
};

/// @brief The API server (see the file).
class ApiServer {
 public:
  /// @param served the model, tokenizer and chat template; they must outlive the server.
  /// @param engine the engine over that model (built with options.slots slots).
  /// @param options the limits and switches.
  /// @param log where the JSON access log goes, one line per request.
  ApiServer(const ServedModel& served, infer::Engine& engine, ApiServerOptions options,
            std::ostream& log);
  ~ApiServer();

  /// @return the HTTP server (bind(), url(), stop()).
  http::Server& http() { return *http_; }

  /// @brief Serves until SIGINT or SIGTERM, then drains (drain()) and returns.
  /// @param announce where "listening on URL" goes.
  void run(std::ostream& announce);

  /// @brief Refuses new generations (503, and /readyz fails), waits up to the grace period
  /// for the requests under way, cancels what is left and waits for those to end.
  void drain();

  /// @brief What one choice's sequence has produced so far (defined in api_server.cpp).
  struct Sequence;

 private:
  // Each endpoint: checks, engine requests, the answer.
  void generate(const httplib::Request& request, httplib::Response& response, Endpoint endpoint);
  // Auth, rate limit, body, fields, policy, queue room: throws ApiError when any says no.
  ApiRequest admit(const httplib::Request& request, Endpoint endpoint);
  // Submits one engine request per choice.
  std::vector<std::shared_ptr<Sequence>> submit(const ApiRequest& api);
  void answer_whole(const ApiRequest& api, const std::string& id,
                    const std::vector<std::shared_ptr<Sequence>>& sequences,
                    httplib::Response& response);
  // The provider holds `flight` until the stream ends.
  void answer_stream(const ApiRequest& api, const std::string& id,
                     std::shared_ptr<Sequence> sequence, std::shared_ptr<InFlight> flight,
                     httplib::Response& response);
  // Adds a request's tokens to the counters and the access log.
  void count_tokens(const Usage& usage);
  // Counts and logs one finished HTTP exchange (httplib's logger).
  void log_exchange(const httplib::Request& request, const httplib::Response& response);
  // Counts a refusal by reason, in the metrics and the access log.
  void count_refusal(const std::string& reason);
  void refuse(httplib::Response& response, const ApiError& error, const std::string& reason);
  std::string authorised_client(const httplib::Request& request);
  void routes();

  const ServedModel& served_;
  ApiServerOptions options_;
  std::ostream& log_;
  std::mutex log_mutex_;
  MetricsRegistry metrics_;
  std::optional<RateLimiter> limiter_;
  std::unique_ptr<http::Server> http_;
  std::unique_ptr<EngineLoop> loop_;
  std::int64_t started_ = 0;  // Unix seconds, for /v1/models
  std::atomic<std::int64_t> next_id_{0};
  std::atomic<bool> draining_{false};
  std::mutex flight_mutex_;  // guards in_flight_ and active_ids_
  std::condition_variable flight_changed_;
  std::int64_t in_flight_ = 0;         // generation requests admitted and not yet answered
  std::set<std::int64_t> active_ids_;  // their engine requests, to cancel at the grace's end

  friend class InFlight;
};

}  // namespace tinygpt::serve
