// Optimizers: AdamW (exercise 03.1) and SGD with momentum: known values, parameter groups,
// and step-by-step parity with torch.optim.AdamW and torch.optim.SGD on the fixture that
// steps/02-transformer/reference/parity.py writes (fixtures/adamw.safetensors).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/encoder.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/train/optimizers.h"

using namespace tinygpt;
using tinygpt::testing::relative_error;
using namespace tinygpt::train;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// The fixture is torch's float32 optimizer; ours does the same float32 arithmetic in a
// slightly different order (and Eigen may fuse multiply-adds), so they differ by a few
// float32 roundings: about 1e-7 of each tensor's largest magnitude. The bound is 10x that.
constexpr double kParityTolerance = 1e-6;

SafetensorsFile optimizer_fixture() {
  return SafetensorsFile::read(std::filesystem::path(TINYGPT_STEP02_FIXTURES) /
                               "adamw.safetensors");
}

// The fixture's parameters, in its order, with their initial values.
ParameterSet fixture_parameters(const SafetensorsFile& file) {
  ParameterSet parameters;
  for (const char* name :
       {"h.0.mlp.c_fc.weight", "h.0.mlp.c_fc.bias", "ln_f.weight", "wte.weight"}) {
    const TensorInfo& info = file.info(std::string("param.") + name);
    const Shape shape =
        info.shape.size() == 1 ? Shape{info.shape[0]} : Shape{info.shape[0], info.shape[1]};
    parameters.add(name, shape);
    const std::vector<float> values = file.floats(std::string("param.") + name);
    parameters.at(name).value.assign(values.begin(), values.end());
  }
  return parameters;
}

void set_gradients(const SafetensorsFile& file, ParameterSet& parameters, int step) {
  for (Parameter& parameter : parameters) {
    const std::vector<float> grad =
        file.floats("grad." + std::to_string(step) + "." + parameter.name);
    parameter.grad.assign(grad.begin(), grad.end());
  }
}

Eigen::Map<Eigen::VectorXf> vec(std::vector<float>& values) {
  return {values.data(), static_cast<Eigen::Index>(values.size())};
}

// AdamW for one scalar, in double, written from the paper's algorithm: the test's own
// reference for the known-value tests.
struct AdamScalar {
  double value, m = 0.0, v = 0.0;
  void step(double g, double lr, double beta1, double beta2, double eps, double wd, int t) {
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const double m_hat = m / (1 - std::pow(beta1, t));
    const double v_hat = v / (1 - std::pow(beta2, t));
    value = value - lr * wd * value - lr * m_hat / (std::sqrt(v_hat) + eps);
  }
};

models::ModelConfig small_config(models::Family family) {
  models::ModelConfig config;
  config.family = family;
  config.vocab_size = 11;
  config.context_length = 8;
  config.width = 8;
  config.layers = 1;
  config.heads = 2;
  return config;
}

}  // namespace

TEST_CASE("weight decay skips biases, LayerNorms and embeddings by default",
          "[step03][optimizers]") {
  for (const char* name : {"h.0.attn.c_attn.weight", "h.3.mlp.c_proj.weight", "pooler.weight",
                           "nsp.weight", "mlm.dense.weight", "decoder.h.1.cross.c_kv.weight"}) {
    INFO(name);
    CHECK(decayed_by_default(name));
  }
  for (const char* name :
       {"h.0.attn.c_attn.bias", "mlm.bias", "nsp.bias", "h.0.ln_1.weight", "h.2.ln_2.bias",
        "decoder.h.0.ln_3.weight", "ln_f.weight", "encoder.ln_f.weight", "mlm.ln.weight",
        "wte.weight", "wpe.weight", "wtt.weight"}) {
    INFO(name);
    CHECK_FALSE(decayed_by_default(name));
  }
  // A name merely containing the letters "ln" is still decayed.
  CHECK(decayed_by_default("kiln.weight"));

  // On real models: exactly the 2-D matrices of linear layers are decayed.
  models::Encoder encoder(small_config(models::Family::kEncoder));
  for (const Parameter& parameter : encoder.parameters()) {
    INFO(parameter.name);
    const bool embedding = parameter.name.starts_with("wt") || parameter.name.starts_with("wp");
    CHECK(decayed_by_default(parameter.name) == (parameter.shape.rank() == 2 && !embedding));
  }
}

