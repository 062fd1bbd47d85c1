#include "tinygpt/tune/text_classifier.h"

#include <algorithm>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/tune/classifier.h"

namespace tinygpt::tune {

namespace {

AdaptedModel load_model(const std::filesystem::path& model, const std::filesystem::path& adapter) {
  if (adapter.empty()) return {models::load_model_folder(model), nullptr};
  return load_adapter(model, adapter);
}

}  // namespace

TextClassifier::TextClassifier(const std::filesystem::path& model,
                               const std::filesystem::path& adapter)
    : TextClassifier(load_model(model, adapter), adapter.empty() ? model : adapter) {}

TextClassifier::TextClassifier(AdaptedModel model, std::filesystem::path origin)
    : origin_(std::move(origin)),
      folder_(std::move(model.folder)),
      adapter_(std::move(model.adapter)) {
  TINYGPT_CHECK(folder_.head && folder_.head->task == "classification", origin_.string(),
                ": not a classifier (no classification head in config.json); fine-tune one with "
                "`tinygpt finetune --task classify`");
  TINYGPT_CHECK(!std::holds_alternative<models::Seq2Seq>(folder_.model), origin_.string(),
                ": a classifier is a GPT or an encoder, not a seq2seq model");
}

std::int32_t TextClassifier::label_index(std::string_view label) const {
  const auto found = std::find(labels().begin(), labels().end(), label);
  if (found != labels().end()) return static_cast<std::int32_t>(found - labels().begin());
  std::ostringstream known;
  for (const std::string& name : labels())
    known << (&name == &labels().front() ? "" : ", ") << name;
  throw Error(origin_.string() + ": the label \"" + std::string(label) +
              "\" is not one of the classifier's labels (" + known.str() + ")");
}

Matrix TextClassifier::probabilities(std::span<const std::string> texts, std::int64_t batch) {
  TINYGPT_CHECK(batch > 0, "TextClassifier::probabilities: batch must be positive, got ", batch);
  // Soft prompts and prefixes put their virtual tokens into the model's context.
  const std::int64_t context =
      folder_.config.context_length - (adapter_ ? adapter_->virtual_tokens() : 0);
  Matrix out(static_cast<Eigen::Index>(texts.size()), static_cast<Eigen::Index>(labels().size()));
  Tape tape;
  const NoGradGuard no_grad(tape);
  models::RunOptions options;
  options.adapter = adapter_.get();
  for (std::size_t first = 0; first < texts.size(); first += static_cast<std::size_t>(batch)) {
    const std::size_t count = std::min(static_cast<std::size_t>(batch), texts.size() - first);
    std::vector<std::vector<std::int32_t>> sequences;
    for (std::size_t i = first; i < first + count; ++i) {
      sequences.push_back(classifier_tokens(folder_, texts[i], context));
      // An empty text still gives the model something to read: a GPT's last token must exist.
      if (sequences.back().empty()) sequences.back().push_back(0);
    }
    const std::vector<std::int32_t> no_labels(count, 0);
    const TextBatch padded = pad_batch(sequences, no_labels, context);
    tape.reset();
    const MatrixMap scores =
        folder_classifier_logits(tape, folder_, padded, folder_.head->pooling, options).matrix();
    for (Eigen::Index row = 0; row < scores.rows(); ++row) {
      const Eigen::RowVectorXf shifted =
          (scores.row(row).array() - scores.row(row).maxCoeff()).exp().matrix();
      out.row(static_cast<Eigen::Index>(first) + row) = shifted / shifted.sum();
    }
  }
  return out;
}

std::vector<std::int32_t> TextClassifier::predict(std::span<const std::string> texts) {
  const Matrix probs = probabilities(texts);
  std::vector<std::int32_t> best(texts.size());
  for (Eigen::Index row = 0; row < probs.rows(); ++row) {
    Eigen::Index column = 0;
    probs.row(row).maxCoeff(&column);
    best[static_cast<std::size_t>(row)] = static_cast<std::int32_t>(column);
  }
  return best;
}

}  // namespace tinygpt::tune
