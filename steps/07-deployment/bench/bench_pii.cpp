// How fast is the redactor (serve/pii.h)? The server runs it on every prompt and answer it
// logs, so it has to cost little next to writing the line.
//
//   find_pii/log_lines   server log lines without personal data (timestamps, durations,
//                        ids, versions, paths): the common case;
//   find_pii/labelled    the sentences of the labelled set (pii_examples.h, 4,000 examples
//                        of seed 7), about one piece of personal data per 60 bytes;
//   redact_pii/labelled  the same, building the redacted strings;
//   std_regex_email      a reference: std::regex_search for e-mail addresses alone (one
//                        pattern out of the five kinds), on the same sentences.
// Counters: bytes_per_second (Google Benchmark's) and lines per second. One thread.
//
// Run: build/release/steps/07-deployment/bench/bench_pii
#include <benchmark/benchmark.h>

#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "tinygpt/serve/pii.h"
#include "tinygpt/serve/pii_examples.h"

namespace {

using namespace tinygpt;

// Log lines like the server's own, made up but shaped like real ones.
std::vector<std::string> log_lines(int count) {
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 4) {
      case 0:
        lines.push_back("2026-12-04T19:05:" + std::to_string(10 + i % 50) +
                        ".123Z INFO engine: request req_" + n +
                        "a7f finished in 183 ms, 57 tokens (311.5 tokens/s), slot 3, queue 0");
        break;
      case 1:
        lines.push_back(
            "2026-12-04T19:05:47.551Z INFO http: POST /v1/chat/completions 200 "
            "1432 bytes, model tinygpt-small v1.2.3, stream=true, id " +
            n);
        break;
      case 2:
        lines.push_back("2026-12-04T19:05:48.002Z WARN limits: key #" + n +
                        " throttled: 61 requests in 60 s (bucket 0.0 of 60.0), retry after 1.5 s");
        break;
      default:
        lines.push_back("2026-12-04T19:05:48.870Z DEBUG kv_cache: slot " + n +
                        " freed 2048 rows of 4 layers, 12.5% of the cache in use");
        break;
    }
  }
  return lines;
}

std::vector<std::string> labelled_lines() {
  std::vector<std::string> lines;
  for (serve::PiiExample& example : serve::make_pii_examples(4000, 7)) {
    lines.push_back(std::move(example.text));
  }
  return lines;
}

std::int64_t total_bytes(const std::vector<std::string>& lines) {
  std::int64_t bytes = 0;
  for (const std::string& line : lines) bytes += static_cast<std::int64_t>(line.size());
  return bytes;
}

// Runs `work` on every line per iteration; bytes and lines per second.
void time_lines(benchmark::State& state, const std::vector<std::string>& lines,
                std::size_t (*work)(const std::string&)) {
  std::size_t sum = 0;
  for (auto _ : state) {
    for (const std::string& line : lines) sum += work(line);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * total_bytes(lines));
  state.counters["lines_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(lines.size()),
      benchmark::Counter::kIsRate);
}

std::size_t count_pii(const std::string& line) {
  return serve::find_pii(line).size();
}
std::size_t redacted_size(const std::string& line) {
  return serve::redact_pii(line).size();
}

std::size_t count_regex_emails(const std::string& line) {
  static const std::regex email(
      R"([A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})");
  return static_cast<std::size_t>(
      std::distance(std::sregex_iterator(line.begin(), line.end(), email), std::sregex_iterator()));
}

void BM_find_pii_log_lines(benchmark::State& state) {
  time_lines(state, log_lines(4000), count_pii);
}
BENCHMARK(BM_find_pii_log_lines)->Name("find_pii/log_lines");

void BM_find_pii_labelled(benchmark::State& state) {
  time_lines(state, labelled_lines(), count_pii);
}
BENCHMARK(BM_find_pii_labelled)->Name("find_pii/labelled");

void BM_redact_pii_labelled(benchmark::State& state) {
  time_lines(state, labelled_lines(), redacted_size);
}
BENCHMARK(BM_redact_pii_labelled)->Name("redact_pii/labelled");

void BM_std_regex_email(benchmark::State& state) {
  time_lines(state, labelled_lines(), count_regex_emails);
}
BENCHMARK(BM_std_regex_email)->Name("std_regex_email");

}  // namespace

BENCHMARK_MAIN();
