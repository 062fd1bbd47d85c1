// The trainer (train/trainer.h) on a tiny GPT and tiny token files: it learns, it repeats
// bit for bit, it resumes exactly, it stops cleanly on SIGINT, and bad settings are refused
// before any training.
#include "tinygpt/train/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/train/checkpoint.h"
#include "tinygpt/train/metrics.h"

#include "toy_sentences.hpp"

namespace fs = std::filesystem;
using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;
using tinygpt::testing::toy_sentences;
using tinygpt::testing::write_tiny_gpt_setup;

namespace {

// The training settings every test here shares; each setup changes what it needs.
train::TrainConfig tiny_train_config(const fs::path& model_config, const fs::path& data,
                                     const fs::path& out, std::int64_t steps) {
  train::TrainConfig config;
  config.model_config = model_config;
  config.model = models::load_model_config(model_config);
  config.data = data;
  config.out = out;
  config.steps = steps;
  config.micro_batches = 2;
  config.lr = 1e-2f;
  config.min_lr = 1e-3f;
  config.warmup = std::min<std::int64_t>(5, steps);
  config.weight_decay = 0.01f;
  config.eval_batches = 2;
  return config;
}

// A folder as the trainer takes it: train.tokens, validation.tokens, tokenizer.bpe (BPE of
// 300 tokens), and a model config of that vocabulary.
struct TinySetup {
  TempDir dir;
  fs::path data;
  fs::path model_config;

  explicit TinySetup(const std::string& label) : dir(label) {
    data = dir.path() / "data";
    model_config = dir.path() / "model.json";
    write_tiny_gpt_setup(data, model_config);
  }

  train::TrainConfig config(const std::string& out, std::int64_t steps) const {
    train::TrainConfig config = tiny_train_config(model_config, data, dir.path() / out, steps);
    config.batch = 4;
    config.eval_interval = 10;
    config.seed = 5;
    return config;
  }
};

// Every tensor of two safetensors files, compared exactly.
bool same_tensors(const fs::path& a, const fs::path& b) {
  const SafetensorsFile x = SafetensorsFile::read(a), y = SafetensorsFile::read(b);
  if (x.names() != y.names()) return false;
  for (const std::string& name : x.names()) {
    if (x.floats(name) != y.floats(name)) return false;
  }
  return true;
}

// Trains `config` in two parts, a stop after `stop_step` and a resume, and checks that the
// losses and the last checkpoint equal those of `whole`, the same run in one go.
void check_resume_is_exact(const train::TrainConfig& config, std::int64_t stop_step,
                           const train::TrainResult& whole) {
  train::TrainCallbacks stop;
  stop.on_step = [stop_step](const train::StepReport& report) {
    if (report.step == stop_step) train::request_stop();
  };
  const train::TrainResult first = train::run_training(config, stop);
  REQUIRE(first.last_step == stop_step);
  train::TrainConfig resumed = config;
  resumed.resume = true;
  const train::TrainResult second = train::run_training(resumed);
  CHECK(second.first_step == stop_step);
  std::vector<float> joined = first.losses;
  joined.insert(joined.end(), second.losses.begin(), second.losses.end());
  CHECK(joined == whole.losses);
  CHECK(same_tensors(second.checkpoint, whole.checkpoint));
}

}  // namespace

