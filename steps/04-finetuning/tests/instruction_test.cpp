// Instruction tuning's pieces (tune/instruction_tuning.h, text/chat_template.h): the chat
// markers as new special tokens and embedding rows, the assistant flags, and a loss that
// only the assistant's tokens move (exercise 04.2).
#include <vector>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/text/chat_template.h"
#include "tinygpt/tune/instruction_tuning.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

text::BpeTokenizer small_tokenizer() {
  const std::string specials[] = {"<|endoftext|>"};
  return text::BpeTokenizer::train("the cat sat on the mat. what is 2 + 3? 5. copy this.", 280,
                                   specials);
}

}  // namespace

TEST_CASE("supervised_targets trains on the assistant's tokens only", "[step04][tune][ex04.2]") {
  const std::vector<std::int32_t> ids = {10, 11, 12, 13, 14, 15};
  const std::vector<std::uint8_t> trained = {0, 0, 0, 1, 1, 0};
  CHECK(tune::supervised_targets(ids, trained) ==
        std::vector<std::int32_t>{-1, -1, 13, 14, -1, -1});
  const std::vector<std::uint8_t> all(6, 1);
  CHECK(tune::supervised_targets(ids, all) == std::vector<std::int32_t>{11, 12, 13, 14, 15, -1});
  CHECK_THROWS_WITH(tune::supervised_targets(ids, std::vector<std::uint8_t>{1}), contains("flags"));
}

TEST_CASE("with_specials adds the chat markers after every id and keeps the rest",
          "[step04][tune]") {
  const text::BpeTokenizer base = small_tokenizer();
  const text::ChatTemplate chat;
  const text::BpeTokenizer extended = base.with_specials(chat.markers());
  CHECK(extended.vocab_size() == base.vocab_size() + 3);
  CHECK(extended.special_id("<|user|>") == base.vocab_size());
  CHECK(extended.special_id("<|end|>") == base.vocab_size() + 2);
  CHECK(extended.special_id("<|endoftext|>") == base.special_id("<|endoftext|>"));
  CHECK(extended.encode("the cat sat") == base.encode("the cat sat"));
  // Adding them again changes nothing.
  CHECK(extended.with_specials(chat.markers()).vocab_size() == extended.vocab_size());
}

TEST_CASE("the chat template flags the assistant's text and end marker", "[step04][tune]") {
  const text::ChatTemplate chat;
  const text::BpeTokenizer tokenizer = small_tokenizer().with_specials(chat.markers());
  const std::vector<text::ChatTurn> turns = {{"user", "what is 2 + 3?"}, {"assistant", "5."}};
  const text::ChatTokens tokens = chat.encode(tokenizer, turns);
  const std::vector<std::int32_t> question = tokenizer.encode("what is 2 + 3?");
  const std::vector<std::int32_t> answer = tokenizer.encode("5.");
  std::vector<std::int32_t> expected = {tokenizer.special_id("<|user|>")};
  expected.insert(expected.end(), question.begin(), question.end());
  expected.push_back(tokenizer.special_id("<|end|>"));
  expected.push_back(tokenizer.special_id("<|assistant|>"));
  expected.insert(expected.end(), answer.begin(), answer.end());
  expected.push_back(tokenizer.special_id("<|end|>"));
  CHECK(tokens.ids == expected);
  std::vector<std::uint8_t> flags(question.size() + 3, 0);
  flags.insert(flags.end(), answer.size() + 1, 1);
  CHECK(tokens.assistant == flags);
  // The prompt for the model's turn ends with the assistant's marker.
  const std::vector<std::int32_t> prompt = chat.prompt(tokenizer, std::span(turns.data(), 1));
  CHECK(prompt.back() == tokenizer.special_id("<|assistant|>"));
  CHECK_THROWS_WITH(chat.encode(small_tokenizer(), turns), contains("<|user|>"));
  const std::vector<text::ChatTurn> bad = {{"system", "hi"}};
  CHECK_THROWS_WITH(chat.encode(tokenizer, bad), contains("system"));
}

