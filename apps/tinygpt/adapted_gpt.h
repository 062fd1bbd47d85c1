// A GPT model folder with, optionally, an adapter on it: what `tinygpt generate` and
// `tinygpt chat` load when given --adapter.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/peft_adapter.h"

namespace tinygpt::cli {

/// The model and, when one was given, its adapter (pass adapter.get() to the engine).
struct AdaptedGpt {
  models::PretrainedGpt pretrained;
  std::unique_ptr<tune::PeftAdapter> adapter;
};

/// @param model a GPT model folder.
/// @param adapter an adapter folder saved by `tinygpt finetune` (lora, qlora, soft_prompt,
///        prefix), or empty.
/// @return the model with the adapter attached (and its chat markers and head, if any).
AdaptedGpt load_adapted_gpt(const std::filesystem::path& model,
                            const std::filesystem::path& adapter);

/// Adds --adapter DIR to a command.
void add_adapter_option(CLI::App& command, std::filesystem::path& adapter);

}  // namespace tinygpt::cli