TEST_CASE("the trainer learns, logs metrics and draws the loss curve", "[step03][trainer]") {
  const TinySetup setup("learns");
  train::TrainConfig config = setup.config("run", 40);
  config.sample_interval = 20;
  config.sample_tokens = 8;
  int samples = 0;
  train::TrainCallbacks callbacks;
  callbacks.on_sample = [&samples](std::int64_t, const std::string&) { ++samples; };
  const train::TrainResult result = train::run_training(config, callbacks);
  REQUIRE(result.losses.size() == 40);
  INFO("loss " << result.losses.front() << " -> " << result.losses.back());
  CHECK(result.losses.back() <= 0.7f * result.losses.front());
  CHECK(result.val_losses.size() == 4);
  CHECK(result.val_losses.back() < result.val_losses.front());
  CHECK(samples == 2);
  CHECK_FALSE(result.interrupted);
  CHECK(result.last_step == 40);
  CHECK(result.checkpoint == train::checkpoint_path(config.out, 40));
  CHECK(fs::is_regular_file(config.out / "loss.svg"));
  CHECK(fs::is_regular_file(config.out / "model" / "model.safetensors"));
  CHECK(fs::is_regular_file(config.out / "train_config.json"));
  const std::string metrics = read_file(config.out / "metrics.jsonl");
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 40);
  CHECK_THAT(metrics,
             contains("\"grad_norm\"") && contains("\"val_loss\"") && contains("\"tokens_per_s\""));
  // Runs are compared by the tokens they read and their training time: 4 sequences of the
  // model's 16 tokens per step, and a clock that only moves forward.
  const svg::Series by_tokens =
      train::read_metric_series(config.out / "metrics.jsonl", "step", "tokens");
  REQUIRE(by_tokens.points.size() == 40);
  CHECK(by_tokens.points.back().y == 40.0 * 4 * 16);
  const svg::Series validation =
      train::read_metric_series(config.out / "metrics.jsonl", "train_s", "val_loss");
  REQUIRE(validation.points.size() == 4);
  CHECK(validation.points.front().x > 0.0);
  CHECK(std::is_sorted(validation.points.begin(), validation.points.end(),
                       [](const svg::Point& a, const svg::Point& b) { return a.x < b.x; }));
  CHECK(validation.points.back().y == Approx(result.val_losses.back()));
  WARN("trainer: loss " << result.losses.front() << " -> " << result.losses.back() << ", "
                        << result.tokens_per_second << " tokens/s");
}

TEST_CASE("the same seed and config give bit-identical losses", "[step03][trainer]") {
  const TinySetup setup("deterministic");
  const train::TrainResult a = train::run_training(setup.config("a", 12));
  const train::TrainResult b = train::run_training(setup.config("b", 12));
  CHECK(a.losses == b.losses);
  CHECK(a.val_losses == b.val_losses);
  CHECK(same_tensors(a.checkpoint, b.checkpoint));
  train::TrainConfig other = setup.config("c", 12);
  other.seed = 6;
  CHECK(train::run_training(other).losses != a.losses);
}

TEST_CASE("N steps, a stop, a resume and N more steps equal 2N steps exactly",
          "[step03][trainer]") {
  const TinySetup setup("resume");
  const train::TrainResult whole = train::run_training(setup.config("whole", 16));

  const train::TrainConfig config = setup.config("parts", 16);
  train::TrainCallbacks stop_at_8;
  stop_at_8.on_step = [](const train::StepReport& report) {
    if (report.step == 8) train::request_stop();
  };
  const train::TrainResult first = train::run_training(config, stop_at_8);
  CHECK(first.interrupted);
  CHECK(first.last_step == 8);
  CHECK(first.checkpoint == train::checkpoint_path(config.out, 8));

  // A fresh run into a folder with checkpoints is refused; --resume goes on.
  CHECK_THROWS_WITH(train::run_training(config), contains("--resume"));
  train::TrainConfig resumed = config;
  resumed.resume = true;
  const train::TrainResult second = train::run_training(resumed);
  CHECK(second.first_step == 8);
  CHECK(second.last_step == 16);

  std::vector<float> joined = first.losses;
  joined.insert(joined.end(), second.losses.begin(), second.losses.end());
  CHECK(joined == whole.losses);
  CHECK(second.val_losses.back() == whole.val_losses.back());
  CHECK(same_tensors(second.checkpoint, whole.checkpoint));
  const std::string metrics = read_file(config.out / "metrics.jsonl");
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 16);
}

