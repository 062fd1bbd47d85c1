// LoRA (lora.h): the update's graph function and the adapter. The op bodies, lora_forward
// and lora_backward, are exercise 04.5 (solutions/04-finetuning/lora_update.cpp).
#include "tinygpt/tune/lora.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/nn/dropout.h"
#include "tinygpt/nn/elementwise.h"

namespace tinygpt::tune {

namespace {

constexpr std::string_view kA = ".lora_A";
constexpr std::string_view kB = ".lora_B";
// LoRA's dropout masks draw from call sites after the model's own (RunOptions): the model
// uses a few per block, far below this.
constexpr std::uint64_t kFirstDropoutSite = 128;
constexpr std::uint64_t kDropoutSites = 256;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void lora_node_backward(const Node& node) {
  const MatrixMap x = node.in[0].matrix();
  const MatrixMap a = node.in[1].matrix();
  const MatrixMap b = node.in[2].matrix();
  const Eigen::Map<const Matrix> hidden(node.saved, x.rows(), a.cols());
  Matrix da_unused, db_unused;
  MatrixMap da = node.in[1].grad_matrix();
  MatrixMap db = node.in[2].grad_matrix();
  // A frozen A or B (none in training, but a caller may freeze one) gets a throwaway buffer.
  if (da.size() == 0) da_unused = Matrix::Zero(a.rows(), a.cols());
  if (db.size() == 0) db_unused = Matrix::Zero(b.rows(), b.cols());
  lora_backward(node.in[0].grad_matrix(), da.size() != 0 ? MatrixRef(da) : MatrixRef(da_unused),
                db.size() != 0 ? MatrixRef(db) : MatrixRef(db_unused), node.out.grad_matrix(), x,
                hidden, a, b, node.args.scale);
}

}  // namespace

Tensor lora_update(Tape& tape, const Tensor& x, const Tensor& a, const Tensor& b, float scale) {
  TINYGPT_CHECK(a.shape.rank() == 2 && b.shape.rank() == 2 && a.shape[1] == b.shape[0],
                "lora_update: A ", a.shape.str(), " and B ", b.shape.str(),
                " must be (C_in, r) and (r, C_out)");
  TINYGPT_CHECK(x.shape.rank() >= 1 && x.shape.cols() == a.shape[0], "lora_update: x ",
                x.shape.str(), " does not fit A ", a.shape.str(), ": x's last dimension must be ",
                a.shape[0]);
  Tensor out = tape.output(x.shape.with_last(b.shape[1]), {x, a, b});
  const std::int64_t rows = x.shape.rows();
  float* hidden = tape.scratch(static_cast<std::size_t>(rows * a.shape[1]));
  lora_forward(out.matrix(), MatrixMap(hidden, rows, a.shape[1]), x.matrix(), a.matrix(),
               b.matrix(), scale);
  if (out.grad != nullptr) {
    tape.record({.op = "lora_update",
                 .backward = &lora_node_backward,
                 .out = out,
                 .in = {x, a, b},
                 .saved = hidden,
                 .args = {.scale = scale}});
  }
  return out;
}

void check_lora_settings(const LoraSettings& settings, const models::ModelConfig& config) {
  TINYGPT_CHECK(settings.rank >= 1 && settings.rank <= config.width, "--lora-rank must be in [1, ",
                config.width, "] (the model's width, the smallest side of its layers), got ",
                settings.rank);
  TINYGPT_CHECK(settings.alpha > 0.0f, "--lora-alpha must be positive, got ", settings.alpha);
  TINYGPT_CHECK(settings.dropout >= 0.0f && settings.dropout < 1.0f,
                "--lora-dropout must be in [0, 1), got ", settings.dropout);
  TINYGPT_CHECK(!settings.targets.empty(), "--lora-targets: give at least one layer");
  const std::vector<std::string>& valid = lora_target_modules();
  std::string valid_list;
  for (const std::string& target : valid) valid_list += (valid_list.empty() ? "" : ", ") + target;
  std::set<std::string> seen;
  for (const std::string& target : settings.targets) {
    TINYGPT_CHECK(std::find(valid.begin(), valid.end(), target) != valid.end(),
                  "--lora-targets: unknown layer '", target, "'; the layers are ", valid_list);
    TINYGPT_CHECK(seen.insert(target).second, "--lora-targets: '", target, "' is given twice");
  }
}

Lora::Lora(ParameterSet& parameters, const models::ModelConfig& config,
           const LoraSettings& settings, std::uint64_t seed)
    : settings_(settings) {
  check_lora_settings(settings, config);
  // Every linear layer "<prefix><target>.weight" of the model: a GPT's or an encoder's
  // blocks "h.<l>.", an encoder-decoder's "encoder.h.<l>." and "decoder.h.<l>.".
  std::vector<std::string> found;
  for (const Parameter& parameter : parameters) {
    for (const std::string& target : settings.targets) {
      const std::string suffix = "." + target + ".weight";
      if (ends_with(parameter.name, suffix) && parameter.shape.rank() == 2) {
        found.push_back(parameter.name.substr(0, parameter.name.size() - 7));  // no ".weight"
      }
    }
  }
  TINYGPT_CHECK(!found.empty(), "LoRA: the model has no layer named like its targets");
  TINYGPT_CHECK(found.size() <= kDropoutSites - kFirstDropoutSite, "LoRA: ", found.size(),
                " layers is more than its ", kDropoutSites - kFirstDropoutSite,
                " dropout call sites");
  std::uint64_t index = 0;
  for (const std::string& name : found) {
    Layer layer;
    layer.weight = &parameters.at(name + ".weight");
    const std::int64_t in = layer.weight->shape[0];
    const std::int64_t out = layer.weight->shape[1];
    const std::string a_name = name + std::string(kA);
    const std::string b_name = name + std::string(kB);
    TINYGPT_CHECK(!parameters.contains(a_name), "LoRA: the model already has ", a_name,
                  "; attach one adapter at a time");
    parameters.add(a_name, Shape{in, settings.rank});
    parameters.add(b_name, Shape{settings.rank, out});
    layer.a = &parameters.at(a_name);
    layer.b = &parameters.at(b_name);
    // PEFT's default: kaiming_uniform_(a = sqrt(5)) of nn.Linear, i.e. U(-1/sqrt(C_in),
    // 1/sqrt(C_in)). B stays 0, so the update starts at 0.
    const float bound = 1.0f / std::sqrt(static_cast<float>(in));
    CounterRng rng(seed, RngStream::kInit, 1, index);
    for (float& value : layer.a->value) value = (2.0f * rng.uniform() - 1.0f) * bound;
    layer.dropout_site = kFirstDropoutSite + index++;
    layers_.emplace(name, layer);
    order_.push_back(name);
  }
}

Lora::~Lora() = default;

float Lora::scale() const {
  return settings_.alpha / static_cast<float>(settings_.rank);
}

std::vector<std::string> Lora::layers() const {
  return order_;
}

bool Lora::owns(std::string_view parameter) const {
  for (const std::string_view suffix : {kA, kB}) {
    if (ends_with(parameter, suffix) &&
        layers_.count(std::string(parameter.substr(0, parameter.size() - suffix.size()))) != 0) {
      return true;
    }
  }
  return false;
}

std::int64_t Lora::numel() const {
  std::int64_t total = 0;
  for (const auto& [name, layer] : layers_) {
    total += layer.a->shape.numel() + layer.b->shape.numel();
  }
  return total;
}

Tensor Lora::linear(Tape& tape, const std::string& layer, const Tensor& x, const Tensor& base,
                    const models::RunOptions& options) {
  const auto found = layers_.find(layer);
  if (found == layers_.end() || merged()) return base;
  const Layer& lora = found->second;
  Tensor input = x;
  if (options.training && settings_.dropout > 0.0f) {
    // The same keying as the model's dropout (RunOptions::first_example), on LoRA's own
    // call sites.
    const std::int64_t time = x.shape.rank() >= 2 ? x.shape[x.shape.rank() - 2] : 1;
    const std::uint64_t first_row = options.first_example * static_cast<std::uint64_t>(time);
    input = nn::dropout(tape, x, settings_.dropout,
                        {.seed = options.seed,
                         .step = options.step,
                         .index = (lora.dropout_site << 40) + first_row});
  }
  return nn::add(tape, base, lora_update(tape, input, lora.a->tensor(), lora.b->tensor(), scale()));
}

void Lora::merge() {
  TINYGPT_CHECK(!merged(), "LoRA: the update is already merged");
  // Checked for every layer before any changes: a QLoRA base's weights are NF4, their
  // float32 values freed (qlora.h), so there is no W to add the update to.
  for (const std::string& name : order_) {
    const Layer& layer = layers_.at(name);
    const std::int64_t expected = layer.a->shape[0] * layer.b->shape[1];
    TINYGPT_CHECK(static_cast<std::int64_t>(layer.weight->value.size()) == expected,
                  "LoRA: cannot merge into ", layer.weight->name, ": the base is stored as ",
                  base_format_ == "float32" ? "a quantised copy" : base_format_,
                  " and its float32 weights were freed (QLoRA); load the adapter onto the "
                  "float32 base (load_adapter) and merge there");
  }
  for (const std::string& name : order_) {
    const Layer& layer = layers_.at(name);
    originals_[name] = layer.weight->value;
    MatrixMap weight(layer.weight->value.data(), layer.weight->shape[0], layer.weight->shape[1]);
    const MatrixMap a(layer.a->value.data(), layer.a->shape[0], layer.a->shape[1]);
    const MatrixMap b(layer.b->value.data(), layer.b->shape[0], layer.b->shape[1]);
    weight.noalias() += scale() * (a * b);
  }
}

void Lora::unmerge() {
  TINYGPT_CHECK(merged(), "LoRA: the update is not merged");
  // Copied back, not moved: the weight's buffer keeps its address (tensors view it).
  for (const auto& [name, original] : originals_) {
    AlignedFloats& weight = layers_.at(name).weight->value;
    std::copy(original.begin(), original.end(), weight.begin());
  }
  originals_.clear();
}

}  // namespace tinygpt::tune
