/// @file text_classifier.h
/// @brief A fine-tuned classifier read from its model folder (and adapter), ready to label
/// texts: what evaluation, robustness tests and attacks ask of a classifier.
///
/// `tinygpt finetune --task classify` writes a model folder whose config.json names the
/// head's labels and pooling (or, for LoRA and the other adapters, an adapter folder over
/// its base); this class loads either and runs the model in evaluation mode, without a
/// gradient, in batches.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/tensor.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/adapter_files.h"
#include "tinygpt/tune/peft_adapter.h"

namespace tinygpt::tune {

/// @brief A sequence classifier: a model folder with a classification head.
class TextClassifier {
 public:
  /// @brief Loads a classifier. Error naming the folder when it has no classification head
  /// (a plain pre-trained model, a chat model, a tagger) or is not a GPT or an encoder.
  /// @param model the model folder, or with `adapter` the base model folder.
  /// @param adapter an adapter folder over `model` (tune/adapter_files.h), or empty.
  explicit TextClassifier(const std::filesystem::path& model,
                          const std::filesystem::path& adapter = {});

  /// @return the K label names; output column k is labels()[k].
  const std::vector<std::string>& labels() const { return folder_.head->labels; }

  /// @param label a label name.
  /// @return its column; Error naming the label and the classifier's labels when unknown.
  std::int32_t label_index(std::string_view label) const;

  /// @brief The softmax of the scores of every text, in evaluation mode.
  /// @param texts N texts (each is cut to the model's context).
  /// @param batch texts per forward pass, above 0.
  /// @return (N, K) probabilities, row i for text i.
  Matrix probabilities(std::span<const std::string> texts, std::int64_t batch = 32);

  /// @param texts N texts.
  /// @return the column of each text's most probable label.
  std::vector<std::int32_t> predict(std::span<const std::string> texts);

 private:
  TextClassifier(AdaptedModel model, std::filesystem::path origin);

  std::filesystem::path origin_;          // the folder, for messages
  models::ModelFolder folder_;            // the model with its head
  std::unique_ptr<PeftAdapter> adapter_;  // the adapter, or nullptr
};

}  // namespace tinygpt::tune
