// Soft prompt and prefix tuning parity with PyTorch: the GPT of the LoRA fixture steered by
// a soft prompt (n = 3) or by a prefix trained through its MLP (n = 2, hidden 8), against
// reference/fixtures/prompt_gpt.safetensors, which reference/prompt_parity.py computed in
// float64 the standard way: the prompt in front of the token embeddings; the prefix keys and
// values in front of every layer's (PEFT's past_key_values), the text at positions n ..
// n+T-1. tinygpt carries n placeholder rows instead and replaces their keys and values in
// every layer (tune::Prefix::attention_input); these tests show the two are the same.
// Compared: logits, the causal LM loss on the text, the gradient of every adapter parameter
// (the frozen base gets none), the folded prefixes, and a folded prefix's logits.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "parity_fixture.hpp"
#include "tinygpt/tune/prompt_tuning.h"

using namespace tinygpt;
using namespace tinygpt::testing;

namespace {

// Bounds on max |ours - torch| / max |torch|, as in lora_parity_test.cpp. Measured on this
// fixture (x86-64, Release): soft prompt logits 2.9e-7, loss 0 (equal in float32), gradient
// of P 4.0e-7; prefix logits 2.2e-7, loss 8.5e-8, folded prefixes 1.3e-7 (layer 1), the
// logits of PyTorch's folded prefixes 2.2e-7, gradients 8.6e-7 (E) and below but for b1's,
// 2.8e-6: dL/db1 adds n = 2 rows that partly cancel (they reach 0.12, their sum 0.075),
// and PyTorch's own float32 run is off by 1.9e-6 there too. Float32 rounding alone; the
// bounds leave a factor of about 20 over the worst, for other compilers and vector units.
constexpr double kOutputTolerance = 5e-6;
constexpr double kGradientTolerance = 5e-5;
// Folded against projected, both ours: measured 0, since set_key_values() gets the very
// floats the MLP computed in the pass; the bound allows another rounding of the MLP.
constexpr double kFoldTolerance = 1e-6;

// Both methods' fixture, written by reference/prompt_parity.py.
constexpr const char* kFixture = "prompt_gpt";

}  // namespace

TEST_CASE("a soft prompt GPT matches PyTorch: logits, loss, the prompt's gradient",
          "[step04][prompt][parity]") {
  ParityModel model(kFixture);
  models::Gpt& gpt = model.gpt;
  // The prompt starts random; the fixture's P replaces it.
  const tune::PromptSettings settings = {
      .virtual_tokens = metadata_number(model.file, "soft_prompt_virtual_tokens")};
  tune::SoftPrompt soft(gpt.parameters(), gpt.config(), settings, {}, 1);
  load_adapted(model.file, gpt.parameters(), soft);

  const PassValues pass = training_pass(gpt, model.batch, soft);
  check_parity(model.file, "soft_prompt.logits", pass.logits, kOutputTolerance);
  check_parity(model.file, "soft_prompt.loss", pass.loss, kOutputTolerance);
  CHECK(check_adapter_gradients(model.file, gpt.parameters(), soft, kGradientTolerance) == 1);
}

TEST_CASE("a prefix trained through its MLP matches PyTorch's past key values, folded too",
          "[step04][prompt][parity]") {
  ParityModel model(kFixture);
  const SafetensorsFile& file = model.file;
  models::Gpt& gpt = model.gpt;
  const models::ModelConfig& config = gpt.config();
  const std::int64_t n = metadata_number(file, "prefix_virtual_tokens");
  tune::Prefix prefix(gpt.parameters(), config,
                      {.virtual_tokens = n,
                       .projection = true,
                       .projection_hidden = metadata_number(file, "prefix_hidden")},
                      1);
  load_adapted(file, gpt.parameters(), prefix);

  const PassValues pass = training_pass(gpt, model.batch, prefix);
  check_parity(file, "prefix_tuning.logits", pass.logits, kOutputTolerance);
  check_parity(file, "prefix_tuning.loss", pass.loss, kOutputTolerance);
  // E, W1 and b1, and W2_l and b2_l of every layer.
  CHECK(check_adapter_gradients(file, gpt.parameters(), prefix, kGradientTolerance) ==
        3 + 2 * config.layers);

  // The MLP folded away: (L, n, 2C), layer l's keys and values against PyTorch's.
  const std::vector<float> key_values = prefix.key_values();
  const auto per_layer = static_cast<std::size_t>(n * 2 * config.width);
  REQUIRE(key_values.size() == per_layer * static_cast<std::size_t>(config.layers));
  for (std::int64_t l = 0; l < config.layers; ++l) {
    check_parity(file, "prefix.h." + std::to_string(l) + ".key_values",
                 std::span(key_values).subspan(static_cast<std::size_t>(l) * per_layer, per_layer),
                 kOutputTolerance);
  }

  // A prefix without the MLP: PyTorch's folded prefixes, copied in by name, give PyTorch's
  // logits; ours, set with set_key_values(), give the logits of the prefix with the MLP.
  models::Gpt folded_gpt(config);
  tune::Prefix folded(folded_gpt.parameters(), config, {.virtual_tokens = n, .projection = false},
                      1);
  load_adapted(file, folded_gpt.parameters(), folded);
  check_parity(file, "prefix_tuning.logits", eval_logits(folded_gpt, model.batch, folded),
               kOutputTolerance);
  folded.set_key_values(key_values);
  const double fold_error = relative_error(eval_logits(folded_gpt, model.batch, folded),
                                           eval_logits(gpt, model.batch, prefix));
  INFO("folded against projected logits: relative error " << fold_error);
  CHECK(fold_error < kFoldTolerance);
  WARN("prompt_gpt folded against projected logits: relative error " << fold_error);
}
