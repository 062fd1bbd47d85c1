// Preference pairs as conversations, and an answer's log-probability and reward
// (align/preference_data.h).
#include "tinygpt/align/preference_data.h"

#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/nn/embedding.h"
#include "tinygpt/nn/matmul.h"
#include "tinygpt/nn/softmax.h"
#include "tinygpt/tune/classifier.h"

namespace tinygpt::align {

text::ChatTokens encode_answer(const std::string& prompt, const std::string& answer,
                               const text::BpeTokenizer& tokenizer,
                               const text::ChatTemplate& chat) {
  const text::ChatTurn turns[] = {{"user", prompt}, {"assistant", answer}};
  return chat.encode(tokenizer, turns);
}

EncodedPair encode_pair(const tune::PreferencePair& pair, const text::BpeTokenizer& tokenizer,
                        const text::ChatTemplate& chat) {
  return {encode_answer(pair.prompt, pair.chosen, tokenizer, chat),
          encode_answer(pair.prompt, pair.rejected, tokenizer, chat)};
}

PairBatch pair_batch(std::span<const EncodedPair* const> pairs, std::int64_t context) {
  std::vector<const text::ChatTokens*> chosen, rejected;
  for (const EncodedPair* pair : pairs) {
    chosen.push_back(&pair->chosen);
    rejected.push_back(&pair->rejected);
  }
  return {tune::chat_batch(chosen, context), tune::chat_batch(rejected, context)};
}

Tensor token_logprobs(Tape& tape, const Tensor& logits, const tune::ChatBatch& batch) {
  const std::int64_t vocab = logits.shape[logits.shape.rank() - 1];
  TINYGPT_CHECK(logits.numel() == batch.batch * batch.time * vocab, "token_logprobs: logits ",
                logits.shape.str(), " do not match the batch's (", batch.batch, ", ", batch.time,
                ")");
  // Over each position's V scores, then viewed as one column to gather entries from.
  const Tensor logprobs =
      nn::log_softmax(tape, logits.reshaped(Shape{batch.batch * batch.time, vocab}))
          .reshaped(Shape{batch.batch * batch.time * vocab, 1});
  std::vector<std::int32_t> entries;
  for (std::int64_t row = 0; row < batch.batch * batch.time; ++row) {
    const std::int32_t target = batch.targets[static_cast<std::size_t>(row)];
    if (target < 0) continue;
    TINYGPT_CHECK(row * vocab + target < std::int64_t{1} << 31, "token_logprobs: the batch's ",
                  batch.batch * batch.time * vocab, " log-probabilities are too many to index");
    entries.push_back(static_cast<std::int32_t>(row * vocab + target));
  }
  TINYGPT_CHECK(!entries.empty(), "token_logprobs: the batch has no answer tokens");
  return nn::embedding(tape, logprobs, entries);
}

Tensor answer_logprobs(Tape& tape, models::Gpt& gpt, const tune::ChatBatch& batch,
                       const models::RunOptions& options) {
  const Tensor picked = token_logprobs(
      tape, gpt.forward(tape, batch.inputs, batch.batch, batch.mask, options), batch);
  // Which conversation each answer token belongs to: a constant 0/1 (B, M) matrix sums them.
  const std::int64_t tokens = picked.shape[0];
  std::vector<float> sums(static_cast<std::size_t>(batch.batch * tokens), 0.0f);
  std::int64_t m = 0;
  for (std::int64_t row = 0; row < batch.batch * batch.time; ++row) {
    if (batch.targets[static_cast<std::size_t>(row)] < 0) continue;
    sums[static_cast<std::size_t>((row / batch.time) * tokens + m)] = 1.0f;
    ++m;
  }
  return nn::matmul(tape, tape.constant(Shape{batch.batch, tokens}, sums), picked);
}

Tensor reward_scores(Tape& tape, models::Gpt& gpt, const tune::ChatBatch& batch,
                     const models::RunOptions& options) {
  tune::TextBatch text{batch.batch, batch.time, batch.inputs, batch.mask,
                       std::vector<std::int32_t>(static_cast<std::size_t>(batch.batch), 0)};
  return tune::classifier_logits(tape, gpt, text, "last", options);
}

}  // namespace tinygpt::align
