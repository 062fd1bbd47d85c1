// QLoRA (tune/qlora.h): the NF4 base's products and their backward against dequantised
// weights, a gradient check through the base and LoRA, a GPT's logits on its NF4 base and
// the float32 memory given back, fine-tuning with --method qlora (the adapter and the head
// train, the adapter folder loads, a stopped run resumes exactly, the engine answers on the
// NF4 base), and merge() refused.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "finetune_fixture.hpp"
#include "tinygpt/core/gradcheck.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/tune/adapter_files.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/lora.h"
#include "tinygpt/tune/qlora.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// A model-like set with one block linear layer "h.0.mlp.c_fc" (C_in 48, C_out 80), normal
// weights of standard deviation 0.02 and a bias.
ParameterSet one_layer() {
  ParameterSet parameters;
  parameters.add("h.0.mlp.c_fc.weight", Shape{48, 80});
  parameters.add("h.0.mlp.c_fc.bias", Shape{80});
  fill_normal(parameters.at("h.0.mlp.c_fc.weight").value, 5, RngStream::kDemo, 1, 0.0f, 0.02f);
  fill_normal(parameters.at("h.0.mlp.c_fc.bias").value, 5, RngStream::kDemo, 2, 0.0f, 0.02f);
  return parameters;
}

// Logits of a GPT for a fixed batch of 2 x 6 tokens, through `products` when set.
std::vector<float> logits_of(models::Gpt& gpt, models::MatrixProducts* products) {
  Tape tape;
  NoGradGuard no_grad(tape);
  const std::vector<std::int32_t> ids = {1, 5, 9, 2, 7, 3, 11, 4, 8, 6, 10, 12};
  models::RunOptions options;
  options.products = products;
  const Tensor logits = gpt.forward(tape, ids, 2, {}, options);
  return {logits.data, logits.data + logits.numel()};
}

// ||a - b|| / ||b||.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double difference = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference += (a[i] - b[i]) * static_cast<double>(a[i] - b[i]);
    norm += b[i] * static_cast<double>(b[i]);
  }
  return std::sqrt(difference / norm);
}

}  // namespace

TEST_CASE("a quantised layer computes x deq(W) + b and its backward dy deq(W)^T",
          "[step04][qlora]") {
  ParameterSet model = one_layer();
  const Parameter& weight = model.at("h.0.mlp.c_fc.weight");
  const Parameter& bias = model.at("h.0.mlp.c_fc.bias");
  const Eigen::Map<const Eigen::RowVectorXf> b(bias.value.data(), 80);
  tune::QuantizedBase base(model);
  CHECK(base.layers() == std::vector<std::string>{"h.0.mlp.c_fc.weight"});
  // The float32 weight is gone (no values, no gradient); the bias stays.
  CHECK(weight.value.empty());
  CHECK(weight.grad.empty());
  CHECK(weight.shape == Shape{0});
  CHECK(bias.value.size() == 80);
  const Matrix w = base.matrix("h.0.mlp.c_fc.weight").dequantize();
  REQUIRE(w.rows() == 48);
  REQUIRE(w.cols() == 80);

  ParameterSet inputs;
  inputs.add("x", Shape{2, 5, 48});
  fill_normal(inputs.at("x").value, 5, RngStream::kDemo, 3, 0.0f, 1.0f);
  const Tensor x = inputs.tensor("x");
  Tape tape;
  const Tensor y = base.linear(tape, x, weight, &bias);
  REQUIRE(y.shape == Shape{2, 5, 80});
  const Matrix expected = (x.matrix() * w).rowwise() + b;
  CHECK(Matrix(y.matrix()).isApprox(expected, 1e-5f));

  std::vector<float> dy(80 * 10);
  fill_normal(dy, 5, RngStream::kDemo, 4, 0.0f, 1.0f);
  tape.backward(y, dy);
  const Eigen::Map<const Matrix> dy_matrix(dy.data(), 10, 80);
  CHECK(Matrix(x.grad_matrix()).isApprox(dy_matrix * w.transpose(), 1e-5f));
  // The bias trains here (QLoRA's do not), so its gradient is the rows' sum of dy.
  const Eigen::Map<const Eigen::RowVectorXf> db(bias.grad.data(), 80);
  CHECK(db.isApprox(dy_matrix.colwise().sum(), 1e-5f));

  // Another shape is refused with both shapes.
  inputs.add("wrong", Shape{3, 40});
  CHECK_THROWS_WITH(base.linear(tape, inputs.tensor("wrong"), weight, &bias),
                    contains("(3, 40)") && contains("h.0.mlp.c_fc.weight (48, 80)"));
}

