// Fine-tuning runs (tune/finetune.h) on a small world and a tiny GPT folder: each method
// trains exactly its parameters and leaves the rest bit-identical, the outputs are model
// folders the other commands load, a stopped run resumes exactly, and bad configs are
// refused before any training.
#include <map>

#include "finetune_fixture.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/tune/finetune.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

std::map<std::string, std::vector<float>> values(const std::filesystem::path& folder) {
  const SafetensorsFile file = SafetensorsFile::read(folder / "model.safetensors");
  std::map<std::string, std::vector<float>> out;
  for (const std::string& name : file.names()) out[name] = file.floats(name);
  return out;
}

// The names whose values differ between the base folder and the fine-tuned one.
std::vector<std::string> changed(const testing::FinetuneSetup& setup, const std::string& run) {
  const auto base = values(setup.dir.path() / "model");
  std::vector<std::string> names;
  for (const auto& [name, tuned] : values(setup.dir.path() / run / "model")) {
    if (!base.contains(name) || base.at(name) != tuned) names.push_back(name);
  }
  return names;
}

}  // namespace

TEST_CASE("head and top-k fine-tuning train their parameters only", "[step04][finetune]") {
  const testing::FinetuneSetup setup;
  const tune::FinetuneResult probe = tune::run_finetune(setup.config("probe", "classify", "head"));
  const std::vector<std::string> head = {"head.bias", "head.weight"};
  CHECK(changed(setup, "probe") == head);
  CHECK(testing::optimizer_slots(probe.training.checkpoint) == head);

  tune::FinetuneConfig top = setup.config("top", "classify", "top_k_blocks");
  top.top_k = 1;
  const tune::FinetuneResult top_run = tune::run_finetune(top);
  const std::vector<std::string> top_names = changed(setup, "top");
  for (const std::string& name : top_names) {
    INFO(name);
    CHECK((name.starts_with("h.1.") || name.starts_with("ln_f.") || name.starts_with("head.")));
  }
  CHECK(std::count_if(top_names.begin(), top_names.end(),
                      [](const std::string& name) { return name.starts_with("h.1."); }) == 12);
  CHECK(testing::optimizer_slots(top_run.training.checkpoint) == top_names);

  // The output is a model folder with the head and its labels, from the data.
  const models::PretrainedGpt tuned = models::load_pretrained_gpt(probe.model_dir);
  REQUIRE(tuned.head.has_value());
  CHECK(tuned.head->labels == std::vector<std::string>{"negative", "neutral", "positive"});
  const std::string report = read_file(probe.report);
  CHECK_THAT(report, contains("\"negated\"") && contains("\"keyword_accuracy\""));
  CHECK_THAT(probe.summary, contains("| contrast |"));
}

TEST_CASE("full instruction tuning adds the chat markers and reports exact match per skill",
          "[step04][finetune]") {
  const testing::FinetuneSetup setup;
  tune::FinetuneConfig config = setup.config("sft", "instruct", "full");
  config.hold_out_skill = "reverse";
  const tune::FinetuneResult result = tune::run_finetune(config);
  const models::PretrainedGpt tuned = models::load_pretrained_gpt(result.model_dir);
  REQUIRE(tuned.chat.has_value());
  CHECK(tuned.tokenizer.has_special("<|assistant|>"));
  CHECK(tuned.tokenizer.vocab_size() <= tuned.model.config().vocab_size);
  const std::string report = read_file(result.report);
  CHECK_THAT(report,
             contains("\"arithmetic\"") && contains("\"before\"") && contains("\"answers\""));
  CHECK_THAT(result.summary, contains("reverse (not trained)"));
}

