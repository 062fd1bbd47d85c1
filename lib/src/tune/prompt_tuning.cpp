// Soft prompts and prefix tuning (tune/prompt_tuning.h): virtual tokens ahead of the text.
#include "tinygpt/tune/prompt_tuning.h"

#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/nn/activations.h"
#include "tinygpt/nn/linear.h"
#include "tinygpt/nn/rows.h"

namespace tinygpt::tune {

namespace {

// The init draws of each method, apart from LoRA's (CounterRng step 1, lora.cpp).
constexpr std::uint64_t kSoftPromptDraws = 2;
constexpr std::uint64_t kPrefixDraws = 3;

Parameter* add(ParameterSet& parameters, const std::string& name, const Shape& shape) {
  TINYGPT_CHECK(!parameters.contains(name), "prompt tuning: the model already has ", name,
                "; attach one adapter at a time");
  parameters.add(name, shape);
  return &parameters.at(name);
}

// Normal values with a standard deviation, drawn from the method's own CounterRng step.
void fill_normal_draws(AlignedFloats& values, std::uint64_t seed, std::uint64_t draws,
                       std::uint64_t index, float stddev) {
  CounterRng rng(seed, RngStream::kInit, draws, index);
  for (float& value : values) value = stddev * rng.normal();
}

// PyTorch's nn.Linear init: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
void init_linear(Parameter& weight, Parameter& bias, std::uint64_t seed, std::uint64_t index) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(weight.shape[0]));
  CounterRng rng(seed, RngStream::kInit, kPrefixDraws, index);
  for (float& value : weight.value) value = (2.0f * rng.uniform() - 1.0f) * bound;
  for (float& value : bias.value) value = (2.0f * rng.uniform() - 1.0f) * bound;
}

}  // namespace

void check_prompt_settings(const PromptSettings& settings, const models::ModelConfig& config) {
  TINYGPT_CHECK(
      settings.virtual_tokens >= 1 && settings.virtual_tokens <= config.context_length / 2,
      "--virtual-tokens must be in [1, ", config.context_length / 2,
      "] (half the model's context of ", config.context_length, "), got ", settings.virtual_tokens);
  TINYGPT_CHECK(settings.init == "random" || settings.init == "text",
                "--prompt-init must be random or text, got '", settings.init, "'");
  TINYGPT_CHECK(settings.init != "text" || !settings.init_text.empty(),
                "--prompt-init text needs --prompt-init-text");
  TINYGPT_CHECK(settings.projection_hidden >= 0, "--prefix-hidden must be positive (0: the width ",
                config.width, "), got ", settings.projection_hidden);
}

SoftPrompt::SoftPrompt(ParameterSet& parameters, const models::ModelConfig& config,
                       const PromptSettings& settings, std::span<const std::int32_t> init_ids,
                       std::uint64_t seed)
    : settings_(settings) {
  check_prompt_settings(settings, config);
  const std::int64_t n = settings.virtual_tokens;
  const std::int64_t width = config.width;
  const Parameter& wte = parameters.at("wte.weight");
  prompt_ = add(parameters, std::string(kName), Shape{n, width});
  if (settings.init == "text") {
    TINYGPT_CHECK(!init_ids.empty(), "--prompt-init-text '", settings.init_text, "' has no tokens");
    // The text's token embeddings, its ids repeated until there are n (as PEFT).
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int32_t id = init_ids[static_cast<std::size_t>(i) % init_ids.size()];
      TINYGPT_CHECK(id >= 0 && id < wte.shape[0], "--prompt-init-text: token ", id,
                    " is outside the vocabulary");
      std::copy_n(wte.value.begin() + id * width, width, prompt_->value.begin() + i * width);
    }
    return;
  }
  double sum = 0.0, squares = 0.0;
  for (const float value : wte.value) {
    sum += value;
    squares += static_cast<double>(value) * value;
  }
  const double count = static_cast<double>(wte.value.size());
  const double mean = sum / count;
  const auto stddev = static_cast<float>(std::sqrt(std::max(0.0, squares / count - mean * mean)));
  fill_normal_draws(prompt_->value, seed, kSoftPromptDraws, 0, stddev);
}

Tensor SoftPrompt::embed(Tape& tape, const Tensor& tokens, const models::RunOptions& options) {
  (void)options;
  return nn::prepend_rows(tape, tokens, prompt_->tensor());
}

