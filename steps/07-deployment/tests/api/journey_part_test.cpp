// Step 07's part of the journey (demo/deployment_demo.h) on a small world and a tiny chat
// model where step 05 leaves its DPO model: the server answers a test question over HTTP,
// the load test counts the tokens it generated, REPORT.md gains the section, the model card
// is written beside the run, and stop() really stops the server.
#include <sstream>

#include "deployment_demo.h"
#include "live_server.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

TEST_CASE("the journey's deployment part serves step 05's model and measures it over HTTP",
          "[step07][journey]") {
  TempDir dir("journey-deployment");
  const std::filesystem::path out = dir.path();
  // A world with stories (the tokenizer's text) and preference pairs (the test question).
  const std::filesystem::path chat = testing::make_chat_model(out / "tiny", 96);
  data::generate({.seed = 1, .size = 20000, .kinds = {"stories", "preferences"}}, out / "world");
  std::filesystem::create_directories(out / "align" / "dpo");
  std::filesystem::copy(chat, out / "align" / "dpo" / "model");
  write_file_atomically(out / "REPORT.md", "# The journey: pre-training report\n");

  demo::DeploymentJourneyOptions options;
  options.out = out;
  options.slots = 4;
  options.clients = 3;
  options.requests_per_client = 2;
  options.load_tokens = 8;
  demo::JourneyServer server(options, false);
  std::ostringstream log;
  const demo::DeploymentJourneyResult result = demo::run_deployment_journey(options, server, log);

  CHECK(result.url == server.url());
  CHECK_THAT(result.url, contains("http://127.0.0.1:"));
  // The first test question of the world, answered (the random model never ends an answer:
  // it has no end-of-text token) and judged.
  const auto test = tune::load_preferences(out / "world", tune::Split::kTest);
  REQUIRE_FALSE(test.empty());
  CHECK(result.question == test.front().prompt);
  CHECK_FALSE(result.answer.empty());
  CHECK(result.verdict.fact >= 0);
  CHECK_FALSE(result.expected.empty());
  CHECK(result.first_token_ms > 0.0);
  CHECK(result.one_client_tokens_per_second > 0.0);
  CHECK(result.many_clients_tokens_per_second > 0.0);
  CHECK(result.load_requests == (1 + 3) * 2);

  const std::string report = read_file(out / "REPORT.md");
  CHECK_THAT(report, contains("# The journey: pre-training report\n"));
  CHECK_THAT(report, contains("## Step 07: deployment"));
  CHECK_THAT(report, contains(result.question));
  CHECK_THAT(report, contains("| 3 clients / 1 client |"));
  CHECK_THAT(read_file(result.model_card), contains("# Model card"));
  // The access log has the chat request and the eight completions.
  const std::string access = read_file(out / "serve" / "access.log");
  CHECK(std::count(access.begin(), access.end(), '\n') >= 9);

  server.stop();
  httplib::Client client(result.url);
  CHECK_FALSE(client.Get("/healthz"));
}
