// The server's Prometheus metrics (serve/metrics.h): the exact exposition text of a small
// registry, escaping, the numbers' spelling, every refusal, increments from many threads
// adding up exactly, and promtool (Prometheus' own checker) accepting the whole text.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/serve/metrics.h"
#include "tinygpt_catch.hpp"

namespace fs = std::filesystem;
using namespace tinygpt::serve;
using tinygpt::testing::contains;

namespace {

const Labels kOk = {{"endpoint", "/v1/completions"}, {"status", "200"}};

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A registry with every kind of metric the server exposes, and awkward values for each.
void fill_every_kind(MetricsRegistry& registry) {
  auto& requests = registry.counter("tinygpt_requests_total",
                                    "Requests answered, by endpoint and HTTP status.", kOk);
  requests.inc(41);
  registry
      .counter("tinygpt_requests_total", "Requests answered, by endpoint and HTTP status.",
               {{"endpoint", "/v1/chat/completions"}, {"status", "503"}})
      .inc();
  registry
      .counter("tinygpt_rejected_requests_total",
               "Requests refused before queueing, by reason.\nA second line, a \\ too.",
               {{"reason", "odd \"value\"\nwith \\ escapes"}})
      .inc(2);
  registry.counter("tinygpt_prompt_tokens_total", "Prompt tokens read.").inc(1234567);
  registry.gauge("tinygpt_queue_depth", "Requests waiting for a slot.").set(3);
  registry.gauge("tinygpt_kv_cache_used_ratio", "Share of KV cache slots in use.").set(0.375);
  registry.gauge("tinygpt_last_loss", "Last loss seen (NaN before the first).").set(std::nan(""));
  registry.gauge("tinygpt_lowest_logit", "Lowest logit seen (-Inf when masked).")
      .set(-std::numeric_limits<double>::infinity());
  for (const char* endpoint : {"/v1/completions", "/v1/chat/completions"}) {
    auto& duration = registry.histogram("tinygpt_request_duration_seconds",
                                        "Whole requests, arrival to last byte.", latency_buckets(),
                                        {{"endpoint", endpoint}});
    for (double seconds : {0.0004, 0.003, 0.2, 1.5, 42.0, 100.0}) duration.observe(seconds);
  }
  registry.histogram("tinygpt_queue_seconds", "Time from arrival to the first decode step.",
                     latency_buckets());
}

}  // namespace

TEST_CASE("metrics: the exposition of a counter with labels, a gauge and a histogram",
          "[step07][metrics]") {
  MetricsRegistry registry;
  CHECK(registry.exposition().empty());
  registry.counter("tinygpt_requests_total", "Requests answered.", kOk).inc(3);
  registry
      .counter("tinygpt_requests_total", "Requests answered.",
               {{"endpoint", "/v1/completions"}, {"status", "400"}})
      .inc();
  registry.gauge("tinygpt_queue_depth", "Requests waiting for a slot.").set(2);
  Histogram& queue =
      registry.histogram("tinygpt_queue_seconds", "Time spent queueing.", {0.25, 0.5, 1});
  for (double seconds : {0.25, 0.5, 0.75, 3.0}) queue.observe(seconds);
  CHECK(queue.count() == 4);
  CHECK(queue.sum() == 4.5);
  CHECK(queue.cumulative_counts() == std::vector<std::uint64_t>{1, 2, 3, 4});

  // Families sorted by name, series by label values, buckets cumulative and "le" inclusive
  // (0.25 counts in the 0.25 bucket).
  const std::string expected =
      "# HELP tinygpt_queue_depth Requests waiting for a slot.\n"
      "# TYPE tinygpt_queue_depth gauge\n"
      "tinygpt_queue_depth 2\n"
      "# HELP tinygpt_queue_seconds Time spent queueing.\n"
      "# TYPE tinygpt_queue_seconds histogram\n"
      "tinygpt_queue_seconds_bucket{le=\"0.25\"} 1\n"
      "tinygpt_queue_seconds_bucket{le=\"0.5\"} 2\n"
      "tinygpt_queue_seconds_bucket{le=\"1\"} 3\n"
      "tinygpt_queue_seconds_bucket{le=\"+Inf\"} 4\n"
      "tinygpt_queue_seconds_sum 4.5\n"
      "tinygpt_queue_seconds_count 4\n"
      "# HELP tinygpt_requests_total Requests answered.\n"
      "# TYPE tinygpt_requests_total counter\n"
      "tinygpt_requests_total{endpoint=\"/v1/completions\",status=\"200\"} 3\n"
      "tinygpt_requests_total{endpoint=\"/v1/completions\",status=\"400\"} 1\n";
  CHECK(registry.exposition() == expected);
}