TEST_CASE("an encoder classifies reviews from its first token", "[step04][finetune]") {
  const testing::FinetuneSetup setup;
  tune::FinetuneConfig config = setup.config("encoder-classify", "classify", "full");
  config.model = testing::make_encoder_folder(setup);
  const tune::FinetuneResult result = tune::run_finetune(config);
  const models::ModelFolder tuned = models::load_model_folder(result.model_dir);
  REQUIRE(tuned.head.has_value());
  CHECK(tuned.head->pooling == "first");
  CHECK(std::holds_alternative<models::Encoder>(tuned.model));
  CHECK_THAT(result.summary, contains("| negated |"));
  // Its pre-training heads never train.
  const auto base = values(setup.dir.path() / "encoder");
  const auto after = values(result.model_dir);
  CHECK(base.at("mlm.bias") == after.at("mlm.bias"));
  CHECK(base.at("h.0.attn.c_attn.weight") != after.at("h.0.attn.c_attn.weight"));
}

TEST_CASE("a stopped fine-tuning run resumes exactly", "[step04][finetune]") {
  const testing::FinetuneSetup setup;
  tune::run_finetune(setup.config("straight", "classify", "full"));
  testing::run_stopped_and_resumed(setup.config("parts", "classify", "full"), 3);
  CHECK(values(setup.dir.path() / "parts" / "model") ==
        values(setup.dir.path() / "straight" / "model"));
}

TEST_CASE("bad fine-tuning configs are refused before any training", "[step04][finetune]") {
  TempDir dir("finetune-errors");
  data::generate({.seed = 1, .size = 20000, .kinds = {"reviews"}}, dir.path() / "world");
  auto encoder = testing::small_model<models::Encoder>(280, 8, 8, 1, 0);
  const std::string specials[] = {"[CLS]"};
  models::save_model_folder(dir.path() / "encoder", encoder.config(), encoder.parameters(),
                            text::BpeTokenizer::train("some text", 270, specials));
  auto gpt = testing::small_model<models::Gpt>(280, 8, 8, 2, 0);
  models::save_pretrained_gpt(dir.path() / "gpt", gpt,
                              text::BpeTokenizer::train("some text", 270, specials));
  const auto config = [&dir](auto change) {
    tune::FinetuneConfig c;
    c.model = dir.path() / "gpt";
    c.data = dir.path() / "world";
    c.out = dir.path() / "out";
    change(c);
    return c;
  };
  const auto refused = [](const tune::FinetuneConfig& c) {
    try {
      tune::check_finetune_config(c);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(refused(config([](auto& c) { c.task = "summarise"; })),
             contains("--task \"summarise\""));
  CHECK_THAT(refused(config([](auto& c) { c.method = "adapters"; })),
             contains("--method \"adapters\""));
  CHECK_THAT(refused(config([](auto& c) {
               c.method = "lora";
               c.lora.rank = 0;
             })),
             contains("--lora-rank"));
  CHECK_THAT(refused(config([](auto& c) {
               c.task = "instruct";
               c.method = "head";
             })),
             contains("--method head"));
  CHECK_THAT(refused(config([&dir](auto& c) {
               c.model = dir.path() / "encoder";
               c.task = "instruct";
             })),
             contains("of family encoder; --task instruct fine-tunes a gpt"));
  CHECK_THAT(refused(config([&dir](auto& c) {
               c.model = dir.path() / "gpt";
               c.task = "tokens";
             })),
             contains("of family gpt; --task tokens fine-tunes an encoder"));
  CHECK_THAT(refused(config([&dir](auto& c) { c.model = dir.path() / "none"; })),
             contains("not a model folder"));
  CHECK_THAT(refused(config([](auto& c) { c.task = "instruct"; })),
             contains("no instructions.jsonl"));
  CHECK_THAT(refused(config([](auto& c) {
               c.method = "top_k_blocks";
               c.top_k = 3;
             })),
             contains("--top-k must be in [1, 2]"));
  CHECK_THAT(refused(config([](auto& c) { c.hold_out_skill = "poetry"; })),
             contains("--hold-out-skill"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "out"));
  CHECK(refused(config([](auto&) {})) == "accepted");
  CHECK_THROWS_WITH(tune::parse_finetune_config(R"({"taks": "classify"})", "ft.json"),
                    contains("ft.json: unknown field 'taks'"));
  CHECK_THROWS_WITH(tune::parse_finetune_config(R"({"top_k": "two"})", "ft.json"),
                    contains("'top_k'"));
}
