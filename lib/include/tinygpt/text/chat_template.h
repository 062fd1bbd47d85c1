/// @file chat_template.h
/// @brief How a conversation becomes one token sequence for a chat model.
///
/// Every turn is its role's marker, the turn's text and the end-of-turn marker:
///
///     <|user|>What river is Ossel on?<|end|><|assistant|>Ossel is on the Losel.<|end|>
///
/// The three markers are special tokens of the tokenizer (BpeTokenizer::with_specials), so
/// each is one id whose embedding fine-tuning learns. A prompt for the model ends with the
/// assistant's marker; the model writes the answer and then the end marker, where generation stops.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/text/bpe.h"

namespace tinygpt::text {

/// @brief One turn of a conversation.
struct ChatTurn {
  std::string role;     ///< "user" or "assistant"
  std::string content;  ///< the turn's text
};

/// @brief The token ids of a conversation and which of them an assistant wrote.
struct ChatTokens {
  std::vector<std::int32_t> ids;        ///< the whole conversation
  std::vector<std::uint8_t> assistant;  ///< 1 for the assistant's text and its end marker
};

/// @brief The markers of the chat format and the conversions to tokens.
struct ChatTemplate {
  std::string user = "<|user|>";            ///< starts a user's turn
  std::string assistant = "<|assistant|>";  ///< starts an assistant's turn
  std::string end = "<|end|>";              ///< ends every turn

  /// @return the three markers, in the order user, assistant, end.
  std::vector<std::string> markers() const { return {user, assistant, end}; }

  /// @brief Tokenizes a conversation, marking the tokens the assistant wrote (its text and
  /// end markers, the ones supervised fine-tuning trains on).
  ///
  /// Throws Error when the tokenizer lacks a marker or a role is neither "user" nor
  /// "assistant".
  /// @param tokenizer a tokenizer with the three markers as special tokens.
  /// @param turns the conversation.
  /// @return the ids and the assistant flags (same length).
  ChatTokens encode(const BpeTokenizer& tokenizer, std::span<const ChatTurn> turns) const;

  /// @brief The prompt that asks the model for its next turn: the conversation, then the
  /// assistant's marker.
  /// @param tokenizer a tokenizer with the three markers.
  /// @param turns the conversation so far (the user's question last).
  /// @return token ids.
  std::vector<std::int32_t> prompt(const BpeTokenizer& tokenizer,
                                   std::span<const ChatTurn> turns) const;
};

}  // namespace tinygpt::text
