/// @file preference_data.h
/// @brief Preference pairs as a chat model reads them, and the two numbers alignment needs
/// of an answer: its log-probability under a policy, and a reward model's score.
///
/// A pair (tune::PreferencePair) becomes two conversations in the model's chat template,
/// [user: prompt, assistant: chosen] and [user: prompt, assistant: rejected]; the
/// assistant's tokens (its text and end marker) are the answer.
///
///     log pi(y | x) = sum over the answer's tokens t of log softmax(logits_{t-1})[y_t]
///
/// is recorded from the log-softmax of the logits by gathering each answer token's entry and
/// summing per conversation (a product with a constant 0/1 matrix), so its gradient flows
/// back through the model without a new op.
#pragma once

#include <cstdint>
#include <span>

#include "tinygpt/core/tape.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/chat_template.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::align {

/// @brief B pairs as two batches of conversations, row i of each from pair i.
struct PairBatch {
  tune::ChatBatch chosen;    ///< [prompt, chosen answer] per pair
  tune::ChatBatch rejected;  ///< [prompt, rejected answer] per pair
};

/// @brief Both conversations of one pair, tokenized.
struct EncodedPair {
  text::ChatTokens chosen;    ///< [user: prompt, assistant: chosen]
  text::ChatTokens rejected;  ///< [user: prompt, assistant: rejected]
};

/// @brief Tokenizes one exchange [user: prompt, assistant: answer] in the chat template.
/// @param prompt the question.
/// @param answer the answer.
/// @param tokenizer a tokenizer with the chat markers.
/// @param chat the markers.
/// @return the conversation; its assistant flags mark the answer.
text::ChatTokens encode_answer(const std::string& prompt, const std::string& answer,
                               const text::BpeTokenizer& tokenizer, const text::ChatTemplate& chat);

/// @brief Tokenizes a pair in the chat template.
/// @param pair the pair.
/// @param tokenizer a tokenizer with the chat markers.
/// @param chat the markers.
/// @return both conversations.
EncodedPair encode_pair(const tune::PreferencePair& pair, const text::BpeTokenizer& tokenizer,
                        const text::ChatTemplate& chat);

/// @brief Pads pairs into two batches; a conversation longer than `context` keeps its first
/// `context` tokens (and so loses the end of its answer).
/// @param pairs the pairs, encoded.
/// @param context the longest T.
/// @return the batches.
PairBatch pair_batch(std::span<const EncodedPair* const> pairs, std::int64_t context);

/// @brief Records the log-probability of every answer token of a batch: for each position
/// whose target is not -1, in order (conversation by conversation), log softmax(logits)
/// at its target.
/// @param tape the tape.
/// @param logits (B, T, V) a GPT's logits on batch.inputs.
/// @param batch the conversations.
/// @return (M, 1), M the answer tokens of the batch.
Tensor token_logprobs(Tape& tape, const Tensor& logits, const tune::ChatBatch& batch);

/// @brief Records log pi(answer | prompt) of every conversation of a batch: the sum over its
/// supervised tokens (targets other than -1) of their log-probabilities.
/// @param tape the tape.
/// @param gpt the policy.
/// @param batch the conversations.
/// @param options training mode, dropout key, adapter.
/// @return (B, 1) log-probabilities.
Tensor answer_logprobs(Tape& tape, models::Gpt& gpt, const tune::ChatBatch& batch,
                       const models::RunOptions& options = {});

/// @brief Records a reward model's score of every conversation: its "reward" head (C, 1)
/// read at the last token, after the answer's end marker.
/// @param tape the tape.
/// @param gpt a GPT with a reward head's parameters (head.weight, head.bias).
/// @param batch the conversations.
/// @param options training mode and dropout key.
/// @return (B, 1) scores.
Tensor reward_scores(Tape& tape, models::Gpt& gpt, const tune::ChatBatch& batch,
                     const models::RunOptions& options = {});

}  // namespace tinygpt::align
