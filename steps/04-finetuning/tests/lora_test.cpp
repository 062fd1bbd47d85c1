// LoRA (tune/lora.h, adapter_files.h): the update and its gradients (exercise 04.5), the
// adapter on a GPT and an encoder (starts at the base, merges and unmerges exactly),
// fine-tuning that trains the adapter alone, and adapter folders in PEFT's layout that
// refuse a base they do not fit.
#include <map>
#include <nlohmann/json.hpp>

#include "finetune_fixture.hpp"
#include "tinygpt/core/gradcheck.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/tune/adapter_files.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/lora.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::random_matrix;
using tinygpt::testing::TempDir;

namespace {

// Logits of a GPT for a fixed batch, with or without an adapter.
std::vector<float> logits_of(models::Gpt& gpt, models::Adapter* adapter) {
  Tape tape;
  NoGradGuard no_grad(tape);
  const std::vector<std::int32_t> ids = {1, 5, 9, 2, 7, 3, 11, 4};
  models::RunOptions options;
  options.adapter = adapter;
  const Tensor logits = gpt.forward(tape, ids, 2, {}, options);
  return {logits.data, logits.data + logits.numel()};
}

// Gives every B of the adapter random values, so the update is not zero.
void randomise_b(ParameterSet& parameters, const tune::Lora& lora) {
  std::uint64_t index = 100;
  for (const std::string& layer : lora.layers()) {
    Parameter& b = parameters.at(layer + ".lora_B");
    fill_normal(b.value, 3, RngStream::kDemo, index++, 0.0f, 0.05f);
  }
}

}  // namespace

TEST_CASE("lora_forward is scale (x A) B through the rank-r bottleneck", "[step04][lora][ex04.5]") {
  const Matrix x = random_matrix(5, 6, 1);
  const Matrix a = random_matrix(6, 2, 2);
  const Matrix b = random_matrix(2, 4, 3);
  Matrix out(5, 4), hidden(5, 2);
  tune::lora_forward(out, hidden, x, a, b, 0.5f);
  CHECK(hidden.isApprox(x * a, 1e-6f));
  CHECK(out.isApprox(0.5f * x * a * b, 1e-5f));
  Matrix wrong(5, 3);
  CHECK_THROWS_WITH(tune::lora_forward(wrong, hidden, x, a, b, 0.5f), contains("lora_forward"));
}

TEST_CASE("lora_backward matches finite differences for x, A and B", "[step04][lora][ex04.5]") {
  ParameterSet inputs;
  for (const auto& [name, shape] : std::vector<std::pair<std::string, Shape>>{
           {"x", Shape{2, 3, 6}}, {"a", Shape{6, 2}}, {"b", Shape{2, 5}}}) {
    inputs.add(name, shape);
    fill_normal(inputs.at(name).value, 11, RngStream::kDemo, inputs.size(), 0.0f, 1.0f);
  }
  const std::vector<Tensor> tensors = {inputs.tensor("x"), inputs.tensor("a"), inputs.tensor("b")};
  const GradCheckResult result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        return tune::lora_update(tape, in[0], in[1], in[2], 2.0f);
      },
      tensors, 1e-2f);
  INFO(result.str());
  CHECK(result.relative_error < 1e-3);
  // dx is skipped when not wanted (an input with no gradient).
  Matrix dx_none, da = Matrix::Zero(6, 2), db = Matrix::Zero(2, 5);
  const Matrix x = random_matrix(4, 6, 4), a = random_matrix(6, 2, 5), b = random_matrix(2, 5, 6);
  const Matrix dout = random_matrix(4, 5, 7);
  const Matrix hidden = x * a;
  tune::lora_backward(dx_none, da, db, dout, x, hidden, a, b, 2.0f);
  CHECK(db.isApprox(2.0f * hidden.transpose() * dout, 1e-5f));
  CHECK(da.isApprox(x.transpose() * (2.0f * dout * b.transpose()), 1e-5f));
}

