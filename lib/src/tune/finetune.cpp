// Fine-tuning runs (tune/finetune.h): a task (finetune_detail.h) in the training loop, then
// its test report.
#include "tinygpt/tune/finetune.h"

#include <algorithm>

#include "finetune_detail.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/tune/adapter_files.h"

namespace tinygpt::tune {

std::size_t detail::draw_example(const data::BatchKey& key, std::int64_t row, std::size_t count) {
  CounterRng rng(key.seed, RngStream::kData, key.step,
                 static_cast<std::uint64_t>(key.first_example + row));
  return rng.below(static_cast<std::uint32_t>(count));
}

bool detail::method_trains(const FinetuneConfig& config, std::int64_t layers,
                           const std::string& name) {
  if (name.starts_with("mlm.") || name.starts_with("pooler.") || name.starts_with("nsp.")) {
    return false;
  }
  if (config.method == "full") return true;
  if (name.starts_with("head.")) return true;
  // An adapter: its parameters (ModelTaskRun::trains) and the head; for instruct also the
  // token embedding, whose new rows are the chat markers: frozen, they would keep one and
  // the same row, and the tied output layer could never tell <|end|> from the others.
  if (trains_adapter(config.method)) {
    return config.task == "instruct" && name == "wte.weight";
  }
  if (config.method == "head") return false;
  if (name.starts_with("ln_f.")) return true;  // top_k_blocks: the top blocks and ln_f
  for (std::int64_t l = layers - config.top_k; l < layers; ++l) {
    if (name.starts_with("h." + std::to_string(l) + ".")) return true;
  }
  return false;
}

detail::ModelTaskRun::ModelTaskRun(const FinetuneConfig& config)
    : config_(config), folder_(models::load_model_folder(config.model)) {
  if (config.from_scratch) {
    std::visit([&config](auto& model) { model.init(config.seed); }, folder_.model);
  }
  base_hash_ = weights_hash(folder_.parameters());
}

detail::ModelTaskRun::~ModelTaskRun() = default;

void detail::ModelTaskRun::attach_adapter() {
  ParameterSet& parameters = folder_.parameters();
  const std::string& method = config_.method;
  if (method == "soft_prompt") {
    const std::vector<std::int32_t> ids = config_.prompt.init == "text"
                                              ? folder_.tokenizer.encode(config_.prompt.init_text)
                                              : std::vector<std::int32_t>{};
    adapter_ =
        std::make_unique<SoftPrompt>(parameters, folder_.config, config_.prompt, ids, config_.seed);
  } else if (method == "prefix") {
    adapter_ = std::make_unique<Prefix>(parameters, folder_.config, config_.prompt, config_.seed);
  } else if (method == "lora" || method == "qlora") {
    auto lora = std::make_unique<Lora>(parameters, folder_.config, config_.lora, config_.seed);
    if (method == "qlora") {
      // After LoRA, which reads the weights' shapes; base_hash_ was taken from the float32
      // weights before they are freed here.
      quantized_ = std::make_unique<QuantizedBase>(parameters);
      lora->set_base_format("nf4");
    }
    adapter_ = std::move(lora);
  }
}

std::int64_t detail::ModelTaskRun::text_context() const {
  const std::int64_t context =
      config_.context > 0 ? config_.context : folder_.config.context_length;
  // From the config: the tasks encode their data before the adapter is attached.
  const bool prompt = config_.method == "soft_prompt" || config_.method == "prefix";
  const std::int64_t virtual_tokens = prompt ? config_.prompt.virtual_tokens : 0;
  return std::min(context, folder_.config.context_length - virtual_tokens);
}

bool detail::ModelTaskRun::trains(const Parameter& parameter) const {
  if (adapter_ != nullptr && adapter_->owns(parameter.name)) return true;
  // An adapter on a chat model (its markers already in the folder) adds no token rows, so
  // the embedding stays frozen with the rest of the base: training it would be a full
  // update of the tied input and output layer beside the adapter.
  if (adapter_ != nullptr && parameter.name == "wte.weight" && !new_token_rows_) return false;
  return method_trains(config_, folder_.config.layers, parameter.name);
}

void detail::ModelTaskRun::save_model(const std::filesystem::path& folder) {
  if (adapter_ != nullptr) {
    save_adapter(folder.parent_path() / "adapter", *adapter_, folder_, base_hash_, config_.model);
  } else {
    models::save_model_folder(folder, folder_.config, folder_.parameters(), folder_.tokenizer,
                              folder_.head, folder_.chat);
  }
}

std::vector<double> detail::as_scores(std::span<const std::int32_t> predicted,
                                      std::span<const std::int32_t> gold) {
  std::vector<double> scores;
  for (std::size_t i = 0; i < gold.size(); ++i) scores.push_back(predicted[i] == gold[i] ? 1 : 0);
  return scores;
}

FinetuneResult run_finetune(const FinetuneConfig& config, const train::TrainCallbacks& callbacks,
                            train::Communicator& communicator) {
  train::agree_on_errors(communicator, [&config] { check_finetune_config(config); });
  std::unique_ptr<detail::TaskRun> task;
  if (config.task == "classify") {
    task = detail::classify_run(config);
  } else if (config.task == "instruct") {
    task = detail::instruct_run(config, communicator.is_root() && !config.resume);
  } else {
    task = detail::tagging_run(config);
  }
  FinetuneResult result;
  result.model_dir = config.out / (trains_adapter(config.method) ? "adapter" : "model");
  result.report = config.out / "report.json";
  result.training = train::run_loop(
      config, *task, {models::to_json(task->model_config()), 0, settings_json(config)}, callbacks,
      communicator);
  if (!communicator.is_root() || result.training.interrupted) return result;
  nlohmann::ordered_json report;
  report["task"] = config.task;
  report["method"] = config.method;
  report["trainable_parameters"] = task->parameters().trainable_numel();
  result.summary = task->test_report(report);
  write_file_atomically(result.report, report.dump(2) + "\n");
  return result;
}

}  // namespace tinygpt::tune
