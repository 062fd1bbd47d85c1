#include "tinygpt/tune/classifier.h"

#include <algorithm>

#include "tinygpt/core/check.h"
#include "tinygpt/nn/embedding.h"
#include "tinygpt/nn/linear.h"

namespace tinygpt::tune {

TextBatch pad_batch(std::span<const std::vector<std::int32_t>> sequences,
                    std::span<const std::int32_t> labels, std::int64_t context) {
  TINYGPT_CHECK(!sequences.empty() && sequences.size() == labels.size(),
                "pad_batch: ", sequences.size(), " sequences and ", labels.size(), " labels");
  TextBatch out;
  out.batch = static_cast<std::int64_t>(sequences.size());
  for (const std::vector<std::int32_t>& sequence : sequences) {
    TINYGPT_CHECK(!sequence.empty(), "pad_batch: an empty sequence");
    out.time = std::max(out.time, std::min(context, static_cast<std::int64_t>(sequence.size())));
  }
  out.ids.assign(static_cast<std::size_t>(out.batch * out.time), 0);
  out.mask.assign(out.ids.size(), 0);
  for (std::int64_t b = 0; b < out.batch; ++b) {
    const std::vector<std::int32_t>& sequence = sequences[b];
    const auto length = std::min(out.time, static_cast<std::int64_t>(sequence.size()));
    std::copy_n(sequence.begin(), length, out.ids.begin() + b * out.time);
    std::fill_n(out.mask.begin() + b * out.time, length, std::uint8_t{1});
  }
  out.labels.assign(labels.begin(), labels.end());
  return out;
}

Tensor classification_head(Tape& tape, ParameterSet& parameters, const Tensor& hidden,
                           const TextBatch& batch, std::string_view pooling) {
  TINYGPT_CHECK(parameters.contains("head.weight"),
                "classification_head: the model has no classification head (head.weight)");
  const std::int64_t width = hidden.shape[hidden.shape.rank() - 1];
  // Gathering rows is an embedding lookup whose table is the hidden states: its backward
  // adds each pooled row's gradient back into the one position it came from.
  const Tensor pooled = nn::embedding(tape, hidden.reshaped(Shape{batch.batch * batch.time, width}),
                                      pooled_rows(batch.mask, batch.batch, batch.time, pooling));
  return nn::linear(tape, pooled, parameters.tensor("head.weight"), parameters.tensor("head.bias"));
}

Tensor classifier_logits(Tape& tape, models::Gpt& gpt, const TextBatch& batch,
                         std::string_view pooling, const models::RunOptions& options) {
  return classification_head(tape, gpt.parameters(),
                             gpt.hidden(tape, batch.ids, batch.batch, batch.mask, options), batch,
                             pooling);
}

std::vector<std::int32_t> classifier_tokens(const models::ModelFolder& folder,
                                            std::string_view text, std::int64_t context) {
  std::vector<std::int32_t> ids = folder.tokenizer.encode(text);
  if (!std::holds_alternative<models::Encoder>(folder.model)) return ids;
  for (const char* special : {"[CLS]", "[SEP]"}) {
    TINYGPT_CHECK(folder.tokenizer.has_special(special), "the encoder's tokenizer has no ",
                  special);
  }
  const auto room = static_cast<std::size_t>(std::max<std::int64_t>(context - 2, 0));
  if (ids.size() > room) ids.resize(room);
  ids.insert(ids.begin(), folder.tokenizer.special_id("[CLS]"));
  ids.push_back(folder.tokenizer.special_id("[SEP]"));
  return ids;
}

Tensor folder_classifier_logits(Tape& tape, models::ModelFolder& folder, const TextBatch& batch,
                                std::string_view pooling, const models::RunOptions& options) {
  if (auto* gpt = std::get_if<models::Gpt>(&folder.model)) {
    return classifier_logits(tape, *gpt, batch, pooling, options);
  }
  auto* encoder = std::get_if<models::Encoder>(&folder.model);
  TINYGPT_CHECK(encoder != nullptr, "a classifier is a GPT or an encoder, not a ",
                models::family_name(folder.config.family));
  const models::EncoderOutput out =
      encoder->forward(tape, batch.ids, {}, batch.batch, batch.mask, options);
  return classification_head(tape, folder.parameters(), out.hidden, batch, pooling);
}

std::vector<std::int32_t> best_labels(const Tensor& logits) {
  const MatrixMap scores = logits.matrix();
  std::vector<std::int32_t> best(static_cast<std::size_t>(scores.rows()));
  for (Eigen::Index row = 0; row < scores.rows(); ++row) {
    Eigen::Index column = 0;
    scores.row(row).maxCoeff(&column);
    best[static_cast<std::size_t>(row)] = static_cast<std::int32_t>(column);
  }
  return best;
}

}  // namespace tinygpt::tune
