// OpenAI's request bodies, read and checked (openai_request.h).
#include "tinygpt/serve/openai_request.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace tinygpt::serve {
namespace {

using nlohmann::json;

// Fields OpenAI defines that this server does not implement: refused by name.
const std::set<std::string> kUnsupported = {"logit_bias",    "tools",
                                            "tool_choice",   "functions",
                                            "function_call", "response_format",
                                            "best_of",       "echo",
                                            "suffix",        "parallel_tool_calls",
                                            "audio",         "modalities",
                                            "prediction",    "reasoning_effort",
                                            "service_tier",  "store",
                                            "metadata",      "web_search_options"};

[[noreturn]] void refuse(const std::string& field, const std::string& message) {
  throw ApiError(400, "'" + field + "' " + message, field);
}

// Reads a body's fields one by one, remembering which were read: what remains at the end
// is unknown.
class Fields {
 public:
  explicit Fields(const json& body) : body_(body) {}

  // The field, or nullptr when it is absent or null (OpenAI's clients send null for unset).
  const json* get(const std::string& name) {
    read_.insert(name);
    const auto found = body_.find(name);
    return found == body_.end() || found->is_null() ? nullptr : &*found;
  }

  std::optional<double> number(const std::string& name, double low, double high) {
    const json* value = get(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number())
      refuse(name, "must be a number, not " + std::string(value->type_name()));
    const double x = value->get<double>();
    if (!std::isfinite(x) || x < low || x > high) {
      refuse(name, "is " + value->dump() + ": it must be between " + json(low).dump() + " and " +
                       json(high).dump());
    }
    return x;
  }

  std::optional<std::int64_t> integer(const std::string& name, std::int64_t low,
                                      std::int64_t high) {
    const json* value = get(name);
    if (value == nullptr) return std::nullopt;
    // 1e400 parses as a float and 2^70 as an unsigned or a float: all are refused here.
    if (!value->is_number_integer() ||
        (value->is_number_unsigned() && value->get<std::uint64_t>() > std::uint64_t(high))) {
      refuse(name, "is " + value->dump() + ": it must be a whole number between " +
                       std::to_string(low) + " and " + std::to_string(high));
    }
    const std::int64_t x = value->get<std::int64_t>();
    if (x < low || x > high) {
      refuse(name, "is " + std::to_string(x) + ": it must be between " + std::to_string(low) +
                       " and " + std::to_string(high));
    }
    return x;
  }

  std::optional<bool> boolean(const std::string& name) {
    const json* value = get(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) refuse(name, "must be true or false, not " + value->dump());
    return value->get<bool>();
  }

  std::string string(const std::string& name) {
    const json* value = get(name);
    if (value == nullptr) refuse(name, "is missing");
    if (!value->is_string())
      refuse(name, "must be a string, not " + std::string(value->type_name()));
    return value->get<std::string>();
  }

  // Throws for the first field that was never read.
  void refuse_the_rest() const {
    for (const auto& [name, value] : body_.items()) {
      if (read_.contains(name)) continue;
      if (kUnsupported.contains(name)) refuse(name, "is not supported by tinygpt serve");
      refuse(name, "is not a field of this endpoint");
    }
  }