TEST_CASE("SGD with momentum trains and resumes exactly, and a resume with AdamW is refused",
          "[step03][trainer]") {
  const TinySetup setup("sgd");
  const auto sgd = [&setup](const std::string& out) {
    train::TrainConfig config = setup.config(out, 16);
    config.optimizer = "sgd";
    config.momentum = 0.9f;
    config.lr = 0.5f;
    config.min_lr = 0.05f;
    return config;
  };
  const train::TrainResult whole = train::run_training(sgd("whole"));
  INFO("loss " << whole.losses.front() << " -> " << whole.losses.back());
  CHECK(whole.losses.back() < 0.9f * whole.losses.front());
  // SGD keeps one momentum buffer per parameter, no second moment.
  const SafetensorsFile checkpoint = SafetensorsFile::read(whole.checkpoint);
  CHECK(checkpoint.contains("optim.first.wte.weight"));
  CHECK_FALSE(checkpoint.contains("optim.second.wte.weight"));

  const train::TrainConfig config = sgd("parts");
  check_resume_is_exact(config, 8, whole);
  train::TrainConfig with_adamw = config;
  with_adamw.optimizer = "adamw";
  with_adamw.resume = true;
  CHECK_THROWS_WITH(train::run_training(with_adamw),
                    contains("optimizer sgd") && contains("optimizer adamw"));
}

TEST_CASE("a bf16 run learns as float32 does, says how it multiplies, and resumes exactly",
          "[step03][trainer][precision]") {
  const TinySetup setup("bf16");
  const train::TrainResult float32 = train::run_training(setup.config("float32", 40));
  const auto bf16 = [&setup](const std::string& out) {
    train::TrainConfig config = setup.config(out, 40);
    config.precision = "bf16";
    return config;
  };
  std::string said;
  train::TrainCallbacks callbacks;
  callbacks.on_message = [&said](const std::string& message) { said += message + "\n"; };
  const train::TrainResult whole = train::run_training(bf16("whole"), callbacks);
  CHECK_THAT(said, contains("bf16: this CPU has"));
  CHECK(
      read_file(setup.dir.path() / "whole" / "train_config.json").find("\"precision\":\"bf16\"") !=
      std::string::npos);
  const float expected = float32.val_losses.back();
  const float actual = whole.val_losses.back();
  INFO("validation loss: float32 " << expected << ", bf16 " << actual);
  CHECK(std::abs(actual - expected) < 0.02f * expected);
  CHECK(whole.losses != float32.losses);  // the products really were rounded

  const train::TrainConfig config = bf16("parts");
  check_resume_is_exact(config, 20, whole);
  train::TrainConfig in_float32 = config;
  in_float32.precision = "float32";
  in_float32.resume = true;
  CHECK_THROWS_WITH(train::run_training(in_float32),
                    contains("precision bf16") && contains("precision float32"));
}

TEST_CASE("a metrics file that lacks a field or is not JSON lines is refused by name",
          "[step03][trainer]") {
  const TempDir dir("metrics");
  const fs::path file = dir.path() / "metrics.jsonl";
  write_file_atomically(file, "{\"step\":1,\"loss\":2.5}\n{\"step\":2,\"loss\":2.0}\n");
  const svg::Series smoothed = train::read_metric_series(file, "step", "loss", 2);
  REQUIRE(smoothed.points.size() == 2);
  CHECK(smoothed.points[1].y == 2.25);  // the mean of 2.5 and 2.0
  CHECK_THROWS_WITH(train::read_metric_series(file, "tokens", "loss"),
                    contains("metrics.jsonl") && contains("'tokens'") && contains("step, loss"));
  CHECK_THROWS_WITH(train::read_metric_series(file, "step", "loss", 0), contains("smooth"));
  write_file_atomically(file, "{\"step\":1,\"loss\":2.5}\nnot json\n");
  CHECK_THROWS_WITH(train::read_metric_series(file, "step", "loss"),
                    contains("metrics.jsonl:2") && contains("not a JSON object"));
  CHECK_THROWS_WITH(train::read_metric_series(dir.path() / "nowhere.jsonl", "step", "loss"),
                    contains("nowhere.jsonl"));
}

