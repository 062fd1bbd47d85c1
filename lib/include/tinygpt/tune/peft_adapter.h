/// @file peft_adapter.h
/// @brief What every parameter-efficient method of tune/ is besides a models::Adapter: the
/// parameters it added to the model's set, and PEFT's name for it.
///
/// The methods: LoRA and QLoRA (lora.h, qlora.h), soft prompts and prefix tuning
/// (prompt_tuning.h). adapter_files.h saves and loads any of them.
#pragma once

#include <cstdint>
#include <string_view>

#include "tinygpt/models/transformer.h"

namespace tinygpt::tune {

/// @brief A PEFT method attached to a model (see the file).
class PeftAdapter : public models::Adapter {
 public:
  /// @return Hugging Face PEFT's name of the method ("LORA", "PROMPT_TUNING",
  /// "PREFIX_TUNING"), the peft_type of its adapter_config.json.
  virtual std::string_view peft_type() const = 0;
  /// @param parameter a parameter's name.
  /// @return whether it is one of this adapter's.
  virtual bool owns(std::string_view parameter) const = 0;
  /// @return the number of values the adapter trains.
  virtual std::int64_t numel() const = 0;
};

}  // namespace tinygpt::tune
