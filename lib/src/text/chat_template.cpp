#include "tinygpt/text/chat_template.h"

#include "tinygpt/core/check.h"

namespace tinygpt::text {

namespace {

std::int32_t marker_id(const BpeTokenizer& tokenizer, const std::string& marker) {
  TINYGPT_CHECK(tokenizer.has_special(marker), "the chat template needs the special token ", marker,
                " in the tokenizer (", tokenizer.describe(),
                "); fine-tune with --task instruct to add it");
  return tokenizer.special_id(marker);
}

}  // namespace

ChatTokens ChatTemplate::encode(const BpeTokenizer& tokenizer,
                                std::span<const ChatTurn> turns) const {
  const std::int32_t user_id = marker_id(tokenizer, user);
  const std::int32_t assistant_id = marker_id(tokenizer, assistant);
  const std::int32_t end_id = marker_id(tokenizer, end);
  ChatTokens out;
  const auto append = [&out](std::int32_t id, bool by_assistant) {
    out.ids.push_back(id);
    out.assistant.push_back(by_assistant ? 1 : 0);
  };
  for (const ChatTurn& turn : turns) {
    TINYGPT_CHECK(turn.role == "user" || turn.role == "assistant", "chat turn role '", turn.role,
                  "' is neither user nor assistant");
    const bool by_assistant = turn.role == "assistant";
    // The role marker is the prompt's: the model is given it and writes what follows.
    append(by_assistant ? assistant_id : user_id, false);
    for (const std::int32_t id : tokenizer.encode(turn.content)) append(id, by_assistant);
    append(end_id, by_assistant);
  }
  return out;
}

std::vector<std::int32_t> ChatTemplate::prompt(const BpeTokenizer& tokenizer,
                                               std::span<const ChatTurn> turns) const {
  std::vector<std::int32_t> ids = encode(tokenizer, turns).ids;
  ids.push_back(marker_id(tokenizer, assistant));
  return ids;
}

}  // namespace tinygpt::text