TEST_CASE("SIGINT during training saves a checkpoint and returns cleanly", "[step03][trainer]") {
  const TinySetup setup("signal");
  const train::TrainConfig config = setup.config("run", 50);
  train::TrainCallbacks callbacks;
  callbacks.on_step = [](const train::StepReport& report) {
    if (report.step == 3) std::raise(SIGINT);
  };
  train::TrainResult result;
  {
    const train::StopOnSignals stop_on_signals;
    result = train::run_training(config, callbacks);
  }
  CHECK(result.interrupted);
  CHECK(result.last_step == 3);
  CHECK(train::latest_checkpoint(config.out) == train::checkpoint_path(config.out, 3));
  CHECK(train::read_checkpoint_state(result.checkpoint).step == 3);
}

TEST_CASE("bad settings are refused before training starts", "[step03][trainer]") {
  const TinySetup setup("errors");
  SECTION("missing data") {
    train::TrainConfig config = setup.config("run", 4);
    config.data = setup.dir.path() / "nowhere";
    CHECK_THROWS_WITH(train::run_training(config), contains("--data") && contains("nowhere"));
    config.data = setup.dir.path();  // a folder without token files or stories.txt
    CHECK_THROWS_WITH(train::run_training(config), contains("train.tokens"));
  }
  SECTION("an output folder that cannot be written") {
    train::TrainConfig config = setup.config("run", 4);
    config.out = "/proc/tinygpt-cannot-write-here";
    CHECK_THROWS_WITH(train::run_training(config), contains("--out"));
  }
  SECTION("impossible values") {
    train::TrainConfig config = setup.config("run", 4);
    config.micro_batches = 3;
    CHECK_THROWS_WITH(train::run_training(config), contains("--micro-batches"));
    config = setup.config("run", 4);
    config.context = 17;
    CHECK_THROWS_WITH(train::run_training(config), contains("--context"));
    config = setup.config("run", 4);
    config.model.vocab_size = 100;  // smaller than the tokenizer's 300
    CHECK_THROWS_WITH(train::run_training(config), contains("vocab_size"));
    config = setup.config("run", 4);
    config.optimizer = "adam";
    CHECK_THROWS_WITH(train::run_training(config), contains("--optimizer") && contains("adam'"));
    config = setup.config("run", 4);
    config.optimizer = "sgd";
    config.momentum = 1.0f;
    CHECK_THROWS_WITH(train::run_training(config), contains("--momentum"));
  }
  SECTION("a resume with another essential setting") {
    train::run_training(setup.config("run", 4));
    train::TrainConfig config = setup.config("run", 4);
    config.batch = 8;
    config.resume = true;
    CHECK_THROWS_WITH(train::run_training(config), contains("batch 4") && contains("batch 8"));
  }
  SECTION("a bad training config file") {
    const fs::path file = setup.dir.path() / "train.json";
    CHECK_THROWS_WITH(
        train::parse_train_config(R"({"model_config": "model.json", "stpes": 3})", file),
        contains("stpes"));
    CHECK_THROWS_WITH(
        train::parse_train_config(R"({"model_config": "model.json", "steps": "many"})", file),
        contains("steps"));
    CHECK_THROWS_WITH(
        train::parse_train_config(R"({"model_config": "model.json", "optimizer": 1})", file),
        contains("'optimizer' must be a string"));
    const train::TrainConfig parsed = train::parse_train_config(
        R"({"model_config": "model.json", "data": "data", "steps": 7, "lr": 0.002})", file);
    CHECK(parsed.steps == 7);
    CHECK(parsed.lr == 0.002f);
    CHECK(parsed.data == setup.data);
    CHECK(parsed.model.width == 32);
  }
}

