// The language demo end to end: corpus, tokenizer, bigram, samples.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.hpp"
#include "text_demo.h"

using namespace tinygpt;

TEST_CASE("the language demo learns from the user's own file", "[step01][demo]") {
  const auto path = std::filesystem::temp_directory_path() / "tinygpt_text_demo_test.txt";
  {
    // Random sentences over a few words: every split sees the same letter statistics.
    const char* words[] = {"the", "river", "runs", "past", "old", "mill", "a", "heron", "waits"};
    std::ofstream file(path);
    for (int record = 0; record < 400; ++record) {
      CounterRng rng(5, RngStream::kDemo, 0, static_cast<std::uint64_t>(record));
      for (int w = 0; w < 8; ++w) file << (w > 0 ? " " : "") << words[rng.below(9)];
      file << ".\n\n";
    }
  }
  demo::TextDemoOptions options;
  options.files = {path};
  options.tokenizer = "char";
  options.training.steps = 800;
  options.learning_rate = 20.0f;  // few symbols: each row gets a large share of every batch
  options.training.batch_size = 512;
  options.training.log_every = 0;
  options.samples = 2;
  std::ostringstream log;
  const demo::TextDemoResult result = demo::run_text_demo(options, log);
  std::filesystem::remove(path);
  INFO(log.str());
  CHECK(result.corpus.files == 1);
  CHECK(result.bigram.validation_loss < 0.6 * result.bigram.initial_validation_loss);
  CHECK(result.bigram.validation_loss < result.count_bigram_loss + 0.1);
  CHECK(result.bytes_per_token == 1.0);  // ASCII text, one character per token
  CHECK(result.samples.size() == 2);
}

TEST_CASE("the journey's bigram on fortunes nears the count-based optimum",
          "[step01][demo][slow]") {
  std::ostringstream log;
  const demo::TextDemoResult result = demo::run_text_demo(demo::TextDemoOptions{}, log);
  INFO(log.str());
  CHECK(result.corpus.records > 10000);
  CHECK(result.bytes_per_token > 2.0);  // BPE merges bytes into longer pieces
  CHECK(result.bigram.validation_loss < result.count_bigram_loss + 0.15);
  CHECK(result.bigram.validation_bits_per_byte < 3.0);
}
