/// @file classifier.h
/// @brief Sequence classification: the hidden state of one position of each sequence, a
/// linear head, K scores.
///
///     hidden = gpt.hidden(ids, mask)           (B, T, C)   or an encoder's hidden states
///     pooled = hidden[b, row(b)]               (B, C)   row: pooled_rows()
///     logits = pooled head.weight + head.bias  (B, K)
///
/// A GPT reads left to right, so only its last real token has seen the whole text; an
/// encoder sees everything everywhere, and BERT reads its first token ([CLS]). Sequences
/// are padded on the right, where a causal model never looks back at them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/tape.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/pretrained.h"

namespace tinygpt::tune {

/// @brief Which row of the (B*T, C) hidden states stands for each sequence.
///
/// The body is exercise 04.1: the reference is solutions/04-finetuning/pooling.cpp, the
/// learner's stub exercises/04-finetuning/pooling.cpp.
/// @param mask (B*T) 1 for a token, 0 for padding; each sequence has at least one token.
/// @param batch B.
/// @param time T.
/// @param pooling "last": the last position whose mask is 1; "first": position 0.
/// @return B row indices b*T + t.
std::vector<std::int32_t> pooled_rows(std::span<const std::uint8_t> mask, std::int64_t batch,
                                      std::int64_t time, std::string_view pooling);

/// @brief Texts tokenized into one right-padded batch, with their labels.
struct TextBatch {
  std::int64_t batch = 0;            ///< B
  std::int64_t time = 0;             ///< T: the longest sequence, at most the context
  std::vector<std::int32_t> ids;     ///< (B*T) token ids, padding 0
  std::vector<std::uint8_t> mask;    ///< (B*T) 1 for a token, 0 for padding
  std::vector<std::int32_t> labels;  ///< (B) label indices
};

/// @brief Pads token sequences on the right into one batch; a sequence longer than
/// `context` keeps its first `context` tokens.
/// @param sequences B token sequences, none empty.
/// @param labels B label indices.
/// @param context the longest T allowed.
/// @return the batch.
TextBatch pad_batch(std::span<const std::vector<std::int32_t>> sequences,
                    std::span<const std::int32_t> labels, std::int64_t context);

/// @brief Records a classification head on hidden states: the rows pooled_rows() picks,
/// then head.weight (C, K) and head.bias (K) of `parameters`.
/// @param tape the tape.
/// @param parameters the model's parameters, the head's among them
///        (models::add_head_parameters()).
/// @param hidden (B, T, C) the model's last hidden states for the batch.
/// @param batch the texts (for the mask).
/// @param pooling "last" (a GPT) or "first" (an encoder).
/// @return logits (B, K).
Tensor classification_head(Tape& tape, ParameterSet& parameters, const Tensor& hidden,
                           const TextBatch& batch, std::string_view pooling);

/// @brief Records a GPT classifier's scores: Gpt::hidden(), then classification_head().
/// @param tape the tape.
/// @param gpt a GPT with head parameters.
/// @param batch the texts.
/// @param pooling "last" or "first".
/// @param options training mode and dropout key.
/// @return logits (B, K).
Tensor classifier_logits(Tape& tape, models::Gpt& gpt, const TextBatch& batch,
                         std::string_view pooling, const models::RunOptions& options = {});

/// @brief The tokens a model folder's classifier reads for a text: a GPT's, the tokenizer's
/// ids; an encoder's, BERT's input [CLS] text [SEP], the text cut so that the three fit the
/// context. Error when an encoder's tokenizer lacks [CLS] or [SEP].
/// @param folder a GPT's or an encoder's model folder.
/// @param text the text.
/// @param context the most tokens a sequence may have (a GPT's text is cut by pad_batch()).
/// @return the token ids.
std::vector<std::int32_t> classifier_tokens(const models::ModelFolder& folder,
                                            std::string_view text, std::int64_t context);

/// @brief Records the scores of a model folder's classifier: a GPT's classifier_logits(), or
/// an encoder's hidden states and then classification_head().
/// @param tape the tape.
/// @param folder a GPT's or an encoder's model folder with head parameters.
/// @param batch the texts, as classifier_tokens() gives them.
/// @param pooling "last" (a GPT) or "first" (an encoder).
/// @param options training mode, dropout key, adapter.
/// @return logits (B, K).
Tensor folder_classifier_logits(Tape& tape, models::ModelFolder& folder, const TextBatch& batch,
                                std::string_view pooling, const models::RunOptions& options = {});

/// @param logits (B, K) scores.
/// @return each row's highest-scoring index.
std::vector<std::int32_t> best_labels(const Tensor& logits);

}  // namespace tinygpt::tune