 private:
  const json& body_;
  std::set<std::string> read_;
};

// A message's content: a string, or an array of {"type": "text", "text": ...} parts.
std::string message_content(const json& content, const std::string& where) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) {
    refuse(where + ".content",
           "must be a string or an array of text parts, not " + std::string(content.type_name()));
  }
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
        !part["text"].is_string()) {
      refuse(where + ".content",
             "parts must be {\"type\": \"text\", \"text\": \"...\"}: "
             "this model reads text only");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

std::vector<text::ChatTurn> read_messages(Fields& fields) {
  const json* messages = fields.get("messages");
  if (messages == nullptr) refuse("messages", "is missing");
  if (!messages->is_array() || messages->empty()) {
    refuse("messages", "must be a non-empty array of {\"role\", \"content\"} objects");
  }
  std::string system;
  std::vector<text::ChatTurn> turns;
  for (std::size_t k = 0; k < messages->size(); ++k) {
    const json& message = (*messages)[k];
    const std::string where = "messages[" + std::to_string(k) + "]";
    if (!message.is_object()) refuse(where, "must be an object");
    if (!message.contains("role") || !message["role"].is_string()) {
      refuse(where + ".role", "must be \"system\", \"user\" or \"assistant\"");
    }
    if (!message.contains("content")) refuse(where + ".content", "is missing");
    const std::string role = message["role"].get<std::string>();
    const std::string content = message_content(message["content"], where);
    if (role == "system" || role == "developer") {
      system += (system.empty() ? "" : "\n") + content;
    } else if (role == "user" || role == "assistant") {
      turns.push_back({role, content});
    } else {
      refuse(where + ".role", "is \"" + role + "\": it must be system, user or assistant");
    }
  }
  if (turns.empty() || turns.back().role != "user") {
    refuse("messages", "must end with a user message: the model answers the last user turn");
  }
  if (!system.empty()) {
    for (text::ChatTurn& turn : turns) {
      if (turn.role != "user") continue;
      turn.content = system + "\n\n" + turn.content;
      break;
    }
  }
  return turns;
}

std::vector<std::string> read_stop(Fields& fields) {
  const json* stop = fields.get("stop");
  if (stop == nullptr) return {};
  std::vector<std::string> stops;
  if (stop->is_string()) {
    stops.push_back(stop->get<std::string>());
  } else if (stop->is_array() && stop->size() <= 4) {
    for (const json& s : *stop) {
      if (!s.is_string()) refuse("stop", "must hold strings, not " + std::string(s.type_name()));
      stops.push_back(s.get<std::string>());
    }
  } else {
    refuse("stop", "must be a string or an array of at most 4 strings");
  }
  for (const std::string& s : stops) {
    if (s.empty()) refuse("stop", "must not hold an empty string");
  }
  return stops;
}

}  // namespace

ApiRequest parse_api_request(const json& body, Endpoint endpoint) {
  Fields fields(body);
  ApiRequest request;
  request.endpoint = endpoint;
  request.model = fields.string("model");
  const bool chat = endpoint == Endpoint::kChatCompletions;
  if (chat) {
    request.messages = read_messages(fields);
    request.max_tokens = fields.integer("max_tokens", 1, 1 << 20);
    if (auto newer = fields.integer("max_completion_tokens", 1, 1 << 20))
      request.max_tokens = newer;
    const std::optional<bool> logprobs = fields.boolean("logprobs");
    const std::optional<std::int64_t> top = fields.integer("top_logprobs", 0, 20);
    if (top && !logprobs.value_or(false)) refuse("top_logprobs", "needs \"logprobs\": true");
    if (logprobs.value_or(false)) request.logprobs = static_cast<int>(top.value_or(0));
  } else {
    const json* prompt = fields.get("prompt");
    if (prompt == nullptr) refuse("prompt", "is missing");
    if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
      request.prompt = (*prompt)[0].get<std::string>();
    } else if (prompt->is_string()) {
      request.prompt = prompt->get<std::string>();
    } else {
      refuse("prompt",
             "must be a string (or an array of one string): token arrays and "
             "several prompts per request are not supported");
    }
    if (request.prompt.empty()) refuse("prompt", "is empty: give the model text to continue");
    request.max_tokens = fields.integer("max_tokens", 1, 1 << 20);
    if (auto logprobs = fields.integer("logprobs", 0, 5)) request.logprobs = int(*logprobs);
  }
  request.temperature = static_cast<float>(fields.number("temperature", 0, 2).value_or(1.0));
  request.top_p = static_cast<float>(fields.number("top_p", 0, 1).value_or(1.0));
  if (request.top_p <= 0) refuse("top_p", "must be above 0 (1 keeps every token)");
  request.stop = read_stop(fields);
  if (auto seed = fields.integer("seed", std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max())) {
    request.seed = static_cast<std::uint64_t>(*seed);
  }
  request.n = fields.integer("n", 1, 4).value_or(1);
  request.stream = fields.boolean("stream").value_or(false);
  if (const json* options = fields.get("stream_options")) {
    if (!request.stream) refuse("stream_options", "is only allowed with \"stream\": true");
    if (!options->is_object()) refuse("stream_options", "must be an object");
    for (const auto& [name, value] : options->items()) {
      if (name != "include_usage" || !value.is_boolean()) {
        refuse("stream_options", "may only hold \"include_usage\": true or false");
      }
      request.include_usage = value.get<bool>();
    }
  }
  if (request.stream && request.n > 1) refuse("n", "must be 1 when streaming");
  request.presence_penalty =
      static_cast<float>(fields.number("presence_penalty", -2, 2).value_or(0));
  request.frequency_penalty =
      static_cast<float>(fields.number("frequency_penalty", -2, 2).value_or(0));
  if (const json* user = fields.get("user"); user != nullptr && !user->is_string()) {
    refuse("user", "must be a string");
  }
  fields.refuse_the_rest();
  return request;
}

