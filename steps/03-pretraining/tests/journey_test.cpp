// The journey's pre-training part (demo/journey_demo.h) on a small world: its figures are
// consistent with their definitions, its report has every section, a wall-clock limit stops
// it cleanly, and, trained long enough, the GPT beats step 01's bigram by half a nat.
#include "journey_demo.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>

#include "test_support.hpp"
#include "tinygpt/models/config.h"
#include "tinygpt/train/language_model_figures.h"

using namespace tinygpt;
using Catch::Matchers::WithinRel;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("tinygpt_journey_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// A small world and a small GPT: a few seconds in all.
demo::JourneyOptions tiny_options(const fs::path& out) {
  demo::JourneyOptions options;
  options.out = out;
  options.seed = 3;
  options.world_bytes = 40'000;
  options.vocab_size = 300;
  options.model.family = models::Family::kGpt;
  options.model.vocab_size = 300;
  options.model.context_length = 32;
  options.model.width = 32;
  options.model.layers = 1;
  options.model.heads = 2;
  options.steps = 60;
  options.batch = 8;
  options.eval_interval = 30;
  options.bigram.steps = 200;
  options.bigram.batch_size = 1024;
  options.bigram.log_every = 0;
  options.samples = 3;
  options.sample_tokens = 20;
  options.print_every = 0;
  return options;
}

}  // namespace

TEST_CASE("bits per byte and perplexity follow from the loss", "[step03][journey]") {
  // 2 nats per token, 300 tokens over 600 bytes: 1 nat per byte, 1 / ln 2 bits.
  CHECK_THAT(train::bits_per_byte(2.0, 300, 600), WithinRel(1.0 / std::numbers::ln2, 1e-9));
  const demo::ModelFigures figures = demo::make_figures(1.5, 100, 400);
  CHECK(figures.loss == 1.5);
  CHECK_THAT(figures.perplexity, WithinRel(std::exp(1.5), 1e-9));
  CHECK_THAT(figures.bits_per_byte, WithinRel(1.5 * 100 / 400 / std::numbers::ln2, 1e-9));
  CHECK_THROWS_AS(train::bits_per_byte(1.0, 10, 0), Error);
  CHECK_THROWS_AS(train::perplexity(std::nan("")), Error);
}

TEST_CASE("the journey's model config is the small GPT the lesson describes", "[step03][journey]") {
  const models::ModelConfig config = models::load_model_config(demo::default_journey_config());
  CHECK(config.family == models::Family::kGpt);
  CHECK(config.vocab_size == 1024);
  CHECK(config.context_length == 256);
  CHECK(config.width == 256);
  CHECK(config.layers == 4);
  CHECK(config.heads == 4);
}

TEST_CASE("a short journey writes a report whose figures agree with their definitions",
          "[step03][journey]") {
  const fs::path out = fresh_dir("short");
  const demo::JourneyOptions options = tiny_options(out);
  std::ostringstream log;
  const demo::JourneyResult result = demo::run_journey(options, log);

  CHECK(result.corpus == "world");
  CHECK(result.steps_done == options.steps);
  CHECK_FALSE(result.stopped_by_time_limit);
  REQUIRE(result.validation_windows >= 1);
  CHECK(result.scored_tokens == result.validation_windows * options.model.context_length);
  CHECK(result.scored_tokens < result.validation_tokens);
  for (const demo::ModelFigures& figures : {result.bigram, result.gpt}) {
    CHECK_THAT(figures.perplexity, WithinRel(std::exp(figures.loss), 1e-9));
    CHECK_THAT(figures.bits_per_byte,
               WithinRel(figures.loss * static_cast<double>(result.validation_tokens) /
                             static_cast<double>(result.validation_bytes) / std::numbers::ln2,
                         1e-9));
    CHECK(figures.loss < std::log(static_cast<double>(options.model.vocab_size)));  // learnt
  }
  // The GPT trained: its last losses are well below its first.
  REQUIRE(result.train_losses.size() == static_cast<std::size_t>(options.steps));
  CHECK(result.train_losses.back() < 0.8f * result.train_losses.front());
  CHECK(result.samples.size() == 3);

  REQUIRE(fs::is_regular_file(out / "REPORT.md"));
  const std::string report = read_text(out / "REPORT.md");
  for (const char* section :
       {"## Validation figures", "## Loss curve", "## Samples", "## Times", "## Going on",
        "| bigram (step 01) |", "| GPT (step 03) |", "gpt/loss.svg", "tinygpt generate --model"}) {
    CHECK(report.find(section) != std::string::npos);
  }
  CHECK(fs::is_regular_file(out / "gpt" / "loss.svg"));
  CHECK(fs::is_regular_file(out / "gpt" / "model" / "model.safetensors"));
  CHECK(fs::is_regular_file(out / "data" / "validation.tokens"));
  CHECK(log.str().find("bigram") != std::string::npos);

  // Run again into the same folder: it starts afresh and measures the same figures.
  const demo::JourneyResult again = demo::run_journey(options, log);
  CHECK(again.gpt.loss == result.gpt.loss);
  CHECK(again.bigram.loss == result.bigram.loss);
  CHECK(again.samples == result.samples);
  fs::remove_all(out);
}

TEST_CASE("the journey's wall-clock limit stops pre-training early with a note",
          "[step03][journey]") {
  const fs::path out = fresh_dir("limit");
  demo::JourneyOptions options = tiny_options(out);
  options.time_limit_seconds = 1e-9;  // past it after the first step
  std::ostringstream log;
  const demo::JourneyResult result = demo::run_journey(options, log);
  CHECK(result.stopped_by_time_limit);
  CHECK(result.steps_done == 1);
  CHECK(log.str().find("wall-clock limit") != std::string::npos);
  // The report and a model still come out of the weights it has.
  CHECK(read_text(out / "REPORT.md").find("Stopped early") != std::string::npos);
  CHECK(fs::is_regular_file(out / "gpt" / "model" / "model.safetensors"));
  fs::remove_all(out);
}

TEST_CASE("the journey's GPT beats the bigram by at least half a nat", "[step03][journey][slow]") {
  const fs::path out = fresh_dir("beats");
  demo::JourneyOptions options = tiny_options(out);
  options.world_bytes = 400'000;
  options.vocab_size = 512;
  options.model.vocab_size = 512;
  options.model.context_length = 64;
  options.model.width = 96;
  options.model.layers = 2;
  options.model.heads = 4;
  options.steps = 400;
  options.eval_interval = 100;
  options.bigram = {};  // step 01's defaults
  options.bigram.log_every = 0;
  std::ostringstream log;
  const demo::JourneyResult result = demo::run_journey(options, log);
  INFO("bigram " << result.bigram.loss << ", GPT " << result.gpt.loss);
  CHECK(result.gpt.loss <= result.bigram.loss - 0.5);
  CHECK(result.gpt.bits_per_byte < result.bigram.bits_per_byte);
  fs::remove_all(out);
}
