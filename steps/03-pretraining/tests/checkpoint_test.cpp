// Checkpoints (train/checkpoint.h): the file name, keeping the last K, a bit-exact round trip
// of weights and AdamW state, and a checkpoint of another run refused with a clear message.
#include "tinygpt/train/checkpoint.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/nn/cross_entropy.h"

namespace fs = std::filesystem;
using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

models::ModelConfig tiny_gpt(std::int64_t width = 16) {
  models::ModelConfig config;
  config.vocab_size = 40;
  config.context_length = 8;
  config.width = width;
  config.layers = 1;
  config.heads = 2;
  return config;
}

// One AdamW step on made-up data, so the moments and the step count are not zero.
void take_a_step(models::Gpt& model, train::AdamW& optimizer) {
  std::vector<std::int32_t> ids(16), targets(16);
  for (int i = 0; i < 16; ++i) {
    ids[i] = (i * 7) % 40;
    targets[i] = (i * 7 + 3) % 40;
  }
  Tape tape;
  model.parameters().zero_grad();
  const Tensor logits = model.forward(tape, ids, 2);
  tape.backward(nn::softmax_cross_entropy(tape, logits, targets));
  optimizer.step(model.parameters());
}

train::CheckpointState state_of(
    const models::ModelConfig& config, std::int64_t step,
    const std::string& train_config = R"({"family": "gpt", "batch": 2})") {
  train::CheckpointState state;
  state.step = step;
  state.seed = 7;
  state.tokenizer_hash = 0xABCDEF0123456789ull;
  state.model_config = models::to_json(config);
  state.train_config = train_config;
  return state;
}

}  // namespace

TEST_CASE("checkpoint names carry the step in 8 digits and sort by step", "[step03][checkpoint]") {
  CHECK(train::checkpoint_path("run", 1000).string() == "run/checkpoint-00001000.safetensors");
  CHECK(train::checkpoint_path("run", 0).filename() == "checkpoint-00000000.safetensors");
  CHECK_THROWS_AS(train::checkpoint_path("run", -1), Error);
  CHECK_THROWS_AS(train::checkpoint_path("run", 100000000), Error);
  TempDir dir("names");
  CHECK(train::list_checkpoints(dir.path() / "missing").empty());
  CHECK_FALSE(train::latest_checkpoint(dir.path()).has_value());
}

TEST_CASE("saving keeps the newest K checkpoints and ignores other files", "[step03][checkpoint]") {
  TempDir dir("keep");
  models::Gpt model(tiny_gpt());
  model.init(1);
  train::AdamW optimizer(model.parameters(), {});
  std::ofstream(dir.path() / "checkpoint-12.safetensors") << "not ours";
  std::ofstream(dir.path() / "notes.txt") << "hello";
  for (std::int64_t step : {10, 20, 30, 40, 50}) {
    train::save_checkpoint(dir.path(), model.parameters(), optimizer, state_of(tiny_gpt(), step),
                           2);
  }
  const std::vector<fs::path> kept = train::list_checkpoints(dir.path());
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].filename() == "checkpoint-00000040.safetensors");
  CHECK(kept[1].filename() == "checkpoint-00000050.safetensors");
  CHECK(train::latest_checkpoint(dir.path()) == kept[1]);
  CHECK(fs::exists(dir.path() / "checkpoint-12.safetensors"));
  CHECK(fs::exists(dir.path() / "notes.txt"));
  // No temporary file is left behind by the atomic write.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  CHECK(files == 4);
}

