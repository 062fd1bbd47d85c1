// What step 04's tests fine-tune: a small generated world and a tiny GPT model folder with
// a BPE trained on the world's text (random weights: the tests check mechanics, not skill).
#pragma once

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/adapter_files.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::testing {

/// A (rows, cols) matrix of N(0, 1) values, drawn from stream kDemo at `index`.
inline Matrix random_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t index) {
  Matrix m(rows, cols);
  std::span<float> values(m.data(), static_cast<std::size_t>(m.size()));
  fill_normal(values, 7, RngStream::kDemo, index, 0.0f, 1.0f);
  return m;
}

/// The tiny GPT: V 320, P 192, C 16, two layers of two heads.
inline models::ModelConfig tiny_finetune_config() {
  return {.family = models::Family::kGpt,
          .vocab_size = 320,
          .context_length = 192,
          .width = 16,
          .layers = 2,
          .heads = 2};
}

/// A small model of family Model (a GPT, an encoder or an encoder-decoder) with two heads,
/// initialised from `seed`.
template <typename Model>
Model small_model(std::int64_t vocab, std::int64_t context, std::int64_t width, std::int64_t layers,
                  std::uint64_t seed) {
  constexpr models::Family family = std::is_same_v<Model, models::Gpt> ? models::Family::kGpt
                                    : std::is_same_v<Model, models::Encoder>
                                        ? models::Family::kEncoder
                                        : models::Family::kSeq2Seq;
  Model model({.family = family,
               .vocab_size = vocab,
               .context_length = context,
               .width = width,
               .layers = layers,
               .heads = 2});
  model.init(seed);
  return model;
}

/// A world (reviews, instructions, dialogues, stories; about 20,000 bytes of stories) in
/// `folder`/world and the tiny GPT's model folder in `folder`/`model` (a relative path).
inline void make_world_and_model(const std::filesystem::path& folder,
                                 const std::filesystem::path& model = "model") {
  data::generate(
      {.seed = 1, .size = 20000, .kinds = {"stories", "reviews", "instructions", "dialogues"}},
      folder / "world");
  const std::string text = read_file(folder / "world" / "stories.txt") +
                           read_file(folder / "world" / "reviews.txt") +
                           read_file(folder / "world" / "instructions.txt");
  const std::string specials[] = {"<|endoftext|>"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(text, 319, specials);
  models::Gpt gpt(tiny_finetune_config());
  gpt.init(7);
  models::save_pretrained_gpt(folder / model, gpt, tokenizer);
}

/// The parameters a checkpoint holds optimizer state for (the ones that trained), sorted.
inline std::vector<std::string> optimizer_slots(const std::filesystem::path& checkpoint) {
  std::vector<std::string> names;
  for (const std::string& name : SafetensorsFile::read(checkpoint).names()) {
    if (name.starts_with("optim.first.")) names.push_back(name.substr(12));
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Runs a fine-tuning config in two parts, a stop after `stop_step` and a resume; the caller
/// compares what it saved with the same run made in one go.
inline void run_stopped_and_resumed(tune::FinetuneConfig config, std::int64_t stop_step) {
  train::TrainCallbacks stop;
  stop.on_step = [stop_step](const train::StepReport& report) {
    if (report.step == stop_step) train::request_stop();
  };
  REQUIRE(tune::run_finetune(config, stop).training.interrupted);
  config.resume = true;
  CHECK(tune::run_finetune(config).training.first_step == stop_step);
}

/// A world and the tiny GPT in a scratch folder, and short fine-tuning runs on them: 6
/// steps of 4 examples of 64 tokens, validation every 3.
struct FinetuneSetup {
  TempDir dir{"finetune"};
  FinetuneSetup() { make_world_and_model(dir.path()); }

  tune::FinetuneConfig config(const std::string& name, const std::string& task,
                              const std::string& method) const {
    tune::FinetuneConfig config;
    config.model = dir.path() / "model";
    config.data = dir.path() / "world";
    config.out = dir.path() / name;
    config.task = task;
    config.method = method;
    config.steps = 6;
    config.batch = 4;
    config.lr = 1e-2f;
    config.eval_interval = 3;
    config.eval_batches = 1;
    config.context = 64;
    return config;
  }
};

/// An encoder model folder (C 16, two layers, random weights) with a BPE trained on the
/// setup's reviews and BERT's special tokens, in the setup's folder `encoder`.
inline std::filesystem::path make_encoder_folder(const FinetuneSetup& setup) {
  const std::string specials[] = {"[CLS]", "[SEP]", "[PAD]", "[MASK]"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(
      read_file(setup.dir.path() / "world" / "reviews.txt"), 316, specials);
  auto encoder = small_model<models::Encoder>(320, 192, 16, 2, 5);
  const std::filesystem::path folder = setup.dir.path() / "encoder";
  models::save_model_folder(folder, encoder.config(), encoder.parameters(), tokenizer);
  return folder;
}

/// Checks that the adapters two runs in the setup's folder saved are the same bits.
inline void check_same_adapters(const FinetuneSetup& setup, const std::string& run,
                                const std::string& other) {
  const SafetensorsFile a =
      SafetensorsFile::read(setup.dir.path() / run / "adapter/adapter_model.safetensors");
  const SafetensorsFile b =
      SafetensorsFile::read(setup.dir.path() / other / "adapter/adapter_model.safetensors");
  CHECK(a.names() == b.names());
  for (const std::string& name : a.names()) {
    INFO(name);
    CHECK(b.floats(name) == a.floats(name));
  }
}

/// The first test instruction of each skill, the ones a run with test_per_skill = 1 asks in
/// its report.
inline std::vector<tune::ChatExample> first_of_each_skill(const std::filesystem::path& world) {
  std::vector<tune::ChatExample> asked;
  std::set<std::string> skills;
  for (const tune::ChatExample& example : tune::load_instructions(world, tune::Split::kTest)) {
    if (skills.insert(example.skill).second) asked.push_back(example);
  }
  return asked;
}

/// Checks that an instruction-tuned adapter, loaded back onto its base, answers the run's
/// report instructions (test_per_skill = 1) as the report says: the adapter, the chat
/// markers and the grown vocabulary all came back. `products`: a QLoRA base's NF4 products.
inline void check_report_answers(const FinetuneSetup& setup, const tune::FinetuneResult& result,
                                 tune::AdaptedModel& loaded,
                                 models::MatrixProducts* products = nullptr) {
  REQUIRE(loaded.folder.chat.has_value());
  const std::vector<tune::ChatAnswer> answers = tune::answer_all(
      std::get<models::Gpt>(loaded.folder.model), loaded.folder.tokenizer, *loaded.folder.chat,
      first_of_each_skill(setup.dir.path() / "world"), 64, loaded.adapter.get(), products);
  const nlohmann::json report = nlohmann::json::parse(read_file(result.report));
  REQUIRE(report["answers"].size() == answers.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    INFO(answers[i].id);
    CHECK(report["answers"][i]["id"] == answers[i].id);
    CHECK(report["answers"][i]["answer"] == answers[i].answer);
  }
}

}  // namespace tinygpt::testing
