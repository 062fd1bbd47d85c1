/// @file openai_request.h
/// @brief OpenAI's completion and chat completion requests: the JSON body read and checked
/// field by field, then turned into a request for the inference engine.
///
/// The server speaks OpenAI's API so that its clients (the official SDKs, curl scripts,
/// tools built for it) work unchanged. The fields tinygpt understands are mapped onto the
/// engine (infer/engine.h): max_tokens onto the length, temperature and top_p onto
/// sampling, stop onto stop strings, seed onto the request's random numbers,
/// presence_penalty and frequency_penalty onto the penalties, logprobs onto the engine's
/// log-probabilities. A field that is recognised but not supported (tools, logit_bias, ...)
/// or not recognised at all is refused with 400 and its name, rather than silently ignored:
/// a client that asks for JSON mode and quietly gets free text is worse off than one told no.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/chat_template.h"

namespace tinygpt::serve {

/// @brief A request the API refuses: an HTTP status (4xx, or 503 when the server is busy),
/// a message for the client and the field at fault (empty when none).
class ApiError : public Error {
 public:
  /// @param status the HTTP status.
  /// @param message what was wrong and what to send instead.
  /// @param param the request field at fault, or "".
  /// @param retry_after seconds the client should wait before trying again (429, 503); 0:
  ///        no advice.
  ApiError(int status, const std::string& message, std::string param = "", int retry_after = 0)
      : Error(message), status_(status), param_(std::move(param)), retry_after_(retry_after) {}
  /// @return the HTTP status.
  int status() const { return status_; }
  /// @return the field at fault, or "".
  const std::string& param() const { return param_; }
  /// @return the seconds to wait before a retry, or 0.
  int retry_after() const { return retry_after_; }

 private:
  int status_;
  std::string param_;
  int retry_after_;
};

/// @brief The two generation endpoints.
enum class Endpoint {
  kCompletions,      ///< POST /v1/completions: a prompt to continue
  kChatCompletions,  ///< POST /v1/chat/completions: a conversation to answer
};

/// @brief A completion or chat request as the engine needs it.
struct ApiRequest {
  Endpoint endpoint = Endpoint::kCompletions;  ///< which endpoint it came to
  std::string model;                           ///< the model asked for
  std::string prompt;                          ///< completions: the text to continue
  /// chat: the conversation, user's turn last (a system message is put at the head of the
  /// first user turn: the chat template has no system role)
  std::vector<text::ChatTurn> messages;
  std::optional<std::int64_t> max_tokens;  ///< the most new tokens; empty: the default
  float temperature = 1.0f;                ///< 0: greedy; at most 2
  float top_p = 1.0f;                      ///< the nucleus, in (0, 1]
  std::vector<std::string> stop;           ///< up to 4 stop strings
  std::optional<std::uint64_t> seed;       ///< empty: the server picks one
  std::int64_t n = 1;                      ///< choices to generate, 1 to 4
  int logprobs = -1;              ///< -1: none; k >= 0: each token's log-probability and the k best
  bool stream = false;            ///< answer as server-sent events
  bool include_usage = false;     ///< stream_options.include_usage: a last chunk with usage
  float presence_penalty = 0.0f;  ///< in [-2, 2]
  float frequency_penalty = 0.0f;  ///< in [-2, 2]
};

/// @brief Reads a request's JSON body. Throws ApiError 400 naming the field for a missing
/// model, prompt or messages, a wrong type, a value out of range, an unsupported or unknown
/// field.
/// @param body the parsed body (an object).
/// @param endpoint where it was sent.
/// @return the request.
ApiRequest parse_api_request(const nlohmann::json& body, Endpoint endpoint);

/// @brief What the server serves: a GPT, its tokenizer and, for chat, its template.
struct ServedModel {
  std::string name;                               ///< the model's id in the API
  models::Gpt* model = nullptr;                   ///< the GPT (not owned)
  const text::BpeTokenizer* tokenizer = nullptr;  ///< its tokenizer (not owned)
  std::optional<text::ChatTemplate> chat;         ///< the chat markers; empty: no chat endpoint
  std::optional<std::int32_t> end_of_text;  ///< completions stop at it, when the model has one
  std::int64_t context = 0;                 ///< tokens a sequence may hold (prompt and answer)
};

/// @brief What the server serves of a loaded model folder.
/// @param pretrained the folder's model; it must outlive the result.
/// @param name the model's id in the API.
/// @param reserved_positions positions each sequence gives up (an adapter's virtual tokens).
/// @return the model, its tokenizer, chat markers and end-of-text token, and the context
/// left for prompt and answer.
ServedModel served_model(models::PretrainedGpt& pretrained, std::string name,
                         std::int64_t reserved_positions = 0);

/// @brief The engine's request for one choice of an API request. Throws ApiError 400 when
/// the prompt fills the context or max_tokens does not fit beside it (naming both sizes),
/// when chat is asked of a model without a chat template.
/// @param request the API request.
/// @param served the model.
/// @param seed this choice's seed (the request's, plus the choice's index).
/// @return the engine request (without its on_event).
infer::Request engine_request(const ApiRequest& request, const ServedModel& served,
                              std::uint64_t seed);

}  // namespace tinygpt::serve