TEST_CASE("epochs set the step count from the training tokens", "[step03][trainer]") {
  CHECK(train::steps_for_epochs(1.0, 128, 64) == 2);
  CHECK(train::steps_for_epochs(1.0, 129, 64) == 3);  // a last, partial pass counts
  CHECK(train::steps_for_epochs(0.5, 1, 64) == 1);
  CHECK_THROWS_WITH(train::steps_for_epochs(1e9, 1000000, 1), contains("--epochs"));

  const TinySetup setup("epochs");
  train::TrainConfig config = setup.config("run", 0);
  config.epochs = 0.25;
  config.warmup = 2;
  const std::int64_t tokens = data::TokenFile(setup.data / "train.tokens").size();
  const std::int64_t expected = (tokens + 255) / 256;  // ceil(0.25 N / (B T)), B T = 4 x 16
  std::vector<std::string> messages;
  train::TrainCallbacks callbacks;
  callbacks.on_message = [&messages](const std::string& text) { messages.push_back(text); };
  const train::TrainResult result = train::run_training(config, callbacks);
  CHECK(result.steps == expected);
  CHECK(result.last_step == expected);
  CHECK_THAT(read_file(config.out / "train_config.json"),
             contains("\"steps\":" + std::to_string(expected) + ","));
  CHECK(std::find(messages.begin(), messages.end(),
                  "0.25 epochs of " + std::to_string(tokens) + " training tokens at 64 per step: " +
                      std::to_string(expected) + " steps") != messages.end());
}

TEST_CASE("steps and epochs together are refused", "[step03][trainer]") {
  const TinySetup setup("steps-and-epochs");
  train::TrainConfig config = setup.config("run", 10);
  config.epochs = 2.0;
  CHECK_THROWS_WITH(train::run_training(config),
                    contains("--steps 10 and --epochs 2 were both given"));
  const train::TrainConfig parsed = train::parse_train_config(
      R"({"model_config": "model.json", "data": "data", "steps": 5, "epochs": 1.5})",
      setup.dir.path() / "train.json");
  CHECK(parsed.epochs == 1.5);
  CHECK_THROWS_WITH(train::check_train_config(parsed), contains("--steps 5 and --epochs 1.5"));
}

TEST_CASE("the trainer tokenises a text file with a BPE it trains", "[step03][trainer]") {
  const TinySetup setup("text");
  const fs::path text = setup.dir.path() / "story.txt";
  std::string content;
  for (const std::string& sentence : toy_sentences(3, 400)) content += sentence + "\n\n";
  write_file_atomically(text, content);
  train::TrainConfig config = setup.config("run", 3);
  config.data = text;
  std::vector<std::string> messages;
  train::TrainCallbacks callbacks;
  callbacks.on_message = [&messages](const std::string& message) { messages.push_back(message); };
  const train::TrainResult result = train::run_training(config, callbacks);
  CHECK(result.last_step == 3);
  CHECK(fs::is_regular_file(config.out / "data" / "train.tokens"));
  CHECK(fs::is_regular_file(config.out / "data" / "tokenizer.bpe"));
  const std::int32_t vocab =
      text::BpeTokenizer::load(config.out / "data" / "tokenizer.bpe").vocab_size();
  CHECK(vocab > 256);
  CHECK(vocab <= 300);
  CHECK_FALSE(messages.empty());
}

namespace {

// The other two families on tiny data: documents of three sentences (the encoder draws
// sentence pairs from them) and made-up translation pairs (each word of the source mapped to
// a word of a toy language, in reverse order).
struct FamilySetup {
  TempDir dir;
  fs::path data;
  fs::path model_config;