Prefix::Prefix(ParameterSet& parameters, const models::ModelConfig& config,
               const PromptSettings& settings, std::uint64_t seed)
    : settings_(settings), layers_(config.layers), width_(config.width) {
  check_prompt_settings(settings, config);
  const std::int64_t n = settings.virtual_tokens;
  const Shape prefix_shape{n, 2 * width_};
  if (!settings.projection) {
    for (std::int64_t l = 0; l < layers_; ++l) {
      Parameter* values =
          add(parameters, "prefix.h." + std::to_string(l) + ".key_values", prefix_shape);
      fill_normal_draws(values->value, seed, kPrefixDraws, static_cast<std::uint64_t>(l), 1.0f);
      key_values_.push_back(values);
    }
    return;
  }
  const std::int64_t hidden = settings.projection_hidden > 0 ? settings.projection_hidden : width_;
  settings_.projection_hidden = hidden;
  embedding_ = add(parameters, "prefix.embedding", Shape{n, width_});
  fill_normal_draws(embedding_->value, seed, kPrefixDraws, 0, 1.0f);
  hidden_weight_ = add(parameters, "prefix.mlp.0.weight", Shape{width_, hidden});
  hidden_bias_ = add(parameters, "prefix.mlp.0.bias", Shape{hidden});
  init_linear(*hidden_weight_, *hidden_bias_, seed, 1000);
  for (std::int64_t l = 0; l < layers_; ++l) {
    const std::string name = "prefix.mlp.2.h." + std::to_string(l);
    out_weights_.push_back(add(parameters, name + ".weight", Shape{hidden, 2 * width_}));
    out_biases_.push_back(add(parameters, name + ".bias", Shape{2 * width_}));
    init_linear(*out_weights_.back(), *out_biases_.back(), seed,
                static_cast<std::uint64_t>(1001 + l));
  }
}

bool Prefix::owns(std::string_view parameter) const {
  return parameter.starts_with("prefix.");
}

std::int64_t Prefix::numel() const {
  std::int64_t total = 0;
  for (const Parameter* parameter : {embedding_, hidden_weight_, hidden_bias_}) {
    if (parameter != nullptr) total += parameter->shape.numel();
  }
  for (const auto* group : {&out_weights_, &out_biases_, &key_values_}) {
    for (const Parameter* parameter : *group) total += parameter->shape.numel();
  }
  return total;
}

void Prefix::compute_key_values(Tape& tape) {
  pass_.clear();
  if (!settings_.projection) {
    for (Parameter* values : key_values_) pass_.push_back(values->tensor());
    return;
  }
  // K_l V_l = tanh(E W_1 + b_1) W_2,l + b_2,l: one hidden layer shared by every layer's prefix.
  const Tensor hidden = nn::tanh(
      tape,
      nn::linear(tape, embedding_->tensor(), hidden_weight_->tensor(), hidden_bias_->tensor()));
  for (std::size_t l = 0; l < out_weights_.size(); ++l) {
    pass_.push_back(nn::linear(tape, hidden, out_weights_[l]->tensor(), out_biases_[l]->tensor()));
  }
}

Tensor Prefix::embed(Tape& tape, const Tensor& tokens, const models::RunOptions& options) {
  (void)options;
  compute_key_values(tape);
  return nn::prepend_rows(tape, tokens, tape.constant(Shape{settings_.virtual_tokens, 0}, {}));
}

Tensor Prefix::attention_input(Tape& tape, std::int64_t layer, const Tensor& qkv,
                               const models::RunOptions& options) {
  (void)options;
  TINYGPT_CHECK(layer >= 0 && layer < static_cast<std::int64_t>(pass_.size()),
                "Prefix: attention layer ", layer, " before embed() or beyond the model's ",
                layers_, " layers");
  // [0 | K_l V_l] rows in place of the first n: the text's queries attend over them.
  const Tensor text = nn::drop_leading_rows(tape, qkv, settings_.virtual_tokens);
  return nn::prepend_rows(tape, text, pass_[static_cast<std::size_t>(layer)]);
}

std::vector<float> Prefix::key_values() {
  Tape tape;
  NoGradGuard no_grad(tape);
  compute_key_values(tape);
  std::vector<float> values;
  for (const Tensor& layer : pass_)
    values.insert(values.end(), layer.data, layer.data + layer.numel());
  pass_.clear();  // they lived on this tape
  return values;
}

void Prefix::set_key_values(std::span<const float> values) {
  TINYGPT_CHECK(!settings_.projection,
                "Prefix::set_key_values: this prefix trains through its "
                "MLP; set_key_values() is for a folded one");
  const auto per_layer = static_cast<std::size_t>(settings_.virtual_tokens * 2 * width_);
  TINYGPT_CHECK(values.size() == per_layer * key_values_.size(),
                "Prefix::set_key_values: ", values.size(), " values for ", key_values_.size(),
                " layers of (", settings_.virtual_tokens, ", ", 2 * width_, ")");
  for (std::size_t l = 0; l < key_values_.size(); ++l) {
    std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(l * per_layer), per_layer,
                key_values_[l]->value.begin());
  }
}

}  // namespace tinygpt::tune
