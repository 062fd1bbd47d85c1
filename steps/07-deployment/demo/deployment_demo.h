// Step 07's part of the journey: step 05's aligned chat model served with OpenAI's API
// (`tinygpt serve`'s server, apps/serve) on 127.0.0.1, and used the way a client uses it,
// over HTTP: one streamed chat answer judged by the world's ground truth, then a short
// load test (one client, then several at once) that shows what continuous batching buys.
//
// In the run folder:
//   serve/MODEL_CARD.md   the model card, written from the DPO run and step 06's report,
//                         which the server also serves at /model_card.md
//   serve/access.log      the server's JSON access log, a line per request
//   REPORT.md             gains the section "Step 07: deployment"
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "tinygpt/data/judge.h"

namespace tinygpt::demo {

/// Settings of the deployment part; the defaults are the journey's.
struct DeploymentJourneyOptions {
  std::filesystem::path out = ".tinygpt/journey";  ///< the journey's run folder
  std::string host = "127.0.0.1";                  ///< where the server listens
  int port = 0;                                    ///< its port (0: a free one)
  std::int64_t slots = 8;                          ///< sequences the engine decodes at once
  std::int64_t clients = 8;              ///< clients at once in the load test's second half
  std::int64_t requests_per_client = 4;  ///< completions each client asks for, one by one
  std::int64_t load_tokens = 64;         ///< max_tokens of each load-test completion
};

/// What the deployment part measured.
struct DeploymentJourneyResult {
  std::string url;              ///< the server's address; the chat page is at url + "/"
  std::string question;         ///< the test question asked through the chat API
  std::string answer;           ///< the model's streamed answer
  std::string expected;         ///< the world's value for the fact asked about
  data::Verdict verdict;        ///< the ground-truth judge's verdict on the answer
  double first_token_ms = 0.0;  ///< from sending the request to its first token
  double one_client_tokens_per_second = 0.0;    ///< generated tokens per second, one client
  double many_clients_tokens_per_second = 0.0;  ///< the same with `clients` at once
  std::int64_t clients = 0;                     ///< clients at once in the second half
  std::int64_t load_requests = 0;               ///< completions in the load test, both halves
  std::filesystem::path model_card;             ///< out/serve/MODEL_CARD.md
  double seconds = 0.0;                         ///< the part's wall time, serving excluded
};

/// @brief The journey's server: step 05's chat model (out/align/dpo/model), its engine and
/// the API server on a thread, from construction until stop() or, with keep_serving,
/// Ctrl-C.
class JourneyServer {
 public:
  /// @param options where to listen and with how many slots.
  /// @param keep_serving whether SIGINT and SIGTERM stop it (a server left running for a
  ///        person); otherwise stop() does.
  JourneyServer(const DeploymentJourneyOptions& options, bool keep_serving);
  ~JourneyServer();
  JourneyServer(const JourneyServer&) = delete;
  JourneyServer& operator=(const JourneyServer&) = delete;

  /// @return "http://HOST:PORT".
  std::string url() const;
  /// @return the model's id in the API.
  const std::string& model_name() const;
  /// @brief Stops the server and waits for it.
  void stop();
  /// @brief Waits until Ctrl-C (or SIGTERM) has drained and stopped the server.
  void wait_for_signal();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// @brief Talks to the running server as a client would (see the file) and appends the
/// section to out/REPORT.md.
DeploymentJourneyResult run_deployment_journey(const DeploymentJourneyOptions& options,
                                               const JourneyServer& server, std::ostream& log);

/// @brief The Markdown section REPORT.md gains.
std::string deployment_report(const DeploymentJourneyOptions& options,
                              const DeploymentJourneyResult& result);

}  // namespace tinygpt::demo
