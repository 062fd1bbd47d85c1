// The training loop with an objective of the test's own (train/loop.h, train/objective.h),
// as fine-tuning and alignment plug theirs in: frozen parameters stay bit-identical and hold
// no gradient or optimizer state, the objective's validation figures and extra state reach
// the metrics and the checkpoints, and a resumed run with frozen parameters is exact.
// Also the cost side of freezing: a frozen weight's gradient work is never done.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/data/batching.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/train/checkpoint.h"
#include "tinygpt/train/loop.h"

#include "toy_sentences.hpp"

namespace fs = std::filesystem;
using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;
using tinygpt::testing::write_tiny_gpt_setup;

namespace {

bool starts_with(const std::string& name, const std::string& prefix) {
  return name.compare(0, prefix.size(), prefix) == 0;
}

// Causal language modelling on the toy token files, training only the parameters whose
// names start with `trained` (all when empty). Its validation also reports next-token
// accuracy, and it counts the batches it has seen in a state tensor a resumed run needs.
class ToyObjective final : public train::Objective {
 public:
  ToyObjective(const fs::path& data, const fs::path& model_json, std::string trained)
      : train_(data / "train.tokens"),
        validation_(data / "validation.tokens"),
        model_(models::load_model_config(model_json)),
        trained_(std::move(trained)) {
    model_.init(3);
    state_.add("batches_seen", Shape{1});
  }

  ParameterSet& parameters() override { return model_.parameters(); }
  bool trains(const Parameter& parameter) const override {
    return trained_.empty() || starts_with(parameter.name, trained_);
  }
  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    state_.at("batches_seen").value[0] += 1.0f;
    batch_ = data::causal_lm_batch(train_, key, kTime);
    return nn::softmax_cross_entropy(
        tape, model_.forward(tape, batch_.inputs, key.batch, {}, options), batch_.targets);
  }
  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    batch_ = data::causal_lm_validation_batch(validation_, first, rows, kTime);
    const Tensor logits = model_.forward(tape, batch_.inputs, rows);
    double right = 0.0;
    const MatrixMap scores = logits.matrix();
    for (Eigen::Index r = 0; r < scores.rows(); ++r) {
      Eigen::Index best = 0;
      scores.row(r).maxCoeff(&best);
      right += best == batch_.targets[static_cast<std::size_t>(r)] ? 1.0 : 0.0;
    }
    const Tensor loss = nn::softmax_cross_entropy(tape, logits, batch_.targets);
    return {{"loss", loss.item()}, {"accuracy", right / static_cast<double>(scores.rows())}};
  }
  train::DataSize data_size() const override {
    return {train_.size(), 4 * kTime, "training tokens", 4 * kTime};
  }
  ParameterSet* extra_state() override { return &state_; }

  float batches_seen() { return state_.at("batches_seen").value[0]; }

 private:
  static constexpr std::int64_t kTime = 16;
  data::TokenFile train_;
  data::TokenFile validation_;
  models::Gpt model_;
  std::string trained_;
  ParameterSet state_;
  data::LmBatch batch_;
};

struct Setup {
  TempDir dir{"objective"};
  fs::path data = dir.path() / "data";
  fs::path model_json = dir.path() / "model.json";
  Setup() { write_tiny_gpt_setup(data, model_json); }

  train::LoopConfig config(const std::string& out, std::int64_t steps) const {
    train::LoopConfig config;
    config.out = dir.path() / out;
    config.steps = steps;
    config.batch = 4;
    config.micro_batches = 2;
    config.lr = 1e-2f;
    config.warmup = 1;
    config.eval_interval = 3;
    config.eval_batches = 2;
    return config;
  }
};

train::TrainResult run(const train::LoopConfig& config, ToyObjective& objective) {
  train::SingleProcess alone;
  return train::run_loop(config, objective, {"{}", 0, ""}, {}, alone);
}

std::vector<float> values_of(const ParameterSet& parameters, const std::string& name) {
  const AlignedFloats& value = parameters.at(name).value;
  return {value.begin(), value.end()};
}

}  // namespace

TEST_CASE("a run that trains one layer leaves every other parameter bit-identical",
          "[step03][objective]") {
  const Setup setup;
  ToyObjective before(setup.data, setup.model_json, "");
  ToyObjective objective(setup.data, setup.model_json, "h.0.mlp.");
  const train::TrainResult result = run(setup.config("run", 6), objective);
  REQUIRE(result.last_step == 6);

  std::vector<std::string> trained;
  for (const Parameter& parameter : objective.parameters()) {
    const bool changed = values_of(objective.parameters(), parameter.name) !=
                         values_of(before.parameters(), parameter.name);
    INFO(parameter.name);
    CHECK(parameter.trainable() == starts_with(parameter.name, "h.0.mlp."));
    CHECK(changed == parameter.trainable());
    CHECK(parameter.grad.empty() != parameter.trainable());  // no buffer when frozen
    if (parameter.trainable()) trained.push_back(parameter.name);
  }
  CHECK(trained == std::vector<std::string>{"h.0.mlp.c_fc.weight", "h.0.mlp.c_fc.bias",
                                            "h.0.mlp.c_proj.weight", "h.0.mlp.c_proj.bias"});

  // The checkpoint: every parameter, optimizer moments of the trained ones only, the state.
  const SafetensorsFile checkpoint = SafetensorsFile::read(result.checkpoint);
  std::vector<std::string> moments;
  for (const std::string& name : checkpoint.names()) {
    if (starts_with(name, "optim.first.")) moments.push_back(name.substr(12));
  }
  std::sort(trained.begin(), trained.end());
  CHECK(moments == trained);
  CHECK(checkpoint.contains("param.wte.weight"));
  CHECK(checkpoint.floats("state.batches_seen") == std::vector<float>{12.0f});  // 6 steps x 2

  // The objective's own figure reaches the metrics beside the loss.
  const std::string metrics = read_file(setup.dir.path() / "run" / "metrics.jsonl");
  CHECK_THAT(metrics, contains("\"val_loss\"") && contains("\"val_accuracy\""));
}