TEST_CASE("gradients through an NF4 base and LoRA match finite differences for x, A and B",
          "[step04][qlora]") {
  ParameterSet model = one_layer();
  model.set_trainable("h.0.mlp.c_fc.bias", false);  // frozen, as in QLoRA
  tune::QuantizedBase base(model);
  const Parameter& weight = model.at("h.0.mlp.c_fc.weight");
  const Parameter& bias = model.at("h.0.mlp.c_fc.bias");
  ParameterSet inputs;
  for (const auto& [name, shape] : std::vector<std::pair<std::string, Shape>>{
           {"x", Shape{2, 3, 48}}, {"a", Shape{48, 4}}, {"b", Shape{4, 80}}}) {
    inputs.add(name, shape);
    fill_normal(inputs.at(name).value, 13, RngStream::kDemo, inputs.size(), 0.0f, 1.0f);
  }
  const std::vector<Tensor> tensors = {inputs.tensor("x"), inputs.tensor("a"), inputs.tensor("b")};
  // out = x deq(W) + b + 2 (x A) B: the layer QLoRA trains.
  const GradCheckResult result = gradient_check(
      [&](Tape& tape, std::span<const Tensor> in) {
        return nn::add(tape, base.linear(tape, in[0], weight, &bias),
                       tune::lora_update(tape, in[0], in[1], in[2], 2.0f));
      },
      tensors, 1e-2f);
  INFO(result.str());
  CHECK(result.relative_error < 1e-3);
}

TEST_CASE("a GPT on an NF4 base stays close to float32 and holds 0.13x the linear weights",
          "[step04][qlora]") {
  models::Gpt gpt = testing::small_model<models::Gpt>(64, 16, 64, 2, 3);
  const std::vector<float> float32 = logits_of(gpt, nullptr);
  std::int64_t float32_bytes = 0;
  for (const Parameter& parameter : gpt.parameters()) {
    float32_bytes += static_cast<std::int64_t>(parameter.value.size() * sizeof(float));
  }

  tune::QuantizedBase base(gpt.parameters());
  // Each block's four linear layers; embeddings, LayerNorms and biases stay float32.
  CHECK(base.layers() == std::vector<std::string>{"h.0.attn.c_attn.weight",
                                                  "h.0.attn.c_proj.weight", "h.0.mlp.c_fc.weight",
                                                  "h.0.mlp.c_proj.weight", "h.1.attn.c_attn.weight",
                                                  "h.1.attn.c_proj.weight", "h.1.mlp.c_fc.weight",
                                                  "h.1.mlp.c_proj.weight"});
  const std::vector<float> nf4 = logits_of(gpt, &base);
  const double error = relative_error(nf4, float32);

  // The memory held now, measured on the parameters themselves, against the report.
  std::int64_t held = 0;
  for (const Parameter& parameter : gpt.parameters()) {
    INFO(parameter.name);
    if (tune::qlora_quantizes(parameter)) CHECK(parameter.value.capacity() == 0);
    held += static_cast<std::int64_t>(parameter.value.capacity() * sizeof(float));
  }
  const tune::BaseMemory memory = base.memory();
  CHECK(memory.other_float32 == held);
  CHECK(memory.float32_total() == float32_bytes);
  const double linear_ratio =
      static_cast<double>(memory.quantized_nf4) / static_cast<double>(memory.quantized_float32);
  WARN("GPT (V 64, C 64, 2 layers, random weights) on an NF4 base: logits' relative error "
       << error << "; linear weights " << memory.quantized_float32 << " -> " << memory.quantized_nf4
       << " bytes (" << linear_ratio << "x), all weights " << float32_bytes << " -> "
       << memory.total() << " bytes ("
       << static_cast<double>(memory.total()) / static_cast<double>(float32_bytes) << "x)");
  CHECK(error > 0.0);
  CHECK(error < 0.3);
  CHECK(linear_ratio < 0.15);
}

TEST_CASE("QLoRA quantises every block's linear weights and nothing else", "[step04][qlora]") {
  const auto quantizes = [](const std::string& name, const Shape& shape) {
    return tune::qlora_quantizes(Parameter{name, shape, {}, {}});
  };
  CHECK(quantizes("h.3.attn.c_attn.weight", Shape{16, 48}));
  CHECK(quantizes("decoder.h.0.cross.c_kv.weight", Shape{16, 32}));
  CHECK(quantizes("encoder.h.1.mlp.c_proj.weight", Shape{64, 16}));
  CHECK_FALSE(quantizes("h.0.ln_1.weight", Shape{16}));  // a LayerNorm
  CHECK_FALSE(quantizes("h.0.attn.c_attn.bias", Shape{48}));
  CHECK_FALSE(quantizes("wte.weight", Shape{64, 16}));  // the (tied) embeddings
  CHECK_FALSE(quantizes("head.weight", Shape{16, 3}));
  CHECK_FALSE(quantizes("h.0.attn.c_attn.lora_A", Shape{16, 2}));
  ParameterSet none;
  none.add("wte.weight", Shape{8, 4});
  CHECK_THROWS_WITH(tune::QuantizedBase(none), contains("no block linear weights"));
}