TEST_CASE("adamw_update matches the algorithm over several steps", "[step03][optimizers][ex03.1]") {
  AdamWSettings settings;
  settings.learning_rate = 0.01f;
  settings.beta1 = 0.9f;
  settings.beta2 = 0.99f;
  settings.eps = 1e-8f;
  settings.weight_decay = 0.5f;
  std::vector<float> value = {1.0f, -2.0f, 0.5f, 3.0f};
  std::vector<float> m(4, 0.0f), v(4, 0.0f);
  std::vector<AdamScalar> reference;
  for (float x : value) reference.push_back({x});
  const float grads[3][4] = {
      {0.5f, -1.0f, 0.0f, 4.0f}, {-0.25f, 2.0f, 1e-3f, 4.0f}, {1.0f, 0.5f, -1e-3f, -8.0f}};
  for (int t = 1; t <= 3; ++t) {
    std::vector<float> grad(grads[t - 1], grads[t - 1] + 4);
    adamw_update(vec(value), vec(m), vec(v), vec(grad), settings, t);
    for (int i = 0; i < 4; ++i) {
      reference[i].step(grad[i], 0.01, 0.9, 0.99, 1e-8, 0.5, t);
      INFO("step " << t << " element " << i);
      CHECK_THAT(value[i], WithinAbs(reference[i].value, 1e-6));
      CHECK_THAT(m[i], WithinAbs(reference[i].m, 1e-6));
      CHECK_THAT(v[i], WithinAbs(reference[i].v, 1e-6));
    }
  }
  // Step 1 with a gradient far above eps moves by lr * sign(g) (m_hat / sqrt(v_hat) = g / |g|)
  // after the decay: 1 * (1 - 0.01 * 0.5) - 0.01 = 0.985.
  std::vector<float> one = {1.0f}, m1 = {0.0f}, v1 = {0.0f}, g1 = {123.0f};
  adamw_update(vec(one), vec(m1), vec(v1), vec(g1), settings, 1);
  CHECK_THAT(one[0], WithinAbs(0.985, 1e-6));
}

TEST_CASE("adamw_update decays without a gradient and checks its arguments",
          "[step03][optimizers][ex03.1]") {
  AdamWSettings settings;
  settings.learning_rate = 0.1f;
  settings.weight_decay = 0.2f;
  std::vector<float> value = {2.0f, -4.0f}, m(2, 0.0f), v(2, 0.0f), grad(2, 0.0f);
  adamw_update(vec(value), vec(m), vec(v), vec(grad), settings, 1);
  // Zero gradient: m = v = 0, the Adam part is 0 / (0 + eps) = 0; only the decay acts.
  CHECK_THAT(value[0], WithinRel(2.0f * 0.98f, 1e-6f));
  CHECK_THAT(value[1], WithinRel(-4.0f * 0.98f, 1e-6f));
  CHECK(m[0] == 0.0f);
  CHECK(v[1] == 0.0f);
  // Weight decay 0: the parameter does not move at all.
  settings.weight_decay = 0.0f;
  std::vector<float> still = {2.0f, -4.0f};
  adamw_update(vec(still), vec(m), vec(v), vec(grad), settings, 2);
  CHECK(still == std::vector<float>{2.0f, -4.0f});

  std::vector<float> short_m(1, 0.0f);
  CHECK_THROWS_AS(adamw_update(vec(value), vec(short_m), vec(v), vec(grad), settings, 1), Error);
  CHECK_THROWS_AS(adamw_update(vec(value), vec(m), vec(v), vec(grad), settings, 0), Error);
}

TEST_CASE("AdamW matches torch.optim.AdamW step by step", "[step03][optimizers][parity][ex03.1]") {
  const SafetensorsFile file = optimizer_fixture();
  ParameterSet parameters = fixture_parameters(file);
  const std::vector<float> lr = file.floats("adamw.lr");
  const std::vector<float> betas = file.floats("adamw.betas");
  AdamWSettings settings;
  settings.learning_rate = lr[0];
  settings.beta1 = betas[0];
  settings.beta2 = betas[1];
  settings.eps = file.floats("adamw.eps")[0];
  settings.weight_decay = file.floats("adamw.weight_decay")[0];
  AdamW optimizer(parameters, settings);
  // The fixture's weight-decay group is the one the default rule makes.
  for (const OptimizerSlot& slot : optimizer.slots()) {
    INFO(slot.name);
    CHECK(slot.decayed == (file.metadata().at("decayed") == slot.name));
  }

  double worst = 0.0;
  for (int step = 1; step <= 3; ++step) {
    set_gradients(file, parameters, step);
    optimizer.set_learning_rate(lr[static_cast<std::size_t>(step - 1)]);
    optimizer.step(parameters);
    CHECK(optimizer.step_count() == step);
    std::size_t i = 0;
    for (Parameter& parameter : parameters) {
      const OptimizerSlot& slot = optimizer.slots()[i++];
      const std::string at = "adamw." + std::to_string(step) + ".";
      const double errors[] = {
          relative_error(parameter.value, file.floats(at + "param." + parameter.name)),
          relative_error(slot.first, file.floats(at + "m." + parameter.name)),
          relative_error(slot.second, file.floats(at + "v." + parameter.name))};
      for (double error : errors) {
        INFO("step " << step << " " << parameter.name << ": relative error " << error);
        CHECK(error < kParityTolerance);
        worst = std::max(worst, error);
      }
    }
  }
  WARN("AdamW vs torch.optim.AdamW, 3 steps: worst relative error " << worst);
}