TEST_CASE("a LoRA adapter starts at the base model, merges and unmerges exactly",
          "[step04][lora]") {
  models::Gpt gpt = testing::small_model<models::Gpt>(32, 16, 16, 2, 1);
  const std::vector<float> base = logits_of(gpt, nullptr);
  std::map<std::string, AlignedFloats> weights;
  for (const Parameter& parameter : gpt.parameters()) weights[parameter.name] = parameter.value;

  tune::Lora lora(gpt.parameters(), gpt.config(),
                  {.rank = 4, .alpha = 8, .targets = tune::lora_target_modules()}, 5);
  CHECK(lora.layers() == std::vector<std::string>{"h.0.attn.c_attn", "h.0.attn.c_proj",
                                                  "h.0.mlp.c_fc", "h.0.mlp.c_proj",
                                                  "h.1.attn.c_attn", "h.1.attn.c_proj",
                                                  "h.1.mlp.c_fc", "h.1.mlp.c_proj"});
  // r (C_in + C_out) per layer: 4 (16 + 48), 4 (16 + 16), 4 (16 + 64), 4 (64 + 16).
  CHECK(lora.numel() == 2 * 4 * (64 + 32 + 80 + 80));
  CHECK(lora.owns("h.1.mlp.c_fc.lora_A"));
  CHECK_FALSE(lora.owns("h.1.mlp.c_fc.weight"));
  CHECK(logits_of(gpt, &lora) == base);  // B = 0: the update is exactly zero

  randomise_b(gpt.parameters(), lora);
  const std::vector<float> adapted = logits_of(gpt, &lora);
  CHECK(testing::relative_error(base, adapted) > 1e-3);
  lora.merge();
  CHECK_THROWS_WITH(lora.merge(), contains("already merged"));
  const double merged_error = testing::relative_error(logits_of(gpt, &lora), adapted);
  INFO("merged against adapted: " << merged_error);
  CHECK(merged_error < 1e-6);
  lora.unmerge();
  for (const auto& [name, original] : weights) {
    INFO(name);
    CHECK(gpt.parameters().at(name).value == original);
  }
  CHECK(logits_of(gpt, &lora) == adapted);
}

TEST_CASE("LoRA attaches to an encoder's and an encoder-decoder's blocks as well",
          "[step04][lora]") {
  models::Encoder encoder = testing::small_model<models::Encoder>(32, 16, 16, 2, 1);
  tune::Lora on_encoder(encoder.parameters(), encoder.config(),
                        {.rank = 2, .targets = {"mlp.c_fc"}}, 5);
  CHECK(on_encoder.layers() == std::vector<std::string>{"h.0.mlp.c_fc", "h.1.mlp.c_fc"});

  // Both stacks of an encoder-decoder, through the one Forward::linear.
  models::Seq2Seq seq2seq = testing::small_model<models::Seq2Seq>(32, 16, 16, 1, 1);
  const std::vector<std::int32_t> source = {3, 4, 5, 6, 7, 8}, target = {1, 2, 9, 10};
  const auto logits = [&](models::Adapter* adapter) {
    Tape tape;
    NoGradGuard no_grad(tape);
    models::RunOptions options;
    options.adapter = adapter;
    const Tensor out = seq2seq.forward(tape, {source, {}}, {target, {}}, 2, options);
    return std::vector<float>(out.data, out.data + out.numel());
  };
  const std::vector<float> base = logits(nullptr);
  tune::Lora lora(seq2seq.parameters(), seq2seq.config(), {.rank = 2, .targets = {"mlp.c_fc"}}, 5);
  CHECK(lora.layers() == std::vector<std::string>{"encoder.h.0.mlp.c_fc", "decoder.h.0.mlp.c_fc"});
  CHECK(logits(&lora) == base);
  randomise_b(seq2seq.parameters(), lora);
  CHECK(testing::relative_error(logits(&lora), base) > 1e-4);
}

