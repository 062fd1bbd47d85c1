/// @file model_card.h
/// @brief A model card (Mitchell et al. 2019, "Model Cards for Model Reporting") for a model
/// folder, written from what is recorded beside it, never guessed.
///
/// Sources, each optional but the folder's config.json:
///   - the model folder: config.json (family, sizes, head, chat markers), model.safetensors
///     (the parameter count);
///   - its run folder, when the model folder sits in one (as `tinygpt train`, `finetune` and
///     `align` leave it): train_config.json (data, steps, optimizer, seed), metrics.jsonl (the
///     last validation loss) and report.json (the run's test figures); and the same for the
///     model the run started from (train_config.json's "model"), back to pre-training;
///   - a `tinygpt eval run` report folder: report.json's figures of every suite the model
///     took part in, the fairness suites' among them.
///
/// The card has Mitchell et al.'s nine sections: model details, intended use, factors,
/// metrics, evaluation data, training data, quantitative analyses, ethical considerations,
/// caveats and recommendations. A section with nothing recorded says "not measured".
#pragma once

#include <filesystem>
#include <string>

namespace tinygpt::serve {

/// @brief What a card is written from.
struct ModelCardInputs {
  std::filesystem::path model;        ///< the model folder (with config.json)
  std::filesystem::path eval_report;  ///< a `tinygpt eval run` report folder, or empty
  /// the model's name in the report; empty: the entry whose path is the model folder
  std::string eval_model;
};

/// @brief The card as Markdown. Error naming the folder when it has no config.json, naming
/// the report when it has no report.json or no entry for this model (the message lists the
/// report's models).
/// @param inputs the model and the report.
/// @return the Markdown text.
std::string model_card_markdown(const ModelCardInputs& inputs);

/// @brief Writes model_card_markdown() atomically.
/// @param inputs the model and the report.
/// @param out the file; empty: `inputs.model`/MODEL_CARD.md.
/// @return the file written.
std::filesystem::path write_model_card(const ModelCardInputs& inputs,
                                       const std::filesystem::path& out = {});

}  // namespace tinygpt::serve
