/// @file openai_response.h
/// @brief OpenAI's response bodies: a whole completion or chat completion, the chunks of a
/// streamed one, usage, log-probabilities and the list of models.
///
/// A streamed answer is a series of chunks with the same id: for chat, the first delta
/// carries the role, each later one a piece of the text, the last the finish reason (with
/// an empty delta), and, when the client asked for stream_options.include_usage, one more
/// chunk with no choices and the usage. A completion's chunks carry text and the finish
/// reason the same way, without roles.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/infer/engine.h"
#include "tinygpt/serve/openai_request.h"
#include "tinygpt/text/tokenizer.h"

namespace tinygpt::serve {

/// @brief Token counts of a request (in every response, as OpenAI reports them).
struct Usage {
  std::int64_t prompt_tokens = 0;      ///< tokens read (the chat template's markers included)
  std::int64_t completion_tokens = 0;  ///< tokens generated (a stop token included)
};

/// @brief One generated token for the log-probabilities of a response.
struct TokenInfo {
  std::int32_t token = 0;                ///< its id
  float logprob = 0.0f;                  ///< ln p(token)
  std::vector<infer::TokenLogprob> top;  ///< the most likely tokens at its position
};

/// @brief One choice of a whole response.
struct Choice {
  std::string text;               ///< the answer (stop strings cut off)
  std::string finish_reason;      ///< "stop" or "length"
  std::vector<TokenInfo> tokens;  ///< with logprobs asked: every generated token
};

/// @brief What every body of one response shares.
struct ResponseHead {
  std::string id;            ///< "cmpl-..." or "chatcmpl-..."
  std::int64_t created = 0;  ///< Unix seconds
  std::string model;         ///< the model's id
};

/// @param reason the engine's reason.
/// @return OpenAI's finish_reason: "stop" or "length" (a cancelled or failed sequence
/// never reaches a client as a finished choice).
std::string finish_reason(infer::FinishReason reason);

/// @brief A whole (non-streamed) response.
/// @param request the request (its endpoint and logprobs).
/// @param head id, time and model.
/// @param choices the choices, in index order.
/// @param usage the token counts, summed over the choices' completions.
/// @param tokenizer decodes tokens for the log-probabilities.
/// @return a "text_completion" or "chat.completion" object.
nlohmann::json response_body(const ApiRequest& request, const ResponseHead& head,
                             std::span<const Choice> choices, const Usage& usage,
                             const text::Tokenizer& tokenizer);

/// @brief One chunk of a stream with one choice (index 0).
/// @param request the request (its endpoint, logprobs and include_usage).
/// @param head id, time and model.
/// @param text the new text ("" is allowed).
/// @param first whether this is the stream's first chunk (chat: its delta carries the role).
/// @param finish the finish reason, on the last chunk with a choice.
/// @param tokens the tokens behind `text`, for log-probabilities (empty without).
/// @param tokenizer decodes tokens for the log-probabilities.
/// @return a "text_completion" or "chat.completion.chunk" object.
nlohmann::json stream_chunk(const ApiRequest& request, const ResponseHead& head,
                            const std::string& text, bool first,
                            const std::optional<std::string>& finish,
                            std::span<const TokenInfo> tokens, const text::Tokenizer& tokenizer);

/// @brief The last chunk of a stream that asked for usage: no choices, the usage.
/// @param request the request.
/// @param head id, time and model.
/// @param usage the token counts.
/// @return the chunk.
nlohmann::json usage_chunk(const ApiRequest& request, const ResponseHead& head, const Usage& usage);

/// @brief GET /v1/models: the one model served.
/// @param model its id.
/// @param created when the server started (Unix seconds).
/// @param card the URL path of its model card, or "" without one.
/// @return {"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}.
nlohmann::json models_body(const std::string& model, std::int64_t created, const std::string& card);

/// @brief Serialises a body for the wire: bytes that are not UTF-8 (a byte-level token can
/// end inside a character) become U+FFFD instead of an exception.
/// @param body the JSON value.
/// @return its compact text.
std::string dump(const nlohmann::json& body);

}  // namespace tinygpt::serve
