// A Hugging Face GPT-2 folder, end to end: tests/data/tiny-gpt2/ holds the files of a GPT-2
// download in their formats (HF config.json, F16 model.safetensors with "transformer."
// names, mask buffers and lm_head, GPT-2's vocab.json + merges.txt), written by
// reference/parity.py with the expected logits and greedy continuation computed in float64.
#include "tinygpt/models/pretrained.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/weights.h"

namespace fs = std::filesystem;
using namespace tinygpt;
using namespace tinygpt::models;
using nlohmann::json;
using tinygpt::testing::contains;

namespace {

// The issue asks for 1e-4 relative to the largest logit; the forward reaches about 2e-7.
constexpr double kLogitTolerance = 1e-4;

const fs::path kTinyGpt2 = fs::path(TINYGPT_STEP02_TEST_DATA) / "tiny-gpt2";

// What parity.py computed: the prompt, its greedy continuation and last-position logits.
struct Expected {
  std::string prompt_text;
  std::vector<std::int32_t> prompt_ids;
  std::vector<std::int32_t> greedy_ids;
  std::int32_t end_of_text_id = -1;
  std::vector<double> last_logits;  // (V), float64
};

Expected read_expected() {
  const json object = json::parse(read_file(kTinyGpt2 / "expected.json"));
  Expected expected;
  expected.prompt_text = object.at("prompt_text").get<std::string>();
  expected.prompt_ids = object.at("prompt_ids").get<std::vector<std::int32_t>>();
  expected.greedy_ids = object.at("greedy_ids").get<std::vector<std::int32_t>>();
  expected.end_of_text_id = object.at("end_of_text_id").get<std::int32_t>();
  expected.last_logits = object.at("last_logits").get<std::vector<double>>();
  return expected;
}

// A fresh folder under the temporary folder, removed when the test ends.
class TempFolder {
 public:
  explicit TempFolder(const std::string& label)
      : path_(fs::temp_directory_path() /
              ("tinygpt-pretrained-test-" + std::to_string(getpid()) + "-" + label)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() { fs::remove_all(path_); }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Copies the named files of tiny-gpt2 into folder.
void copy_from_tiny_gpt2(const fs::path& folder, std::initializer_list<const char*> names) {
  for (const char* name : names) fs::copy_file(kTinyGpt2 / name, folder / name);
}

// The logits (V) at the last position of one sequence.
std::vector<float> last_logits(Gpt& model, const std::vector<std::int32_t>& ids) {
  Tape tape;
  NoGradGuard no_grad(tape);
  const Tensor logits = model.forward(tape, ids, 1);
  const std::int64_t vocab = model.config().vocab_size;
  const float* last = logits.data + (static_cast<std::int64_t>(ids.size()) - 1) * vocab;
  return {last, last + vocab};
}

// max |actual - expected| / max |expected|.
double relative_error(const std::vector<float>& actual, const std::vector<double>& expected) {
  REQUIRE(actual.size() == expected.size());
  double difference = 0.0;
  double scale = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    difference = std::max(difference, std::abs(actual[i] - expected[i]));
    scale = std::max(scale, std::abs(expected[i]));
  }
  return difference / scale;
}

GenerateOptions greedy_options(const PretrainedGpt& pretrained, std::int64_t new_tokens) {
  GenerateOptions options;
  options.max_new_tokens = new_tokens;
  options.sampling.temperature = 0.0f;
  options.stop_token = pretrained.end_of_text;
  return options;
}

}  // namespace

TEST_CASE("a Hugging Face GPT-2 folder loads: config, F16 weights, GPT-2 tokenizer",
          "[step02][pretrained]") {
  const Expected expected = read_expected();
  PretrainedGpt pretrained = load_pretrained_gpt(kTinyGpt2);
  const ModelConfig& config = pretrained.model.config();
  CHECK(config.family == Family::kGpt);
  CHECK(config.vocab_size == 657);
  CHECK(config.context_length == 32);
  CHECK(config.width == 32);
  CHECK(config.heads == 4);
  CHECK(config.layers == 2);
  // The file really is Hugging Face's layout, so the F16 path and the skipped buffers ran.
  const SafetensorsFile file = SafetensorsFile::read(kTinyGpt2 / "model.safetensors");
  CHECK(file.info("transformer.wte.weight").dtype == Dtype::kF16);
  CHECK(file.info("transformer.h.1.attn.bias").shape == std::vector<std::int64_t>{1, 1, 32, 32});
  CHECK(file.contains("transformer.h.0.attn.masked_bias"));
  CHECK(file.contains("lm_head.weight"));
  const AlignedFloats& wte = pretrained.model.parameters().at("wte.weight").value;
  CHECK(std::vector<float>(wte.begin(), wte.end()) == file.floats("transformer.wte.weight"));

  CHECK(pretrained.tokenizer.vocab_size() == 657);
  REQUIRE(pretrained.end_of_text.has_value());
  CHECK(*pretrained.end_of_text == expected.end_of_text_id);
  CHECK(pretrained.tokenizer.encode(expected.prompt_text) == expected.prompt_ids);
  CHECK(pretrained.tokenizer.decode(expected.prompt_ids) == expected.prompt_text);
}

TEST_CASE("tiny-gpt2 logits match PyTorch's float64 forward", "[step02][pretrained]") {
  const Expected expected = read_expected();
  PretrainedGpt pretrained = load_pretrained_gpt(kTinyGpt2);
  const double error =
      relative_error(last_logits(pretrained.model, expected.prompt_ids), expected.last_logits);
  INFO("relative error " << error);
  CHECK(error < kLogitTolerance);
  WARN("tiny-gpt2 last-position logits: max relative error " << error);
}

TEST_CASE("tiny-gpt2 greedy generation gives PyTorch's continuation", "[step02][pretrained]") {
  const Expected expected = read_expected();
  PretrainedGpt pretrained = load_pretrained_gpt(kTinyGpt2);
  const GenerateOptions options =
      greedy_options(pretrained, static_cast<std::int64_t>(expected.greedy_ids.size()));
  CHECK(generate(pretrained.model, expected.prompt_ids, options) == expected.greedy_ids);
  // Greedy ignores the seed.
  GenerateOptions other_seed = options;
  other_seed.seed = 99;
  CHECK(generate(pretrained.model, expected.prompt_ids, other_seed) == expected.greedy_ids);
}

TEST_CASE("tiny-gpt2 sampling is reproducible with a seed", "[step02][pretrained]") {
  const Expected expected = read_expected();
  PretrainedGpt pretrained = load_pretrained_gpt(kTinyGpt2);
  GenerateOptions options;
  options.max_new_tokens = 12;
  options.sampling = {.temperature = 1.0f, .top_k = 0, .top_p = 1.0f};
  options.seed = 1;
  const std::vector<std::int32_t> first = generate(pretrained.model, expected.prompt_ids, options);
  CHECK(first.size() == 12);
  CHECK(generate(pretrained.model, expected.prompt_ids, options) == first);
  options.seed = 2;
  CHECK(generate(pretrained.model, expected.prompt_ids, options) != first);
}

TEST_CASE("save_pretrained_gpt and load_pretrained_gpt round-trip tiny-gpt2",
          "[step02][pretrained]") {
  const Expected expected = read_expected();
  PretrainedGpt original = load_pretrained_gpt(kTinyGpt2);
  const TempFolder folder("round-trip");
  save_pretrained_gpt(folder.path() / "saved", original.model, original.tokenizer);
  CHECK(fs::is_regular_file(folder.path() / "saved" / "config.json"));
  CHECK(fs::is_regular_file(folder.path() / "saved" / "model.safetensors"));
  CHECK(fs::is_regular_file(folder.path() / "saved" / "tokenizer.bpe"));

  PretrainedGpt loaded = load_pretrained_gpt(folder.path() / "saved");
  CHECK(last_logits(loaded.model, expected.prompt_ids) ==
        last_logits(original.model, expected.prompt_ids));
  CHECK(loaded.tokenizer.encode(expected.prompt_text) == expected.prompt_ids);
  CHECK(loaded.end_of_text == original.end_of_text);
  CHECK(generate(loaded.model, expected.prompt_ids,
                 greedy_options(loaded, static_cast<std::int64_t>(expected.greedy_ids.size()))) ==
        expected.greedy_ids);
}

TEST_CASE("bad model folders are refused naming the missing file", "[step02][pretrained]") {
  const TempFolder folder("bad");
  const fs::path& root = folder.path();

  CHECK_THROWS_WITH(load_pretrained_gpt(root / "absent"), contains("no such model folder"));

  const fs::path no_config = root / "no-config";
  fs::create_directories(no_config);
  copy_from_tiny_gpt2(no_config, {"model.safetensors", "vocab.json", "merges.txt"});
  CHECK_THROWS_AS(load_pretrained_gpt(no_config), Error);
  CHECK_THROWS_WITH(load_pretrained_gpt(no_config), contains("no config.json"));

  const fs::path no_weights = root / "no-weights";
  fs::create_directories(no_weights);
  copy_from_tiny_gpt2(no_weights, {"config.json", "vocab.json", "merges.txt"});
  CHECK_THROWS_WITH(load_pretrained_gpt(no_weights), contains("no model.safetensors"));

  const fs::path no_tokenizer = root / "no-tokenizer";
  fs::create_directories(no_tokenizer);
  copy_from_tiny_gpt2(no_tokenizer, {"config.json", "model.safetensors"});
  CHECK_THROWS_WITH(load_pretrained_gpt(no_tokenizer), contains("no tokenizer"));
  CHECK_THROWS_WITH(load_pretrained_gpt(no_tokenizer), contains("vocab.json + merges.txt"));

  const fs::path no_merges = root / "no-merges";
  fs::create_directories(no_merges);
  copy_from_tiny_gpt2(no_merges, {"config.json", "model.safetensors", "vocab.json"});
  CHECK_THROWS_WITH(load_pretrained_gpt(no_merges), contains("no merges.txt"));

  // A consistent model whose vocabulary (600) is smaller than the tokenizer's (657): its
  // ids 600..656 would be out of range.
  const fs::path small_vocab = root / "small-vocab";
  fs::create_directories(small_vocab);
  copy_from_tiny_gpt2(small_vocab, {"vocab.json", "merges.txt"});
  ModelConfig config = load_pretrained_gpt(kTinyGpt2).model.config();
  config.vocab_size = 600;
  Gpt small(config);
  small.init(3);
  write_file_atomically(small_vocab / "config.json", to_json(config) + "\n");
  save_weights(small_vocab / "model.safetensors", config, small.parameters());
  CHECK_THROWS_WITH(load_pretrained_gpt(small_vocab), contains("the tokenizer has 657 tokens"));
  CHECK_THROWS_WITH(load_pretrained_gpt(small_vocab), contains("the model only 600"));
}