  FamilySetup(const std::string& label, const std::string& family) : dir(label + "-" + family) {
    data = dir.path() / "data";
    fs::create_directories(data);
    if (family == "encoder") {
      data::Corpus corpus;
      const std::vector<std::string> train = toy_sentences(1, 600),
                                     validation = toy_sentences(2, 90);
      for (std::size_t i = 0; i + 2 < train.size(); i += 3) {
        corpus.train.push_back(train[i] + " " + train[i + 1] + " " + train[i + 2]);
      }
      for (std::size_t i = 0; i + 2 < validation.size(); i += 3) {
        corpus.validation.push_back(validation[i] + " " + validation[i + 1] + " " +
                                    validation[i + 2]);
      }
      const std::vector<std::string> specials = {"<|endoftext|>", "[CLS]", "[SEP]", "[PAD]",
                                                 "[MASK]"};
      const text::BpeTokenizer tokenizer =
          text::BpeTokenizer::train(data::join_records(corpus.train, "\n"), 300, specials);
      data::write_corpus_token_files(corpus, tokenizer, data);
      tokenizer.save(data / "tokenizer.bpe");
    } else {
      std::string pairs;
      for (const std::string& sentence : toy_sentences(4, 400)) {
        std::vector<std::string> words;
        std::string word;
        for (const char c : sentence + " ") {
          if (c == ' ' || c == '.') {
            if (!word.empty()) words.push_back("ka" + std::string(word.rbegin(), word.rend()));
            word.clear();
          } else {
            word += c;
          }
        }
        std::string target;
        for (auto w = words.rbegin(); w != words.rend(); ++w) target += *w + " ";
        pairs += sentence + "\t" + target + "\n";
      }
      write_file_atomically(data / "translation.txt", pairs);
    }
    model_config = dir.path() / "model.json";
    write_file_atomically(model_config, R"({"family": ")" + family +
                                            R"(", "vocab_size": 300, "context_length": 32, )"
                                            R"("width": 32, "layers": 1, "heads": 2, )"
                                            R"("dropout": 0.1, "bias": true})");
  }

  train::TrainConfig config(const std::string& out, std::int64_t steps) const {
    train::TrainConfig config = tiny_train_config(model_config, data, dir.path() / out, steps);
    config.batch = 8;
    config.context = 24;
    config.eval_interval = 20;
    config.seed = 9;
    return config;
  }
};

}  // namespace

TEST_CASE("the encoder (MLM + NSP) and the encoder-decoder learn in a short seeded run",
          "[step03][trainer]") {
  for (const std::string family : {"encoder", "seq2seq"}) {
    INFO(family);
    const FamilySetup setup("learns", family);
    const train::TrainResult result = train::run_training(setup.config("run", 60));
    REQUIRE(result.losses.size() == 60);
    INFO("loss " << result.losses.front() << " -> " << result.losses.back());
    CHECK(result.losses.back() <= 0.7f * result.losses.front());
    CHECK(result.val_losses.back() < result.val_losses.front());
    CHECK(fs::is_regular_file(setup.config("run", 60).out / "loss.svg"));
    WARN(family << ": loss " << result.losses.front() << " -> " << result.losses.back() << ", "
                << result.tokens_per_second << " tokens/s");
  }
}

TEST_CASE("the encoder and the encoder-decoder resume exactly too", "[step03][trainer]") {
  for (const std::string family : {"encoder", "seq2seq"}) {
    INFO(family);
    const FamilySetup setup("resume", family);
    const train::TrainResult whole = train::run_training(setup.config("whole", 12));
    check_resume_is_exact(setup.config("parts", 12), 6, whole);
  }
}

TEST_CASE("an encoder needs the specials CLS, SEP, PAD and MASK in its tokenizer",
          "[step03][trainer]") {
  const TinySetup setup("encoder-specials");  // a tokenizer with <|endoftext|> only
  train::TrainConfig config = setup.config("run", 4);
  config.model.family = models::Family::kEncoder;
  CHECK_THROWS_WITH(train::run_training(config), contains("[CLS]"));
  config.model.family = models::Family::kSeq2Seq;
  CHECK_THROWS_WITH(train::run_training(config), contains("translation.txt"));
}