TEST_CASE("a LoRA adapter on an NF4 base refuses to merge", "[step04][qlora]") {
  models::Gpt gpt = testing::small_model<models::Gpt>(32, 16, 16, 2, 1);
  tune::Lora lora(gpt.parameters(), gpt.config(), {.rank = 2, .targets = {"mlp.c_fc"}}, 5);
  tune::QuantizedBase base(gpt.parameters());
  lora.set_base_format("nf4");
  CHECK_THROWS_WITH(lora.merge(), contains("cannot merge into h.0.mlp.c_fc.weight") &&
                                      contains("nf4") && contains("load_adapter"));
  CHECK_FALSE(lora.merged());
}

namespace {

// A QLoRA run on attn.c_attn and mlp.c_fc, rank 2.
tune::FinetuneConfig qlora_config(const testing::FinetuneSetup& setup, const std::string& name) {
  tune::FinetuneConfig config = setup.config(name, "classify", "qlora");
  config.lora = {.rank = 2, .alpha = 4, .targets = {"attn.c_attn", "mlp.c_fc"}};
  return config;
}

}  // namespace

TEST_CASE("QLoRA fine-tuning trains the adapter and the head on an NF4 base and saves an adapter",
          "[step04][qlora]") {
  const testing::FinetuneSetup setup;
  const tune::FinetuneResult result = tune::run_finetune(qlora_config(setup, "classify"));
  CHECK(result.model_dir == setup.dir.path() / "classify" / "adapter");
  // A and B of both targets in both blocks, and the head: nothing of the base.
  std::vector<std::string> trained = {"head.bias", "head.weight"};
  for (const char* block : {"h.0.", "h.1."}) {
    for (const char* layer : {"attn.c_attn.", "mlp.c_fc."}) {
      for (const char* matrix : {"lora_A", "lora_B"}) {
        trained.push_back(std::string(block) + layer + matrix);
      }
    }
  }
  std::sort(trained.begin(), trained.end());
  CHECK(testing::optimizer_slots(result.training.checkpoint) == trained);
  // The checkpoint holds the quantised weights as empty tensors: a resumed run quantises
  // the model folder again. The float32 rest is the folder's.
  const SafetensorsFile checkpoint = SafetensorsFile::read(result.training.checkpoint);
  CHECK(checkpoint.info("param.h.1.mlp.c_proj.weight").shape == std::vector<std::int64_t>{0});
  const SafetensorsFile folder =
      SafetensorsFile::read(setup.dir.path() / "model/model.safetensors");
  CHECK(checkpoint.floats("param.wte.weight") == folder.floats("wte.weight"));
  CHECK(checkpoint.floats("param.h.0.ln_1.weight") == folder.floats("h.0.ln_1.weight"));

  // The adapter is LoRA's, its base noted as NF4 in the weights' metadata.
  const SafetensorsFile adapter =
      SafetensorsFile::read(result.model_dir / "adapter_model.safetensors");
  CHECK(adapter.metadata().at("tinygpt.base_format") == "nf4");
  CHECK(adapter.names().size() == 10);
  const nlohmann::json config =
      nlohmann::json::parse(read_file(result.model_dir / "adapter_config.json"));
  CHECK(config["peft_type"] == "LORA");
  CHECK_FALSE(config.contains("tinygpt.base_format"));
  tune::AdaptedModel loaded = tune::load_adapter(setup.dir.path() / "model", result.model_dir);
  for (const std::string& name : trained) {
    INFO(name);
    const AlignedFloats& value = loaded.folder.parameters().at(name).value;
    CHECK(std::vector<float>(value.begin(), value.end()) == checkpoint.floats("param." + name));
  }
  const nlohmann::json report = nlohmann::json::parse(read_file(result.report));
  CHECK(report["method"] == "qlora");
  const std::vector<std::int64_t> head = checkpoint.info("param.head.weight").shape;
  CHECK(report["trainable_parameters"] == loaded.adapter->numel() + head[0] * head[1] + head[1]);
}

TEST_CASE("a stopped QLoRA run resumes exactly", "[step04][qlora]") {
  const testing::FinetuneSetup setup;
  tune::run_finetune(qlora_config(setup, "straight"));
  testing::run_stopped_and_resumed(qlora_config(setup, "parts"), 3);
  testing::check_same_adapters(setup, "straight", "parts");
}

TEST_CASE("a QLoRA instruction-tuned model answers through the engine on its NF4 base",
          "[step04][qlora]") {
  const testing::FinetuneSetup setup;
  tune::FinetuneConfig config = setup.config("instruct", "instruct", "qlora");
  config.lora = {.rank = 2, .alpha = 4, .targets = {"attn.c_attn"}};
  config.test_per_skill = 1;
  const tune::FinetuneResult result = tune::run_finetune(config);
  // The report's answers are the engine's on the NF4 base: a fresh load of the adapter on a
  // base quantised again gives the same ones (the same requests in the same order).
  tune::AdaptedModel loaded = tune::load_adapter(setup.dir.path() / "model", result.model_dir);
  tune::QuantizedBase base(loaded.folder.parameters());
  testing::check_report_answers(setup, result, loaded, &base);
}