TEST_CASE("grow_vocabulary keeps every old score and starts new rows at the mean",
          "[step04][tune]") {
  auto gpt = testing::small_model<models::Gpt>(40, 8, 8, 1, 2);
  models::Gpt grown = tune::grow_vocabulary(gpt, 43);
  CHECK(grown.config().vocab_size == 43);
  const std::vector<std::int32_t> ids = {1, 5, 9, 39};
  Tape tape;
  NoGradGuard no_grad(tape);
  const Matrix old_logits = gpt.forward(tape, ids, 1).matrix();
  const Matrix new_logits = grown.forward(tape, ids, 1).matrix();
  CHECK((new_logits.leftCols(40) - old_logits).cwiseAbs().maxCoeff() == 0.0f);
  const Parameter& wte = gpt.parameters().at("wte.weight");
  const Parameter& grown_wte = grown.parameters().at("wte.weight");
  for (int c = 0; c < 8; ++c) {
    double mean = 0.0;
    for (int row = 0; row < 40; ++row) mean += wte.value[row * 8 + c];
    CHECK(grown_wte.value[41 * 8 + c] == Approx(mean / 40).margin(1e-6));
  }
  CHECK_THROWS_WITH(tune::grow_vocabulary(gpt, 30), contains("fewer"));
}

TEST_CASE("the instruction loss does not see the prompt's targets", "[step04][tune]") {
  const text::ChatTemplate chat;
  const text::BpeTokenizer tokenizer = small_tokenizer().with_specials(chat.markers());
  models::Gpt gpt({.family = models::Family::kGpt,
                   .vocab_size = tokenizer.vocab_size(),
                   .context_length = 64,
                   .width = 16,
                   .layers = 1,
                   .heads = 2});
  gpt.init(4);
  const std::vector<text::ChatTurn> turns = {{"user", "copy this."}, {"assistant", "copy this."}};
  const text::ChatTokens tokens = chat.encode(tokenizer, turns);
  // The loss of the same inputs with targets from `target_ids` (a copy with one id changed).
  const auto loss_with_targets = [&](const std::vector<std::int32_t>& target_ids,
                                     const std::vector<std::uint8_t>& trained) {
    Tape tape;
    NoGradGuard no_grad(tape);
    const Tensor logits = gpt.forward(tape, tokens.ids, 1);
    return nn::softmax_cross_entropy(tape, logits, tune::supervised_targets(target_ids, trained))
        .item();
  };
  std::vector<std::int32_t> changed = tokens.ids;
  changed[2] = (changed[2] + 1) % 250;  // a token of the user's text
  CHECK(tokens.assistant[2] == 0);
  CHECK(loss_with_targets(changed, tokens.assistant) ==
        loss_with_targets(tokens.ids, tokens.assistant));
  // The control: trained on every token, the same change moves the loss.
  const std::vector<std::uint8_t> all(tokens.ids.size(), 1);
  CHECK(loss_with_targets(changed, all) != loss_with_targets(tokens.ids, all));
}

TEST_CASE("chat_batch pads conversations and masks their targets", "[step04][tune]") {
  text::ChatTokens a{{1, 2, 3, 4}, {0, 0, 1, 1}};
  text::ChatTokens b{{5, 6}, {0, 1}};
  const text::ChatTokens* rows[] = {&a, &b};
  const tune::ChatBatch batch = tune::chat_batch(rows, 8);
  CHECK(batch.time == 4);
  CHECK(batch.inputs == std::vector<std::int32_t>{1, 2, 3, 4, 5, 6, 0, 0});
  CHECK(batch.targets == std::vector<std::int32_t>{-1, 3, 4, -1, 6, -1, -1, -1});
  CHECK(batch.mask == std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 0, 0});
}