TEST_CASE("metrics: a histogram with labels puts le last and sums its buckets",
          "[step07][metrics]") {
  MetricsRegistry registry;
  auto& latency = registry.histogram("tinygpt_request_duration_seconds", "Whole requests.", {0.5},
                                     {{"endpoint", "/v1/completions"}});
  latency.observe(0.125);
  latency.observe(2);
  CHECK(registry.exposition() ==
        "# HELP tinygpt_request_duration_seconds Whole requests.\n"
        "# TYPE tinygpt_request_duration_seconds histogram\n"
        "tinygpt_request_duration_seconds_bucket{endpoint=\"/v1/completions\",le=\"0.5\"} 1\n"
        "tinygpt_request_duration_seconds_bucket{endpoint=\"/v1/completions\",le=\"+Inf\"} 2\n"
        "tinygpt_request_duration_seconds_sum{endpoint=\"/v1/completions\"} 2.125\n"
        "tinygpt_request_duration_seconds_count{endpoint=\"/v1/completions\"} 2\n");
}

TEST_CASE("metrics: the same name and labels give the same object, in any label order",
          "[step07][metrics]") {
  MetricsRegistry registry;
  Counter& first = registry.counter("tinygpt_requests_total", "Requests.", kOk);
  Counter& again = registry.counter("tinygpt_requests_total", "Requests.",
                                    {{"status", "200"}, {"endpoint", "/v1/completions"}});
  CHECK(&first == &again);
  Counter& other = registry.counter("tinygpt_requests_total", "Requests.",
                                    {{"endpoint", "/v1/completions"}, {"status", "500"}});
  CHECK(&first != &other);
  // References survive many more series being added.
  for (int i = 0; i < 1000; ++i) {
    registry.counter("tinygpt_requests_total", "Requests.",
                     {{"endpoint", "/e" + std::to_string(i)}, {"status", "200"}});
  }
  first.inc(5);
  CHECK(registry.counter("tinygpt_requests_total", "Requests.", kOk).value() == 5);
  CHECK(&registry.gauge("tinygpt_queue_depth", "Waiting.") ==
        &registry.gauge("tinygpt_queue_depth", "Waiting."));
  CHECK(&registry.histogram("tinygpt_queue_seconds", "Queueing.", latency_buckets()) ==
        &registry.histogram("tinygpt_queue_seconds", "Queueing.", latency_buckets()));
}

TEST_CASE("metrics: label values and help texts are escaped", "[step07][metrics]") {
  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(escape_help("a\\b\"c\nd") == "a\\\\b\"c\\nd");
  MetricsRegistry registry;
  registry.gauge("tinygpt_odd", "Back\\slash and\nnew line.", {{"path", "C:\\x \"y\"\nz"}}).set(1);
  CHECK(registry.exposition() ==
        "# HELP tinygpt_odd Back\\\\slash and\\nnew line.\n"
        "# TYPE tinygpt_odd gauge\n"
        "tinygpt_odd{path=\"C:\\\\x \\\"y\\\"\\nz\"} 1\n");
}

TEST_CASE("metrics: numbers are spelt as Prometheus reads them", "[step07][metrics]") {
  CHECK(format_metric_value(0) == "0");
  CHECK(format_metric_value(-0.0) == "0");
  CHECK(format_metric_value(42) == "42");
  CHECK(format_metric_value(-7) == "-7");
  CHECK(format_metric_value(1e15) == "1000000000000000");
  CHECK(format_metric_value(0.5) == "0.5");
  CHECK(format_metric_value(0.005) == "0.005");
  CHECK(format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_metric_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_metric_value(std::nan("")) == "NaN");
  // Anything else is the shortest text that reads back to the same double.
  for (double value : {0.1, 1.0 / 3.0, 1e-7, 123456.789, 1e300, -2.5e-300}) {
    CHECK(std::stod(format_metric_value(value)) == value);
  }
}

