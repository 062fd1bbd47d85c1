// Loading a GPT with its adapter (adapted_gpt.h).
#include "adapted_gpt.h"

#include "tinygpt/tune/adapter_files.h"

namespace tinygpt::cli {

AdaptedGpt load_adapted_gpt(const std::filesystem::path& model,
                            const std::filesystem::path& adapter) {
  if (adapter.empty()) return {models::load_pretrained_gpt(model), nullptr};
  tune::AdaptedModel adapted = tune::load_adapter(model, adapter);
  // The adapter keeps pointers to the GPT's parameters, which stay where they are when the
  // model moves (its weights live behind a pointer).
  return {models::pretrained_gpt(std::move(adapted.folder), model), std::move(adapted.adapter)};
}

void add_adapter_option(CLI::App& command, std::filesystem::path& adapter) {
  command
      .add_option("--adapter", adapter,
                  "An adapter folder trained on --model (tinygpt finetune --method lora, qlora, "
                  "soft_prompt or prefix)")
      ->check(CLI::ExistingDirectory);
}

}  // namespace tinygpt::cli
