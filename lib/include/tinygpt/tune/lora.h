/// @file lora.h
/// @brief LoRA (Hu et al., 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): a
/// frozen linear layer W (C_in, C_out) learns a low-rank update instead of a new W.
///
///     out = x W + b + (alpha / r) (dropout(x) A) B       A (C_in, r), B (r, C_out)
///
/// A starts random, B at zero, so training starts from the base model exactly and only
/// r (C_in + C_out) values a layer train instead of C_in C_out. After training the update can
/// be merged into W (W' = W + (alpha / r) A B: no extra work at inference) and unmerged
/// again (the original W is kept, so unmerging restores it bit for bit).
///
/// The adapter attaches to any model through models::Adapter:
///
///     tune::Lora lora(gpt.parameters(), gpt.config(), {.rank = 8, .alpha = 16}, seed);
///     models::RunOptions options;
///     options.adapter = &lora;
///     Tensor logits = gpt.forward(tape, ids, batch, mask, options);
///
/// Its parameters join the model's set as "<layer>.lora_A" and "<layer>.lora_B" (e.g.
/// "h.0.attn.c_attn.lora_A"); freeze the others and train those (and a task head).
/// adapter_files.h saves them in the layout of Hugging Face PEFT.
///
/// The bodies of lora_forward and lora_backward are exercise 04.5: the reference is
/// solutions/04-finetuning/lora_update.cpp, the learner's stub exercises/04-finetuning/
/// lora_update.cpp.
/// Shapes: N rows (B T), C_in, C_out, r the rank.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/transformer.h"
#include "tinygpt/tune/peft_adapter.h"

namespace tinygpt::tune {

/// @brief out = scale (x A) B, keeping hidden = x A for the backward pass.
/// @param out (N, C_out) result.
/// @param hidden (N, r) result: x A.
/// @param x (N, C_in) the layer's input (after LoRA's dropout).
/// @param a (C_in, r).
/// @param b (r, C_out).
/// @param scale alpha / r.
void lora_forward(MatrixRef out, MatrixRef hidden, ConstMatrixRef x, ConstMatrixRef a,
                  ConstMatrixRef b, float scale);

/// @brief Accumulates (+=) the gradients of out = scale (x A) B: dB = scale hidden^T dout,
/// dhidden = scale dout B^T, dA = x^T dhidden, dx = dhidden A^T.
/// @param dx (N, C_in), or empty: not wanted (skipped).
/// @param da (C_in, r).
/// @param db (r, C_out).
/// @param dout (N, C_out) the gradient of out.
/// @param x (N, C_in) the forward input.
/// @param hidden (N, r) x A from the forward pass.
/// @param a (C_in, r).
/// @param b (r, C_out).
/// @param scale alpha / r.
void lora_backward(MatrixRef dx, MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef x,
                   ConstMatrixRef hidden, ConstMatrixRef a, ConstMatrixRef b, float scale);

/// @brief Records out = scale (x A) B on the tape (x of any rank: (..., C_in) gives
/// (..., C_out)). Throws Error naming the shapes when they do not fit.
/// @param tape the tape.
/// @param x (..., C_in).
/// @param a (C_in, r).
/// @param b (r, C_out).
/// @param scale alpha / r.
/// @return (..., C_out).
Tensor lora_update(Tape& tape, const Tensor& x, const Tensor& a, const Tensor& b, float scale);

/// @brief The layers LoRA can attach to, named as in PEFT's target_modules for GPT-2: each
/// block's fused query-key-value projection, attention output, and the MLP's two layers.
/// @return "attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj".
inline const std::vector<std::string>& lora_target_modules() {
  static const std::vector<std::string> targets = {"attn.c_attn", "attn.c_proj", "mlp.c_fc",
                                                   "mlp.c_proj"};
  return targets;
}

/// @brief LoRA's settings (PEFT's LoraConfig names in brackets).
struct LoraSettings {
  std::int64_t rank = 8;  ///< r [r]: at least 1, at most min(C_in, C_out) of every target
  float alpha = 16.0f;    ///< alpha [lora_alpha]: the update is scaled by alpha / r
  float dropout = 0.0f;   ///< [lora_dropout] on the update's input, in [0, 1)
  /// [target_modules]: some of lora_target_modules(), attached in every block.
  std::vector<std::string> targets = {"attn.c_attn"};
};

/// @brief Checks the settings against a model: rank, alpha and dropout in range, targets
/// known and not repeated. Each Error names the setting, its value and what is allowed (for
/// an unknown target: the valid ones).
/// @param settings the settings.
/// @param config the model they are for.
void check_lora_settings(const LoraSettings& settings, const models::ModelConfig& config);

/// @brief A LoRA adapter on a model's linear layers (see the file).
class Lora final : public PeftAdapter {
 public:
  /// @brief Adds A and B for every targeted layer of the model's blocks to `parameters`: A
  /// uniform in [-1/sqrt(C_in), 1/sqrt(C_in)] (as PEFT's default), B zero. Their names end
  /// in ".lora_A" and ".lora_B" and must be new to the set.
  /// @param parameters the model's parameters (they must outlive the adapter).
  /// @param config the model's config (a GPT's or an encoder's blocks "h.<l>").
  /// @param settings checked with check_lora_settings().
  /// @param seed draws A.
  Lora(ParameterSet& parameters, const models::ModelConfig& config, const LoraSettings& settings,
       std::uint64_t seed);
  ~Lora() override;
  Lora(const Lora&) = delete;
  Lora& operator=(const Lora&) = delete;