TEST_CASE("bad LoRA settings are refused with the setting and what is allowed", "[step04][lora]") {
  const models::ModelConfig config = testing::tiny_finetune_config();  // width 16
  CHECK_THROWS_WITH(tune::check_lora_settings({.rank = 0}, config),
                    contains("--lora-rank must be in [1, 16]") && contains("got 0"));
  CHECK_THROWS_WITH(tune::check_lora_settings({.rank = 17}, config), contains("got 17"));
  CHECK_THROWS_WITH(tune::check_lora_settings({.targets = {"attn.c_q"}}, config),
                    contains("unknown layer 'attn.c_q'") &&
                        contains("attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj"));
  CHECK_THROWS_WITH(tune::check_lora_settings({.targets = {"mlp.c_fc", "mlp.c_fc"}}, config),
                    contains("twice"));
  CHECK_THROWS_WITH(tune::check_lora_settings({.alpha = 0}, config), contains("--lora-alpha"));
  CHECK_THROWS_WITH(tune::check_lora_settings({.dropout = 1}, config), contains("--lora-dropout"));
}

namespace {

// A LoRA run on attn.c_attn and mlp.c_fc, rank 2, with dropout.
tune::FinetuneConfig lora_config(const testing::FinetuneSetup& setup, const std::string& name,
                                 const std::string& task) {
  tune::FinetuneConfig config = setup.config(name, task, "lora");
  config.lora = {.rank = 2, .alpha = 4, .dropout = 0.1f, .targets = {"attn.c_attn", "mlp.c_fc"}};
  config.test_per_skill = 2;
  return config;
}

}  // namespace