TEST_CASE("metrics: bad names, labels, values and clashes are errors naming the metric",
          "[step07][metrics]") {
  using tinygpt::Error;
  MetricsRegistry registry;
  CHECK_THROWS_WITH(registry.gauge("1tinygpt", "x"), contains("'1tinygpt'"));
  CHECK_THROWS_WITH(registry.gauge("tinygpt-queue", "x"), contains("'tinygpt-queue'"));
  CHECK_THROWS_WITH(registry.gauge("", "x"), contains("not a Prometheus metric name"));
  CHECK_THROWS_WITH(registry.counter("tinygpt_requests", "x"),
                    contains("counter tinygpt_requests: a counter's name must end in _total"));
  CHECK_THROWS_WITH(registry.gauge("tinygpt_queue_depth", ""),
                    contains("tinygpt_queue_depth: the help text is empty"));
  CHECK_THROWS_WITH(registry.gauge("tinygpt_g", "x", {{"a:b", "1"}}), contains("'a:b'"));
  CHECK_THROWS_WITH(registry.gauge("tinygpt_g", "x", {{"__name", "1"}}),
                    contains("'__name' starts with __"));
  CHECK_THROWS_WITH(registry.gauge("tinygpt_g", "x", {{"a", "1"}, {"a", "2"}}),
                    contains("label 'a' is given twice"));
  CHECK_THROWS_WITH(registry.histogram("tinygpt_h", "x", {1}, {{"le", "1"}}),
                    contains("'le' is reserved"));
  CHECK_THROWS_WITH(registry.histogram("tinygpt_h", "x", {1, 1}),
                    contains("histogram tinygpt_h: bucket bounds must increase strictly"));
  CHECK_THROWS_WITH(registry.histogram("tinygpt_h", "x", {1, std::nan("")}),
                    contains("bucket bound NaN is not finite"));
  CHECK_THROWS_AS(Histogram("tinygpt_h", {2, 1}), Error);

  registry.counter("tinygpt_requests_total", "Requests.", kOk);
  CHECK_THROWS_WITH(registry.gauge("tinygpt_requests_total", "Requests."),
                    contains("metric tinygpt_requests_total is a counter, asked for as a gauge"));
  CHECK_THROWS_WITH(registry.counter("tinygpt_requests_total", "Other help.", kOk),
                    contains("counter tinygpt_requests_total has the help text 'Requests.'"));
  CHECK_THROWS_WITH(
      registry.counter("tinygpt_requests_total", "Requests.", {{"endpoint", "/v1/completions"}}),
      contains("tinygpt_requests_total has the labels (endpoint, status), asked "
               "for with (endpoint)"));
  CHECK_THROWS_WITH(
      registry.counter("tinygpt_requests_total", "Requests.", {{"endpoint", "/"}, {"code", "200"}}),
      contains("asked for with (endpoint, code)"));
  registry.histogram("tinygpt_queue_seconds", "Queueing.", {1, 2});
  CHECK_THROWS_WITH(registry.histogram("tinygpt_queue_seconds", "Queueing.", {1, 3}),
                    contains("histogram tinygpt_queue_seconds has other bucket bounds"));
  CHECK_THROWS_WITH(registry.gauge("tinygpt_queue_seconds_count", "x"),
                    contains("which the histogram tinygpt_queue_seconds writes already"));
  registry.gauge("tinygpt_latency_sum", "x");
  CHECK_THROWS_WITH(registry.histogram("tinygpt_latency", "x", {1}),
                    contains("gauge tinygpt_latency_sum writes already"));

  Counter& requests = registry.counter("tinygpt_requests_total", "Requests.", kOk);
  CHECK_THROWS_WITH(requests.inc(-1),
                    contains("counter tinygpt_requests_total{endpoint=\"/v1/completions\","
                             "status=\"200\"}: inc(-1) refused"));
  CHECK_THROWS_WITH(requests.inc(std::nan("")), contains("inc(NaN) refused"));
  CHECK(requests.value() == 0);
  CHECK_THROWS_WITH(
      registry.histogram("tinygpt_queue_seconds", "Queueing.", {1, 2}).observe(std::nan("")),
      contains("histogram tinygpt_queue_seconds: observe(NaN) refused"));
  // A refused call leaves nothing behind: the exposition still has exactly the three
  // families registered above.
  const std::string text = registry.exposition();
  CHECK(text.find("tinygpt_h ") == std::string::npos);
  CHECK(text.find("tinygpt_g ") == std::string::npos);
  CHECK(text.find("tinygpt_latency ") == std::string::npos);
}