  /// @brief The layer's output plus its update (or the output alone for a layer without
  /// LoRA, or while merged).
  /// @param tape the tape.
  /// @param layer the linear layer, e.g. "h.0.attn.c_attn".
  /// @param x (..., C_in) its input.
  /// @param base (..., C_out) the base layer's output.
  /// @param options training mode and dropout key (LoRA's dropout).
  /// @return (..., C_out) base + (alpha / r) (dropout(x) A) B.
  Tensor linear(Tape& tape, const std::string& layer, const Tensor& x, const Tensor& base,
                const models::RunOptions& options) override;

  std::string_view peft_type() const override { return "LORA"; }
  /// @return the settings.
  const LoraSettings& settings() const { return settings_; }
  /// @return alpha / r.
  float scale() const;
  /// @return the layers it is attached to, in the model's order, e.g. "h.0.attn.c_attn".
  std::vector<std::string> layers() const;
  /// @param parameter a parameter's name.
  /// @return whether it is one of this adapter's (a lora_A or lora_B).
  bool owns(std::string_view parameter) const override;
  /// @return the number of values the adapter trains.
  std::int64_t numel() const override;

  /// @brief W += (alpha / r) A B for every layer, keeping the original W; linear() then adds
  /// nothing. Error when already merged, or when the base's weights hold no float32 values
  /// (a QLoRA base, qlora.h: merge on the float32 base the adapter loads onto instead).
  void merge();
  /// @brief Restores every W to its value before merge(), bit for bit. Error when not merged.
  void unmerge();
  /// @return whether the update is merged into the weights.
  bool merged() const { return !originals_.empty(); }

  /// @brief How the frozen base it trains on is stored: "float32", or "nf4" for QLoRA
  /// (qlora.h). Saved with the adapter (adapter_files.h, metadata "tinygpt.base_format").
  /// @param format the format's name.
  void set_base_format(std::string format) { base_format_ = std::move(format); }
  /// @return the base's format, "float32" unless set.
  const std::string& base_format() const { return base_format_; }

 private:
  struct Layer {
    Parameter* weight = nullptr;  // (C_in, C_out), the base's
    Parameter* a = nullptr;       // (C_in, r)
    Parameter* b = nullptr;       // (r, C_out)
    std::uint64_t dropout_site = 0;
  };

  LoraSettings settings_;
  std::map<std::string, Layer> layers_;             // by layer name
  std::vector<std::string> order_;                  // layer names in the model's order
  std::map<std::string, AlignedFloats> originals_;  // while merged: each W before merge()
  std::string base_format_ = "float32";             // set_base_format()
};

}  // namespace tinygpt::tune
