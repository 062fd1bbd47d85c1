// LoRA parity with PyTorch: a GPT with a rank-4 adapter on every block's four linear layers
// against reference/fixtures/lora_gpt.safetensors, which reference/lora_parity.py computed
// in float64 from the same float32 base weights, A and B: logits, the causal LM loss, the
// gradient of every A and B (the frozen base gets none), and the merged weight.
#include <string>

#include "parity_fixture.hpp"
#include "tinygpt/tune/lora.h"

using namespace tinygpt;
using namespace tinygpt::testing;

namespace {

// Bounds relative to the largest magnitude of the reference tensor (max |ours - torch| /
// max |torch|), the measure of step 02's parity tests. Measured on this fixture (x86-64,
// Release): logits 2.0e-7, loss 0 (equal after rounding to float32), worst gradient 4.9e-7
// (h.1.mlp.c_proj.lora_B), merged weight 7.5e-8, merged logits 2.7e-7: float32 rounding
// alone, as PyTorch's own float32 run shows (5.7e-7 against the same float64 truth). The
// bounds leave a factor of 20 over the worst, for other compilers and vector units.
constexpr double kOutputTolerance = 1e-5;
constexpr double kGradientTolerance = 1e-5;

}  // namespace

TEST_CASE("a LoRA GPT matches PyTorch: logits, loss, every A and B gradient, the merged weight",
          "[step04][lora][parity]") {
  ParityModel model("lora_gpt");
  const SafetensorsFile& file = model.file;

  // The adapter with the fixture's settings; its random A and B are replaced by the fixture's.
  const tune::LoraSettings settings = {.rank = metadata_number(file, "lora_rank"),
                                       .alpha = std::stof(file.metadata().at("lora_alpha")),
                                       .dropout = 0.0f,
                                       .targets = tune::lora_target_modules()};
  REQUIRE(file.metadata().at("lora_targets") == "attn.c_attn,attn.c_proj,mlp.c_fc,mlp.c_proj");
  tune::Lora lora(model.gpt.parameters(), model.gpt.config(), settings, 1);
  REQUIRE(lora.layers().size() == 8);
  load_adapted(file, model.gpt.parameters(), lora);

  const PassValues pass = training_pass(model.gpt, model.batch, lora);
  check_parity(file, "logits", pass.logits, kOutputTolerance);
  check_parity(file, "loss", pass.loss, kOutputTolerance);
  CHECK(check_adapter_gradients(file, model.gpt.parameters(), lora, kGradientTolerance) == 16);

  // W + (alpha / r) A B of one layer, and the logits with every update merged.
  const std::string layer = file.metadata().at("merged_layer");
  lora.merge();
  check_parity(file, "merged." + layer + ".weight",
               model.gpt.parameters().at(layer + ".weight").value, kOutputTolerance);
  check_parity(file, "merged.logits", eval_logits(model.gpt, model.batch, lora), kOutputTolerance);
  lora.unmerge();
}