ServedModel served_model(models::PretrainedGpt& pretrained, std::string name,
                         std::int64_t reserved_positions) {
  return {.name = std::move(name),
          .model = &pretrained.model,
          .tokenizer = &pretrained.tokenizer,
          .chat = pretrained.chat,
          .end_of_text = pretrained.end_of_text,
          .context = pretrained.model.config().context_length - reserved_positions};
}

infer::Request engine_request(const ApiRequest& request, const ServedModel& served,
                              std::uint64_t seed) {
  infer::Request out;
  const bool chat = request.endpoint == Endpoint::kChatCompletions;
  if (chat) {
    if (!served.chat) {
      throw ApiError(400,
                     "model '" + served.name +
                         "' has no chat template (it was not "
                         "instruction-tuned): use /v1/completions",
                     "model");
    }
    out.prompt = served.chat->prompt(*served.tokenizer, request.messages);
    out.stop_tokens = {served.tokenizer->special_id(served.chat->end)};
  } else {
    out.prompt = served.tokenizer->encode(request.prompt);
    if (served.end_of_text) out.options.stop_token = served.end_of_text;
  }
  const auto prompt_tokens = static_cast<std::int64_t>(out.prompt.size());
  const std::int64_t room = served.context - prompt_tokens;
  if (room < 1) {
    throw ApiError(400,
                   "the prompt is " + std::to_string(prompt_tokens) +
                       " tokens: the model's "
                       "context of " +
                       std::to_string(served.context) + " tokens leaves no room for an answer",
                   chat ? "messages" : "prompt");
  }
  if (request.max_tokens && *request.max_tokens > room) {
    throw ApiError(400,
                   "max_tokens is " + std::to_string(*request.max_tokens) +
                       ", but the "
                       "prompt's " +
                       std::to_string(prompt_tokens) + " tokens leave room for " +
                       std::to_string(room) + " in the model's context of " +
                       std::to_string(served.context),
                   "max_tokens");
  }
  // OpenAI's defaults: 16 tokens for a completion, the rest of the context for a chat.
  out.options.max_new_tokens =
      request.max_tokens.value_or(chat ? room : std::min<std::int64_t>(16, room));
  out.options.sampling.temperature = request.temperature;
  out.options.sampling.top_p = request.top_p;
  out.options.seed = seed;
  out.options.usable_vocab = served.tokenizer->vocab_size();
  out.penalties.presence = request.presence_penalty;
  out.penalties.frequency = request.frequency_penalty;
  out.stop_strings = request.stop;
  out.logprobs = request.logprobs;
  return out;
}

}  // namespace tinygpt::serve
