// OpenAI's response bodies (openai_response.h).
#include "tinygpt/serve/openai_response.h"

namespace tinygpt::serve {
namespace {

using nlohmann::json;

bool is_chat(const ApiRequest& request) {
  return request.endpoint == Endpoint::kChatCompletions;
}

json usage_json(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

std::string token_text(const text::Tokenizer& tokenizer, std::int32_t token) {
  const std::int32_t one[] = {token};
  return tokenizer.decode(one);
}

// The bytes of a token's text as numbers: chat's logprobs carry them so that a client can
// rebuild characters that span tokens.
json bytes_of(const std::string& text) {
  json bytes = json::array();
  for (const char c : text) bytes.push_back(static_cast<unsigned char>(c));
  return bytes;
}

// Log-probabilities in the endpoint's shape: chat's "content" list of tokens with their
// alternatives, or the completions API's four parallel lists.
json logprobs_json(const ApiRequest& request, std::span<const TokenInfo> tokens,
                   const text::Tokenizer& tokenizer) {
  if (request.logprobs < 0) return nullptr;
  if (is_chat(request)) {
    json content = json::array();
    for (const TokenInfo& info : tokens) {
      const std::string text = token_text(tokenizer, info.token);
      json top = json::array();
      for (const infer::TokenLogprob& alternative : info.top) {
        const std::string alt = token_text(tokenizer, alternative.token);
        top.push_back({{"token", alt}, {"logprob", alternative.logprob}, {"bytes", bytes_of(alt)}});
      }
      content.push_back({{"token", text},
                         {"logprob", info.logprob},
                         {"bytes", bytes_of(text)},
                         {"top_logprobs", top}});
    }
    return {{"content", content}};
  }
  json texts = json::array(), logprobs = json::array(), top = json::array(),
       offsets = json::array();
  std::int64_t offset = 0;
  for (const TokenInfo& info : tokens) {
    const std::string text = token_text(tokenizer, info.token);
    texts.push_back(text);
    logprobs.push_back(info.logprob);
    json alternatives = json::object();
    for (const infer::TokenLogprob& alternative : info.top) {
      alternatives[token_text(tokenizer, alternative.token)] = alternative.logprob;
    }
    top.push_back(alternatives);
    offsets.push_back(offset);
    offset += static_cast<std::int64_t>(text.size());
  }
  return {{"tokens", texts},
          {"token_logprobs", logprobs},
          {"top_logprobs", top},
          {"text_offset", offsets}};
}

json head_json(const ResponseHead& head, const char* object) {
  return {{"id", head.id}, {"object", object}, {"created", head.created}, {"model", head.model}};
}

}  // namespace

std::string finish_reason(infer::FinishReason reason) {
  return reason == infer::FinishReason::kStop ? "stop" : "length";
}

json response_body(const ApiRequest& request, const ResponseHead& head,
                   std::span<const Choice> choices, const Usage& usage,
                   const text::Tokenizer& tokenizer) {
  const bool chat = is_chat(request);
  json body = head_json(head, chat ? "chat.completion" : "text_completion");
  json list = json::array();
  for (std::size_t index = 0; index < choices.size(); ++index) {
    const Choice& choice = choices[index];
    json entry = {{"index", index},
                  {"logprobs", logprobs_json(request, choice.tokens, tokenizer)},
                  {"finish_reason", choice.finish_reason}};
    if (chat) {
      entry["message"] = {{"role", "assistant"}, {"content", choice.text}};
    } else {
      entry["text"] = choice.text;
    }
    list.push_back(entry);
  }
  body["choices"] = list;
  body["usage"] = usage_json(usage);
  return body;
}

json stream_chunk(const ApiRequest& request, const ResponseHead& head, const std::string& text,
                  bool first, const std::optional<std::string>& finish,
                  std::span<const TokenInfo> tokens, const text::Tokenizer& tokenizer) {
  const bool chat = is_chat(request);
  json chunk = head_json(head, chat ? "chat.completion.chunk" : "text_completion");
  json choice = {{"index", 0},
                 {"logprobs", logprobs_json(request, tokens, tokenizer)},
                 {"finish_reason", finish ? json(*finish) : json(nullptr)}};
  if (chat) {
    json delta = json::object();
    if (first) delta["role"] = "assistant";
    if (!text.empty() || (first && !finish)) delta["content"] = text;
    choice["delta"] = delta;
  } else {
    choice["text"] = text;
  }
  chunk["choices"] = json::array({choice});
  // With include_usage, every chunk has "usage": null except the last, which has it.
  if (request.include_usage) chunk["usage"] = nullptr;
  return chunk;
}

json usage_chunk(const ApiRequest& request, const ResponseHead& head, const Usage& usage) {
  json chunk = head_json(head, is_chat(request) ? "chat.completion.chunk" : "text_completion");
  chunk["choices"] = json::array();
  chunk["usage"] = usage_json(usage);
  return chunk;
}

json models_body(const std::string& model, std::int64_t created, const std::string& card) {
  json entry = {{"id", model}, {"object", "model"}, {"created", created}, {"owned_by", "tinygpt"}};
  if (!card.empty()) entry["model_card"] = card;
  return {{"object", "list"}, {"data", json::array({entry})}};
}

std::string dump(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tinygpt::serve
