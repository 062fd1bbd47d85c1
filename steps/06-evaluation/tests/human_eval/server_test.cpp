// The rating page's server end to end on 127.0.0.1 (a free port), spoken to with
// cpp-httplib's client: the page's files, a whole rating session through the JSON API, and
// bad requests, each answered with its 4xx and a JSON error while the server keeps serving.
#include <nlohmann/json.hpp>
#include <thread>

#include "human_eval/store.h"
#include "test_support.hpp"

// After Eigen (test_support.hpp): <httplib.h> brings <resolv.h>, whose `_res` breaks Eigen.
#include "human_eval/rating_server.h"

using namespace tinygpt;
using namespace tinygpt::human_eval;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

std::vector<Item> make_items(int n) {
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    items.push_back({.id = "item-" + k,
                     .prompt = "prompt " + k,
                     .answers = {{"x", "x answers " + k}, {"y", "y answers " + k}},
                     .better = "x"});
  }
  return items;
}

// A rating server on 127.0.0.1, port 0, running on its own thread for the test's length.
class RunningServer {
 public:
  explicit RunningServer(RatingStore& store)
      : server_({.host = "127.0.0.1", .port = 0, .max_body_bytes = kMaxRatingBody}) {
    add_rating_routes(server_, store);
    port_ = server_.bind();
    thread_ = std::thread([this] { server_.run(announce_, /*stop_on_signals=*/false); });
    server_.wait_until_running();
  }
  ~RunningServer() {
    server_.stop();
    thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  httplib::Client client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(10));
    return client;
  }
  std::string announced() const { return announce_.str(); }
  int port() const { return port_; }

 private:
  http::Server server_;
  int port_ = 0;
  std::ostringstream announce_;
  std::thread thread_;
};

nlohmann::json json_of(const httplib::Result& result) {
  REQUIRE(result);
  return nlohmann::json::parse(result->body);
}

httplib::Result post(httplib::Client& client, const nlohmann::json& body) {
  return client.Post("/api/rating", body.dump(), "application/json");
}

}  // namespace