TEST_CASE("metrics: updates from many threads add up exactly", "[step07][metrics]") {
  MetricsRegistry registry;
  constexpr int kThreads = 8;
  constexpr int kUpdates = 20000;
  std::vector<std::thread> threads;
  std::atomic<bool> done{false};
  // A scraper reads the text all along: the histogram's count never goes down and always
  // equals its +Inf bucket. (Catch2's assertions are not thread-safe: it only records.)
  int scrapes = 0;
  bool consistent = true;
  std::thread scraper([&] {
    std::uint64_t last = 0;
    while (!done.load()) {
      const std::string text = registry.exposition();
      const std::string count_name = "tinygpt_inter_token_seconds_count ";
      const std::string inf_name = "tinygpt_inter_token_seconds_bucket{le=\"+Inf\"} ";
      const std::size_t count_at = text.find(count_name);
      const std::size_t inf_at = text.find(inf_name);
      if (count_at == std::string::npos || inf_at == std::string::npos) continue;
      const std::uint64_t count = std::stoull(text.substr(count_at + count_name.size()));
      const std::uint64_t inf = std::stoull(text.substr(inf_at + inf_name.size()));
      consistent = consistent && count == inf && count >= last;
      last = count;
      ++scrapes;
    }
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, t] {
      // Each thread looks its series up itself, as HTTP threads do per request.
      Counter& shared = registry.counter("tinygpt_requests_total", "Requests.", kOk);
      Counter& own = registry.counter("tinygpt_requests_total", "Requests.",
                                      {{"endpoint", "/t" + std::to_string(t)}, {"status", "200"}});
      Gauge& active = registry.gauge("tinygpt_active_sequences", "Sequences decoding.");
      Histogram& latency =
          registry.histogram("tinygpt_inter_token_seconds", "Between tokens.", latency_buckets());
      for (int i = 0; i < kUpdates; ++i) {
        shared.inc();
        own.inc(0.5);
        active.add(1);
        latency.observe((i % 100) / 1024.0);  // sums of these are exact in any order
        active.add(-1);
        registry.counter("tinygpt_completion_tokens_total", "Tokens generated.").inc(2);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  done = true;
  scraper.join();
  CHECK(consistent);
  INFO("scrapes during the updates: " << scrapes);

  CHECK(registry.counter("tinygpt_requests_total", "Requests.", kOk).value() ==
        kThreads * kUpdates);
  for (int t = 0; t < kThreads; ++t) {
    CHECK(registry
              .counter("tinygpt_requests_total", "Requests.",
                       {{"endpoint", "/t" + std::to_string(t)}, {"status", "200"}})
              .value() == kUpdates / 2);
  }
  CHECK(registry.counter("tinygpt_completion_tokens_total", "Tokens generated.").value() ==
        2.0 * kThreads * kUpdates);
  CHECK(registry.gauge("tinygpt_active_sequences", "Sequences decoding.").value() == 0);
  Histogram& latency =
      registry.histogram("tinygpt_inter_token_seconds", "Between tokens.", latency_buckets());
  CHECK(latency.count() == kThreads * kUpdates);
  // k / 1024 s for k = 0..99, each kThreads * kUpdates / 100 times.
  CHECK(latency.sum() == kThreads * kUpdates / 100 * 4950 / 1024.0);
  const std::vector<std::uint64_t> counts = latency.cumulative_counts();
  CHECK(counts.front() == 2u * kThreads * kUpdates / 100);  // 0 and 1/1024 are <= 0.001
  CHECK(counts.back() == kThreads * kUpdates);
}

TEST_CASE("metrics: promtool check metrics accepts the exposition of every kind",
          "[step07][metrics]") {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    FAIL(
        "promtool is not installed: run scripts/setup.sh (it installs Debian's prometheus "
        "package, which has /usr/bin/promtool)");
  }
  MetricsRegistry registry;
  fill_every_kind(registry);
  const std::string text = registry.exposition();
  const fs::path folder =
      fs::temp_directory_path() / ("tinygpt-metrics-" + std::to_string(::getpid()));
  fs::create_directories(folder);
  const fs::path file = folder / "metrics.txt";
  const fs::path report = folder / "promtool.txt";
  std::ofstream(file) << text;
  const std::string command =
      "promtool check metrics < '" + file.string() + "' > '" + report.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  const std::string output = read_text(report);
  fs::remove_all(folder);
  INFO("exposition:\n" << text << "promtool said:\n" << output);
  CHECK(status == 0);
  CHECK(output.empty());
  // The text really holds every kind and the escapes promtool had to parse.
  CHECK(text.find("# TYPE tinygpt_queue_seconds histogram\n") != std::string::npos);
  CHECK(text.find("tinygpt_last_loss NaN\n") != std::string::npos);
  CHECK(text.find("tinygpt_lowest_logit -Inf\n") != std::string::npos);
  CHECK(text.find("{reason=\"odd \\\"value\\\"\\nwith \\\\ escapes\"} 2\n") != std::string::npos);
  CHECK(text.find("tinygpt_prompt_tokens_total 1234567\n") != std::string::npos);
  CHECK(text.find("endpoint=\"/v1/completions\",le=\"60\"} 5\n") != std::string::npos);
}