TEST_CASE("a run with frozen parameters resumes exactly, its state included",
          "[step03][objective]") {
  const Setup setup;
  ToyObjective whole(setup.data, setup.model_json, "h.0.");
  const train::TrainResult straight = run(setup.config("whole", 6), whole);

  train::LoopConfig config = setup.config("parts", 6);
  ToyObjective first(setup.data, setup.model_json, "h.0.");
  train::TrainCallbacks stop_after_3;
  stop_after_3.on_step = [](const train::StepReport& report) {
    if (report.step == 3) train::request_stop();
  };
  train::SingleProcess alone;
  const train::TrainResult part =
      train::run_loop(config, first, {"{}", 0, ""}, stop_after_3, alone);
  REQUIRE(part.interrupted);
  REQUIRE(part.last_step == 3);

  config.resume = true;
  ToyObjective second(setup.data, setup.model_json, "h.0.");
  const train::TrainResult rest = run(config, second);
  CHECK(rest.first_step == 3);
  CHECK(second.batches_seen() == whole.batches_seen());  // restored, then counted on
  std::vector<float> losses = part.losses;
  losses.insert(losses.end(), rest.losses.begin(), rest.losses.end());
  CHECK(losses == straight.losses);
  for (const Parameter& parameter : whole.parameters()) {
    INFO(parameter.name);
    CHECK(values_of(second.parameters(), parameter.name) ==
          values_of(whole.parameters(), parameter.name));
  }
}

TEST_CASE("a frozen parameter costs no gradient work and leaves the others' gradients exact",
          "[step03][objective]") {
  // A two-layer GPT, one forward and backward: everything trains, then only block 1
  // (nothing below it needs a gradient), then only block 0 (block 1's weights are frozen
  // but the gradient still flows through them).
  const models::ModelConfig config{
      .vocab_size = 64, .context_length = 16, .width = 32, .layers = 2, .heads = 2};
  std::vector<std::int32_t> ids(2 * 16), targets(2 * 16);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = static_cast<std::int32_t>((7 * i) % 64);
    targets[i] = static_cast<std::int32_t>((7 * i + 3) % 64);
  }
  struct Pass {
    std::size_t nodes = 0;
    std::size_t bytes = 0;
    ParameterSet* parameters = nullptr;
  };
  const auto pass = [&](models::Gpt& model, Tape& tape, const std::string& trained) {
    model.init(1);
    for (Parameter& parameter : model.parameters()) {
      model.parameters().set_trainable(parameter.name,
                                       trained.empty() || starts_with(parameter.name, trained));
    }
    model.parameters().zero_grad();
    const Tensor loss = nn::softmax_cross_entropy(tape, model.forward(tape, ids, 2), targets);
    tape.backward(loss);
    return Pass{tape.node_count(), tape.arena().bytes_in_use(), &model.parameters()};
  };
  models::Gpt full_model(config), top_model(config), bottom_model(config);
  Tape full_tape, top_tape, bottom_tape;
  const Pass full = pass(full_model, full_tape, "");
  const Pass top = pass(top_model, top_tape, "h.1.");
  const Pass bottom = pass(bottom_model, bottom_tape, "h.0.");

  // Training block 1 only, nothing below it is recorded. Training block 0 only, the
  // frozen embeddings' two ops are not recorded, and block 1's weights get no gradient
  // buffer at all (a tape that gave each a zeroed scratch one would have grown by their
  // size instead of shrinking).
  CHECK(top.nodes < bottom.nodes);
  CHECK(bottom.nodes == full.nodes - 2);
  CHECK(top.bytes < bottom.bytes);
  CHECK(bottom.bytes < full.bytes);
  for (const Parameter& parameter : bottom_model.parameters()) {
    INFO(parameter.name);
    CHECK(parameter.grad.empty() != starts_with(parameter.name, "h.0."));
  }
  WARN("one pass of the two-layer GPT: " << full.bytes << " bytes of tape with every "
                                         << "parameter training, " << top.bytes
                                         << " training block 1 only, " << bottom.bytes
                                         << " training block 0 only");

  // The trained parameters' gradients are the same numbers, bit for bit.
  for (const Pass* frozen : {&top, &bottom}) {
    for (const Parameter& parameter : *frozen->parameters) {
      if (!parameter.trainable()) continue;
      INFO(parameter.name);
      CHECK(parameter.grad == full.parameters->at(parameter.name).grad);
    }
  }
}