TEST_CASE("human eval server: a rater rates every item through the API, blind and in order",
          "[step06][human_eval]") {
  TempDir dir("server-flow");
  const std::vector<Item> items = make_items(4);
  std::unique_ptr<RatingStore> store =
      RatingStore::open_study(dir.path() / "r.sqlite", items, "items.jsonl", Mode::kPairwise, 3);
  RunningServer server(*store);
  CHECK(server.announced() ==
        "listening on http://127.0.0.1:" + std::to_string(server.port()) + "\n");
  httplib::Client client = server.client();

  // The page itself, embedded in the program.
  const httplib::Result page = client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK_THAT(page->body, contains("<script src=\"/rating.js\">"));
  const httplib::Result script = client.Get("/rating.js");
  REQUIRE(script);
  CHECK(script->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  CHECK_THAT(script->body, contains("/api/next"));

  CHECK(json_of(client.Get("/api/study")) == nlohmann::json{{"mode", "pairwise"}, {"items", 4}});
  const std::vector<std::string> choices = {"left", "right", "tie", "left"};
  for (int k = 0; k < 4; ++k) {
    const nlohmann::json next = json_of(client.Get("/api/next?rater=Ada%20Lovelace"));
    CHECK(next["rater"] == "Ada Lovelace");
    CHECK(next["rated"] == k);
    CHECK(next["total"] == 4);
    const nlohmann::json& item = next["item"];
    CHECK(item["sequence"] == k + 1);
    // Blind: labels and texts only, no system names, no truth.
    CHECK(item["answers"][0]["label"] == "A");
    CHECK(item["answers"][1]["label"] == "B");
    CHECK_FALSE(item["answers"][0].contains("system"));
    CHECK_FALSE(item.contains("better"));
    const httplib::Result saved =
        post(client, {{"rater", "Ada Lovelace"}, {"item", item["id"]}, {"choice", choices[k]}});
    REQUIRE(saved);
    CHECK(saved->status == 200);
    CHECK(json_of(saved) == nlohmann::json{{"saved", true}});
  }
  const nlohmann::json done = json_of(client.Get("/api/next?rater=Ada%20Lovelace"));
  CHECK(done["item"].is_null());
  CHECK(done["rated"] == 4);

  // What was stored: the choices, mapped to the systems shown on that side.
  const std::vector<RatingRecord> records = store->ratings();
  REQUIRE(records.size() == 4);
  for (int k = 0; k < 4; ++k) {
    const RatingRecord& record = records[static_cast<std::size_t>(k)];
    CHECK(record.sequence == k + 1);
    CHECK(choice_name(*record.choice) == choices[static_cast<std::size_t>(k)]);
    CHECK(record.winner == (choices[static_cast<std::size_t>(k)] == "left"    ? record.shown[0]
                            : choices[static_cast<std::size_t>(k)] == "right" ? record.shown[1]
                                                                              : "tie"));
  }
}

TEST_CASE("human eval server: bad requests get their 4xx and a JSON error, and the server goes on",
          "[step06][human_eval]") {
  TempDir dir("server-errors");
  const std::vector<Item> items = make_items(3);
  std::unique_ptr<RatingStore> store =
      RatingStore::open_study(dir.path() / "r.sqlite", items, "items.jsonl", Mode::kPairwise, 3);
  RunningServer server(*store);
  httplib::Client client = server.client();
  const nlohmann::json next = json_of(client.Get("/api/next?rater=ada"));
  const std::string shown = next["item"]["id"];
  std::string not_shown;
  for (const Item& item : items) {
    if (item.id != shown && not_shown.empty()) not_shown = item.id;
  }

  struct BadRequest {
    std::string what;
    httplib::Result result;
    int status;
    std::string message;  // a part of the error's message
  };
  const auto raw = [&](const std::string& body, const std::string& type) {
    return client.Post("/api/rating", body, type.c_str());
  };
  std::vector<BadRequest> bad;
  bad.push_back({"malformed JSON", raw("{\"rater\": \"ada\",", "application/json"), 400,
                 "the body is not valid JSON"});
  bad.push_back({"not an object", raw("[1, 2]", "application/json"), 400,
                 "must be a JSON object, not array"});
  bad.push_back({"not JSON at all", raw("rater=ada", "application/x-www-form-urlencoded"), 415,
                 "Content-Type application/json"});
  bad.push_back(
      {"no rater", post(client, {{"item", shown}, {"choice", "left"}}), 400, "no field 'rater'"});
  bad.push_back({"rater not a string",
                 post(client, {{"rater", 7}, {"item", shown}, {"choice", "left"}}), 400,
                 "field 'rater' must be a string"});
  bad.push_back({"bad choice",
                 post(client, {{"rater", "ada"}, {"item", shown}, {"choice", "middle"}}), 400,
                 "choice 'middle' is not left, right or tie"});
  bad.push_back(
      {"choice and scores",
       post(client, {{"rater", "ada"}, {"item", shown}, {"choice", "left"}, {"scores", {1, 2}}}),
       400, "exactly one of 'choice'"});
  bad.push_back({"scores in pairwise mode",
                 post(client, {{"rater", "ada"}, {"item", shown}, {"scores", {1, 2}}}), 400,
                 "mode pairwise"});
  bad.push_back({"unknown item",
                 post(client, {{"rater", "ada"}, {"item", "item-99"}, {"choice", "left"}}), 404,
                 "no item has the id 'item-99'"});
  bad.push_back({"unknown rater",
                 post(client, {{"rater", "eve"}, {"item", shown}, {"choice", "left"}}), 404,
                 "no rater is called 'eve'"});
  bad.push_back({"item not shown to the rater",
                 post(client, {{"rater", "ada"}, {"item", not_shown}, {"choice", "left"}}), 409,
                 "was not shown to rater 'ada'"});
  bad.push_back(
      {"body too large",
       raw("{\"rater\": \"" + std::string(kMaxRatingBody + 10, 'a') + "\"}", "application/json"),
       413, "the limit is 65536 bytes"});
  bad.push_back(
      {"next without a rater", client.Get("/api/next"), 400, "the query has no parameter 'rater'"});
  bad.push_back({"a rater name with a control character", client.Get("/api/next?rater=a%0Ab"), 400,
                 "control character"});
  bad.push_back(
      {"unknown path", client.Get("/api/nothing"), 404, "no such path: GET /api/nothing"});
  // The one good rating, then the same again: already rated.
  const httplib::Result good = post(client, {{"rater", "ada"}, {"item", shown}, {"choice", "tie"}});
  REQUIRE(good);
  CHECK(good->status == 200);
  bad.push_back({"rated twice",
                 post(client, {{"rater", "ada"}, {"item", shown}, {"choice", "left"}}), 409,
                 "rated item '" + shown + "' already"});

  for (const BadRequest& request : bad) {
    INFO(request.what);
    REQUIRE(request.result);
    CHECK(request.result->status == request.status);
    CHECK(request.result->get_header_value("Content-Type") == "application/json");
    const nlohmann::json error = nlohmann::json::parse(request.result->body)["error"];
    CHECK(error["code"] == request.status);
    CHECK_THAT(error["message"].get<std::string>(), contains(request.message));
    CHECK(error["type"].is_string());
  }
  // Still serving, and nothing bad was stored.
  const nlohmann::json after = json_of(client.Get("/api/next?rater=ada"));
  CHECK(after["rated"] == 1);
  CHECK(after["item"]["id"] != shown);
  CHECK(store->ratings().size() == 1);
}