TEST_CASE("SGD with momentum matches torch.optim.SGD step by step",
          "[step03][optimizers][parity]") {
  const SafetensorsFile file = optimizer_fixture();
  ParameterSet parameters = fixture_parameters(file);
  const std::vector<float> lr = file.floats("sgd.lr");
  SgdMomentumSettings settings;
  settings.learning_rate = lr[0];
  settings.momentum = file.floats("sgd.momentum")[0];
  settings.weight_decay = file.floats("sgd.weight_decay")[0];
  SgdMomentum optimizer(parameters, settings);

  double worst = 0.0;
  for (int step = 1; step <= 3; ++step) {
    set_gradients(file, parameters, step);
    optimizer.set_learning_rate(lr[static_cast<std::size_t>(step - 1)]);
    optimizer.step(parameters);
    std::size_t i = 0;
    for (Parameter& parameter : parameters) {
      const OptimizerSlot& slot = optimizer.slots()[i++];
      const std::string at = "sgd." + std::to_string(step) + ".";
      const double errors[] = {
          relative_error(parameter.value, file.floats(at + "param." + parameter.name)),
          relative_error(slot.first, file.floats(at + "momentum." + parameter.name))};
      for (double error : errors) {
        INFO("step " << step << " " << parameter.name << ": relative error " << error);
        CHECK(error < kParityTolerance);
        worst = std::max(worst, error);
      }
    }
  }
  WARN("SGD with momentum vs torch.optim.SGD, 3 steps: worst relative error " << worst);
}

TEST_CASE("SGD with momentum gives known values and decays only its group",
          "[step03][optimizers]") {
  ParameterSet parameters;
  parameters.add("layer.weight", Shape{2});
  parameters.add("layer.bias", Shape{1});
  parameters.at("layer.weight").value = {1.0f, -1.0f};
  parameters.at("layer.bias").value = {1.0f};
  SgdMomentumSettings settings;
  settings.learning_rate = 0.1f;
  settings.momentum = 0.5f;
  settings.weight_decay = 0.1f;
  SgdMomentum optimizer(parameters, settings);
  parameters.at("layer.weight").grad = {1.0f, 0.0f};
  parameters.at("layer.bias").grad = {1.0f};
  optimizer.step(parameters);
  // weight: g = (1 + 0.1, 0 - 0.1), b = g, p = (1 - 0.11, -1 + 0.01).
  CHECK_THAT(parameters.at("layer.weight").value[0], WithinAbs(0.89, 1e-6));
  CHECK_THAT(parameters.at("layer.weight").value[1], WithinAbs(-0.99, 1e-6));
  CHECK_THAT(parameters.at("layer.bias").value[0], WithinAbs(0.9, 1e-6));  // no decay
  optimizer.step(parameters);
  // bias: b = 0.5 * 1 + 1 = 1.5, p = 0.9 - 0.15.
  CHECK_THAT(parameters.at("layer.bias").value[0], WithinAbs(0.75, 1e-6));
  CHECK(optimizer.step_count() == 2);

  SgdMomentumSettings bad = settings;
  bad.momentum = 1.0f;
  CHECK_THROWS_AS(SgdMomentum(parameters, bad), Error);
}

TEST_CASE("AdamW groups by a custom rule and refuses another parameter set",
          "[step03][optimizers][ex03.1]") {
  models::Gpt model(small_config(models::Family::kGpt));
  model.init(3);
  ParameterSet& parameters = model.parameters();
  AdamWSettings settings;
  settings.weight_decay = 0.5f;
  // Decay everything: now even LayerNorm weights (1 at init) shrink with zero gradients.
  AdamW everything(parameters, settings, [](std::string_view) { return true; });
  parameters.zero_grad();
  everything.step(parameters);
  CHECK_THAT(parameters.at("ln_f.weight").value[0], WithinRel(1.0f - 1e-3f * 0.5f, 1e-6f));

  // The default rule leaves them alone.
  AdamW by_default(parameters, settings);
  const float before = parameters.at("ln_f.weight").value[0];
  by_default.step(parameters);
  CHECK(parameters.at("ln_f.weight").value[0] == before);

  ParameterSet other;
  other.add("w", Shape{3});
  CHECK_THROWS_AS(by_default.step(other), Error);
  AdamWSettings bad = settings;
  bad.eps = 0.0f;
  CHECK_THROWS_AS(AdamW(parameters, bad), Error);
}