TEST_CASE("LoRA fine-tuning trains the adapter and the head alone, and saves a PEFT folder",
          "[step04][lora]") {
  const testing::FinetuneSetup setup;
  const tune::FinetuneResult result =
      tune::run_finetune(lora_config(setup, "classify", "classify"));
  CHECK(result.model_dir == setup.dir.path() / "classify" / "adapter");
  // The optimizer holds state for exactly the adapter's matrices and the head.
  const std::vector<std::string> trained = {"h.0.attn.c_attn.lora_A",
                                            "h.0.attn.c_attn.lora_B",
                                            "h.0.mlp.c_fc.lora_A",
                                            "h.0.mlp.c_fc.lora_B",
                                            "h.1.attn.c_attn.lora_A",
                                            "h.1.attn.c_attn.lora_B",
                                            "h.1.mlp.c_fc.lora_A",
                                            "h.1.mlp.c_fc.lora_B",
                                            "head.bias",
                                            "head.weight"};
  CHECK(testing::optimizer_slots(result.training.checkpoint) == trained);
  // The base in the checkpoint is bit-identical to the folder's.
  const SafetensorsFile base = SafetensorsFile::read(setup.dir.path() / "model/model.safetensors");
  const SafetensorsFile checkpoint = SafetensorsFile::read(result.training.checkpoint);
  for (const std::string& name : base.names()) {
    INFO(name);
    CHECK(checkpoint.floats("param." + name) == base.floats(name));
  }

  // PEFT's layout: transposed A (r, C_in) and B (C_out, r) under base_model.model.
  const SafetensorsFile adapter =
      SafetensorsFile::read(result.model_dir / "adapter_model.safetensors");
  CHECK(adapter.info("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").shape ==
        std::vector<std::int64_t>{2, 16});
  CHECK(adapter.info("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape ==
        std::vector<std::int64_t>{48, 2});
  CHECK(adapter.contains("base_model.model.head.weight"));
  CHECK(adapter.names().size() == 10);
  const nlohmann::json config =
      nlohmann::json::parse(read_file(result.model_dir / "adapter_config.json"));
  CHECK(config["peft_type"] == "LORA");
  CHECK(config["task_type"] == "SEQ_CLS");
  CHECK(config["r"] == 2);
  CHECK(config["lora_alpha"] == 4.0);
  CHECK(config["target_modules"] == nlohmann::json({"attn.c_attn", "mlp.c_fc"}));
  CHECK(config["fan_in_fan_out"] == true);
  CHECK(config["modules_to_save"] == nlohmann::json({"head"}));

  // Loaded back onto the base, the adapter and head are the trained ones.
  tune::AdaptedModel loaded = tune::load_adapter(setup.dir.path() / "model", result.model_dir);
  for (const std::string& name : trained) {
    INFO(name);
    const AlignedFloats& value = loaded.folder.parameters().at(name).value;
    CHECK(std::vector<float>(value.begin(), value.end()) == checkpoint.floats("param." + name));
  }
  CHECK(loaded.folder.head->task == "classification");
  CHECK(static_cast<std::int64_t>(loaded.folder.head->labels.size()) ==
        checkpoint.info("param.head.bias").shape[0]);
}

TEST_CASE("a LoRA instruction-tuned adapter answers through the engine after loading",
          "[step04][lora]") {
  const testing::FinetuneSetup setup;
  const tune::FinetuneResult result =
      tune::run_finetune(lora_config(setup, "instruct", "instruct"));
  // The chat markers are new rows of wte: the embedding trains beside the adapter and is
  // saved with it (PEFT's modules_to_save).
  const std::vector<std::string> trained = testing::optimizer_slots(result.training.checkpoint);
  CHECK(std::find(trained.begin(), trained.end(), "wte.weight") != trained.end());
  CHECK(std::find(trained.begin(), trained.end(), "wpe.weight") == trained.end());
  const nlohmann::json config =
      nlohmann::json::parse(read_file(result.model_dir / "adapter_config.json"));
  CHECK(config["modules_to_save"] == nlohmann::json({"wte"}));
  tune::AdaptedModel loaded = tune::load_adapter(setup.dir.path() / "model", result.model_dir);
  REQUIRE(loaded.folder.chat.has_value());
  const nlohmann::json report = nlohmann::json::parse(read_file(result.report));
  // The run's report and a fresh load give the same answers: the adapter, the chat markers
  // and the grown vocabulary all came back.
  std::vector<tune::ChatExample> asked;
  for (const tune::ChatExample& example :
       tune::load_instructions(setup.dir.path() / "world", tune::Split::kTest)) {
    if (asked.size() < 3) asked.push_back(example);
  }
  const std::vector<tune::ChatAnswer> answers =
      tune::answer_all(std::get<models::Gpt>(loaded.folder.model), loaded.folder.tokenizer,
                       *loaded.folder.chat, asked, 64, loaded.adapter.get());
  std::map<std::string, std::string> reported;
  for (const auto& answer : report["answers"]) reported[answer["id"]] = answer["answer"];
  int compared = 0;
  for (const tune::ChatAnswer& answer : answers) {
    INFO(answer.id);
    if (!reported.contains(answer.id)) continue;
    CHECK(reported.at(answer.id) == answer.answer);
    ++compared;
  }
  CHECK(compared >= 1);
}

TEST_CASE("an adapter refuses a base it was not trained on", "[step04][lora]") {
  const testing::FinetuneSetup setup;
  const tune::FinetuneResult result = tune::run_finetune(lora_config(setup, "run", "classify"));
  // Another base: the same folder with one weight changed.
  const std::filesystem::path other = setup.dir.path() / "other";
  models::ModelFolder folder = models::load_model_folder(setup.dir.path() / "model");
  folder.parameters().at("h.0.mlp.c_fc.weight").value[0] += 1.0f;
  models::save_model_folder(other, folder.config, folder.parameters(), folder.tokenizer);
  CHECK_THROWS_WITH(tune::load_adapter(other, result.model_dir),
                    contains("trained on another base") && contains("hash"));
  CHECK_THROWS_WITH(tune::load_adapter(setup.dir.path() / "model", setup.dir.path()),
                    contains("adapter_config.json"));
  // A corrupt config names the field.
  const std::filesystem::path broken = setup.dir.path() / "broken";
  std::filesystem::copy(result.model_dir, broken);
  write_file_atomically(broken / "adapter_config.json",
                        R"({"peft_type": "LORA", "r": "eight", "lora_alpha": 4})");
  CHECK_THROWS_WITH(tune::load_adapter(setup.dir.path() / "model", broken),
                    contains("'r' must be an integer"));
}