TEST_CASE("a checkpoint holds weights, AdamW state and metadata and loads back bit for bit",
          "[step03][checkpoint]") {
  TempDir dir("round-trip");
  models::Gpt model(tiny_gpt());
  model.init(3);
  train::AdamW optimizer(model.parameters(), {});
  take_a_step(model, optimizer);
  take_a_step(model, optimizer);
  const fs::path path =
      train::save_checkpoint(dir.path(), model.parameters(), optimizer, state_of(tiny_gpt(), 2), 3);

  // The layout a few lines of Python can read.
  const SafetensorsFile file = SafetensorsFile::read(path);
  CHECK(file.contains("param.wte.weight"));
  CHECK(file.contains("optim.first.h.0.attn.c_attn.weight"));
  CHECK(file.contains("optim.second.ln_f.bias"));
  CHECK(file.names().size() == 3 * model.parameters().size());
  CHECK(file.metadata().at("format") == train::kCheckpointFormat);
  CHECK(file.metadata().at("step") == "2");
  CHECK(file.metadata().at("optimizer_steps") == "2");
  CHECK(file.metadata().at("model_config") == models::to_json(tiny_gpt()));

  models::Gpt other(tiny_gpt());
  other.init(99);
  train::AdamW other_optimizer(other.parameters(), {});
  const train::CheckpointState loaded =
      train::load_checkpoint(path, other.parameters(), other_optimizer, state_of(tiny_gpt(), 0));
  CHECK(loaded.step == 2);
  CHECK(loaded.seed == 7);
  CHECK(loaded.tokenizer_hash == 0xABCDEF0123456789ull);
  CHECK(other_optimizer.step_count() == 2);
  auto a = model.parameters().begin();
  for (auto b = other.parameters().begin(); b != other.parameters().end(); ++a, ++b) {
    CHECK(a->value == b->value);
  }
  for (std::size_t i = 0; i < optimizer.slots().size(); ++i) {
    CHECK(optimizer.slots()[i].first == other_optimizer.slots()[i].first);
    CHECK(optimizer.slots()[i].second == other_optimizer.slots()[i].second);
  }
  // The same next step from both.
  take_a_step(model, optimizer);
  take_a_step(other, other_optimizer);
  CHECK(model.parameters().begin()->value == other.parameters().begin()->value);
}

TEST_CASE("a checkpoint of another run is refused, naming the field and both values",
          "[step03][checkpoint]") {
  TempDir dir("mismatch");
  models::Gpt model(tiny_gpt());
  model.init(1);
  train::AdamW optimizer(model.parameters(), {});
  const fs::path path =
      train::save_checkpoint(dir.path(), model.parameters(), optimizer, state_of(tiny_gpt(), 5), 1);

  SECTION("another model config") {
    models::Gpt wider(tiny_gpt(32));
    train::AdamW wider_optimizer(wider.parameters(), {});
    CHECK_THROWS_WITH(
        train::load_checkpoint(path, wider.parameters(), wider_optimizer,
                               state_of(tiny_gpt(32), 0)),
        contains("width 16") && contains("width 32") && contains("checkpoint-00000005"));
  }
  SECTION("another essential training setting") {
    CHECK_THROWS_WITH(
        train::load_checkpoint(path, model.parameters(), optimizer,
                               state_of(tiny_gpt(), 0, R"({"family": "gpt", "batch": 4})")),
        contains("batch 2") && contains("batch 4"));
  }
  SECTION("another seed or tokenizer") {
    train::CheckpointState other = state_of(tiny_gpt(), 0);
    other.seed = 8;
    CHECK_THROWS_WITH(train::load_checkpoint(path, model.parameters(), optimizer, other),
                      contains("seed 7") && contains("seed 8"));
    other.seed = 7;
    other.tokenizer_hash = 1;
    CHECK_THROWS_WITH(train::load_checkpoint(path, model.parameters(), optimizer, other),
                      contains("tokenizer hash"));
  }
  SECTION("a file that is not a checkpoint") {
    const fs::path plain = dir.path() / "plain.safetensors";
    const std::array<float, 2> values = {1.0f, 2.0f};
    const std::vector<NamedTensor> tensors = {{"x", {2}, values}};
    write_safetensors(plain, tensors);
    CHECK_THROWS_WITH(train::read_checkpoint_state(plain), contains("format") && contains("plain"));
  }
}
