/// @file instruction_tuning.h
/// @brief Supervised fine-tuning on conversations: the chat markers added to a model, the
/// loss on the assistant's tokens only, and exact-match evaluation by generation.
///
/// The loss of one conversation with tokens x_1 .. x_n is
///
///     L = - (1 / |A|) sum over t in A of log p(x_t | x_<t),   A = the assistant's tokens
///
/// so the model learns to answer, not to predict the user's questions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/text/chat_template.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune {

/// @brief Next-token targets that train on the assistant's tokens only.
///
/// The body is exercise 04.2: the reference is solutions/04-finetuning/masked_targets.cpp,
/// the learner's stub exercises/04-finetuning/masked_targets.cpp.
/// @param ids (T) a conversation's tokens.
/// @param trained (T) 1 where a token is one the model must learn to write.
/// @return (T) targets: targets[t] = ids[t + 1] where trained[t + 1] is 1, else -1 (the
///         ignore index of nn::softmax_cross_entropy); the last is always -1.
std::vector<std::int32_t> supervised_targets(std::span<const std::int32_t> ids,
                                             std::span<const std::uint8_t> trained);

/// @brief The model with a larger vocabulary: every parameter copied, and the new rows of
/// wte (the embeddings of tokens it never saw) set to the mean of the old rows, a start
/// that changes no existing prediction much (Hewitt, 2021).
/// @param gpt the model.
/// @param vocab_size V' >= the model's V.
/// @return the new model.
models::Gpt grow_vocabulary(models::Gpt& gpt, std::int64_t vocab_size);

/// @brief Gives a GPT's model folder the chat markers: its own (folder.chat) or the
/// default ones, as special tokens of its tokenizer and, when they need new ids, as rows of
/// the model (grow_vocabulary). Deterministic: the same folder gets the same rows.
/// @param folder a GPT's model folder.
void add_chat_markers(models::ModelFolder& folder);

/// @brief A batch of conversations: inputs, masked targets and padding.
struct ChatBatch {
  std::int64_t batch = 0;             ///< B
  std::int64_t time = 0;              ///< T
  std::vector<std::int32_t> inputs;   ///< (B*T), padding 0
  std::vector<std::int32_t> targets;  ///< (B*T), -1 where not trained or padding
  std::vector<std::uint8_t> mask;     ///< (B*T) 1 for a token
};

/// @brief Pads conversations into one batch; a conversation longer than `context` keeps
/// its first `context` tokens.
/// @param conversations encoded conversations (ChatTemplate::encode()).
/// @param context the longest T.
/// @return the batch.
ChatBatch chat_batch(std::span<const text::ChatTokens* const> conversations, std::int64_t context);

/// @brief Exact match of one skill, with its bootstrap interval.
struct SkillScore {
  std::string skill;          ///< e.g. "arithmetic"
  std::int64_t examples = 0;  ///< how many were asked
  Interval exact_match;       ///< share of answers equal to the reference, 0..1
};

/// @brief One generated answer.
struct ChatAnswer {
  std::string id;        ///< the example's id
  std::string skill;     ///< its skill
  std::string expected;  ///< the reference answer (the last assistant turn)
  std::string answer;    ///< the model's, greedy, up to the end marker
};

/// @brief Asks the model every question on the inference engine and collects the tokens
/// of its answers.
/// @param gpt the model.
/// @param tokenizer its tokenizer, with the chat markers.
/// @param chat the markers.
/// @param questions the conversations so far, each ending with the user's turn.
/// @param generation the longest answer, the sampling (temperature 0: greedy) and the seed;
///        question i draws with seed + i.
/// @param adapter a PEFT adapter the model runs through, or nullptr.
/// @param products the model's matrix products when its weights are stored another way (a
///        QLoRA base in NF4, tune::QuantizedBase), or nullptr: the engine's own.
/// @return one answer per question, in order: the tokens sampled, the end marker last when
/// the model ended its answer before the length limit.
std::vector<std::vector<std::int32_t>> answer_tokens(
    models::Gpt& gpt, const text::BpeTokenizer& tokenizer, const text::ChatTemplate& chat,
    std::span<const std::vector<text::ChatTurn>> questions,
    const models::GenerateOptions& generation, models::Adapter* adapter = nullptr,
    models::MatrixProducts* products = nullptr);

/// @param tokens an answer's tokens (answer_tokens()).
/// @param tokenizer the tokenizer.
/// @param chat the markers.
/// @return its text without the end marker; bytes that are not UTF-8 (a model can stop
/// inside a character) replaced.
std::string answer_text(std::span<const std::int32_t> tokens, const text::BpeTokenizer& tokenizer,
                        const text::ChatTemplate& chat);

/// @brief Asks the model every question on the inference engine and collects its answers
/// (answer_tokens(), then answer_text()).
/// @param gpt the model.
/// @param tokenizer its tokenizer, with the chat markers.
/// @param chat the markers.
/// @param questions the conversations so far, each ending with the user's turn.
/// @param generation the longest answer, the sampling (temperature 0: greedy) and the seed;
///        question i draws with seed + i.
/// @param adapter a PEFT adapter the model runs through, or nullptr.
/// @param products the model's matrix products when its weights are stored another way (a
///        QLoRA base in NF4, tune::QuantizedBase), or nullptr: the engine's own.
/// @return one answer per question, in order, without the end marker.
std::vector<std::string> answer_questions(models::Gpt& gpt, const text::BpeTokenizer& tokenizer,
                                          const text::ChatTemplate& chat,
                                          std::span<const std::vector<text::ChatTurn>> questions,
                                          const models::GenerateOptions& generation,
                                          models::Adapter* adapter = nullptr,
                                          models::MatrixProducts* products = nullptr);

/// @brief Asks the model every example's last question (the turns before the last
/// assistant turn) greedily (answer_questions()) and collects the answers.
/// @param gpt the model.
/// @param tokenizer its tokenizer, with the chat markers.
/// @param chat the markers.
/// @param examples the conversations; the last turn of each is the reference answer.
/// @param max_new_tokens the longest answer.
/// @param adapter a PEFT adapter the model runs through, or nullptr.
/// @param products the model's matrix products when its weights are stored another way (a
///        QLoRA base in NF4, tune::QuantizedBase), or nullptr: the engine's own.
/// @return one answer per example, in order.
std::vector<ChatAnswer> answer_all(models::Gpt& gpt, const text::BpeTokenizer& tokenizer,
                                   const text::ChatTemplate& chat,
                                   std::span<const ChatExample> examples,
                                   std::int64_t max_new_tokens, models::Adapter* adapter = nullptr,
                                   models::MatrixProducts* products = nullptr);

/// @brief Exact match (after trimming spaces) per skill, skills in the order first seen.
/// @param answers the answers.
/// @return one score per skill.
std::vector<SkillScore> exact_match_by_skill(std::span<const ChatAnswer> answers);

}  // namespace tinygpt::tune
