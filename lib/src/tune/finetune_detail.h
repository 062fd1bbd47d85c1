// Fine-tuning's tasks, which run_finetune() (finetune.cpp) runs: each is an objective of the
// training loop that also scores the trained model on the test split. Private to tune.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/data/batching.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/train/objective.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/lora.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/qlora.h"

namespace tinygpt::tune::detail {

// A task: what it trains (train::Objective) and how its result is measured.
class TaskRun : public train::Objective {
 public:
  // The model's config, for the checkpoints' record.
  virtual const models::ModelConfig& model_config() = 0;
  // Scores the trained model on the test split: a Markdown table, and the figures in
  // `report` (report.json).
  virtual std::string test_report(nlohmann::ordered_json& report) = 0;
};

// A task on a model folder: the model (set to random weights with --from-scratch), its
// tokenizer and additions, and the method's choice of what trains.
class ModelTaskRun : public TaskRun {
 public:
  explicit ModelTaskRun(const FinetuneConfig& config);
  ~ModelTaskRun() override;
  const models::ModelConfig& model_config() override { return folder_.config; }
  ParameterSet& parameters() override { return folder_.parameters(); }
  bool trains(const Parameter& parameter) const override;
  // The model folder (with its head and chat markers), or for a method with an adapter the
  // adapter alone, in the folder `adapter` beside `folder`.
  void save_model(const std::filesystem::path& folder) override;

 protected:
  // The GPT, for the tasks that need one (check_finetune_config() checked the family).
  models::Gpt& gpt() { return std::get<models::Gpt>(folder_.model); }
  // Attaches the method's adapter (lora, qlora, soft_prompt, prefix) to the model, and for
  // qlora quantises the base to NF4 (its float32 block weights are freed); each task calls
  // it last in its constructor, once the model is final (chat markers, head).
  void attach_adapter();
  // The options of a pass through the model and its adapter (and the NF4 base for qlora).
  models::RunOptions run(models::RunOptions options) const {
    options.adapter = adapter_.get();
    options.products = quantized_.get();
    return options;
  }
  models::Adapter* adapter() const { return adapter_.get(); }
  // Tokens of text per sequence: --context (0: the model's), less the virtual tokens of a
  // soft prompt or prefix, which share the model's context (check_finetune_config() made
  // sure both fit).
  std::int64_t text_context() const;
  // The NF4 base's products (qlora), or nullptr: the float32 parameters.
  models::MatrixProducts* products() const { return quantized_.get(); }

  const FinetuneConfig& config_;
  models::ModelFolder folder_;
  std::uint64_t base_hash_ = 0;               // weights_hash() of the model as loaded
  std::unique_ptr<PeftAdapter> adapter_;      // lora, qlora, soft_prompt, prefix
  std::unique_ptr<QuantizedBase> quantized_;  // --method qlora: the NF4 base
  // instruct: the chat markers were added by this run (new rows of the token embedding),
  // not already in the folder; only then does an adapter train the embedding beside it.
  bool new_token_rows_ = true;
};

// task classify: a head on a GPT's last token or an encoder's first, reviews
// (classify_run.cpp).
std::unique_ptr<TaskRun> classify_run(const FinetuneConfig& config);
// task instruct: the chat markers, the loss on the answers (instruct_run.cpp). With
// `measure_before`, the untrained model's exact match is measured first, for the report.
std::unique_ptr<TaskRun> instruct_run(const FinetuneConfig& config, bool measure_before);
// task tokens: BIO tags from an encoder, named entities (tagging_run.cpp).
std::unique_ptr<TaskRun> tagging_run(const FinetuneConfig& config);

// Training example `row` of a batch: drawn with replacement, a pure function of the key.
std::size_t draw_example(const data::BatchKey& key, std::int64_t row, std::size_t count);

// Whether a method trains the parameter `name` of a model of `layers` blocks: full every
// one; head and the adapters the head (and the adapter's: ModelTaskRun::trains); top_k_blocks
// the head, ln_f and the last top_k blocks. The encoder's
// pre-training heads (mlm., pooler., nsp.) never train: no task here reads them.
bool method_trains(const FinetuneConfig& config, std::int64_t layers, const std::string& name);

// 1 where predicted equals gold, else 0.
std::vector<double> as_scores(std::span<const std::int32_t> predicted,
                              std::span<const std::int32_t> gold);

}  // namespace tinygpt::tune::detail
