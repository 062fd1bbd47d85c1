// Soft prompts and prefix tuning (tune/prompt_tuning.h, nn/rows.h): the rows put ahead of
// every sequence and their gradients (exercise 04.7); a soft prompt started from a text is
// the model reading that text first; a prefix's MLP folds away exactly; the virtual tokens
// work with padding and the KV cache; bad settings are refused.
#include "tinygpt/tune/prompt_tuning.h"
#include "finetune_fixture.hpp"
#include "tinygpt/core/gradcheck.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/infer/kv_cache.h"
#include "tinygpt/nn/rows.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::random_matrix;

namespace {

// Logits of a GPT for a batch, with or without an adapter: (B, T, V) as values.
std::vector<float> logits_of(models::Gpt& gpt, std::span<const std::int32_t> ids,
                             std::int64_t batch, models::Adapter* adapter,
                             std::span<const std::uint8_t> mask = {}) {
  Tape tape;
  NoGradGuard no_grad(tape);
  models::RunOptions options;
  options.adapter = adapter;
  const Tensor logits = gpt.forward(tape, ids, batch, mask, options);
  return {logits.data, logits.data + logits.numel()};
}

// Gives a prefix's MLP (or its direct prefixes) other values than its init, by seed.
void randomise(ParameterSet& parameters, const tune::PeftAdapter& adapter, std::uint64_t seed) {
  std::uint64_t index = 0;
  for (Parameter& parameter : parameters) {
    if (adapter.owns(parameter.name)) {
      fill_normal(parameter.value, seed, RngStream::kDemo, index++, 0.0f, 0.5f);
    }
  }
}

}  // namespace

TEST_CASE("prepend_rows puts zeros and the prefix ahead of every sequence",
          "[step04][prompt][ex04.7]") {
  const Matrix x = random_matrix(6, 5, 1);  // B 2, T 3, W 5
  const Matrix prefix = random_matrix(2, 3, 2);
  Matrix out(10, 5);
  nn::prepend_rows_forward(out, x, prefix, 2);
  for (int b = 0; b < 2; ++b) {
    CHECK(out.block(b * 5, 0, 2, 2).isZero());
    CHECK(out.block(b * 5, 2, 2, 3) == prefix);
    CHECK(out.middleRows(b * 5 + 2, 3) == x.middleRows(b * 3, 3));
  }
  Matrix dx = Matrix::Zero(6, 5), dprefix = Matrix::Zero(2, 3);
  const Matrix dout = random_matrix(10, 5, 3);
  nn::prepend_rows_backward(dx, dprefix, dout, 2);
  CHECK(dprefix.isApprox(dout.block(0, 2, 2, 3) + dout.block(5, 2, 2, 3)));
  CHECK(dx.middleRows(3, 3) == dout.middleRows(7, 3));
  // A frozen prefix: dx alone.
  Matrix dx_only = Matrix::Zero(6, 5), none;
  nn::prepend_rows_backward(dx_only, none, dout, 2);
  CHECK(dx_only == dx);
}

TEST_CASE("prepend_rows and drop_leading_rows match finite differences",
          "[step04][prompt][ex04.7]") {
  ParameterSet inputs;
  inputs.add("x", Shape{2, 3, 6});
  inputs.add("prefix", Shape{2, 4});
  fill_normal(inputs.at("x").value, 11, RngStream::kDemo, 0, 0.0f, 1.0f);
  fill_normal(inputs.at("prefix").value, 11, RngStream::kDemo, 1, 0.0f, 1.0f);
  const std::vector<Tensor> tensors = {inputs.tensor("x"), inputs.tensor("prefix")};
  const GradCheckResult result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        const Tensor joined = nn::prepend_rows(tape, in[0], in[1]);
        return nn::drop_leading_rows(tape, joined, 1);  // keeps one prefix row of each
      },
      tensors, 1e-2f);
  INFO(result.str());
  CHECK(result.relative_error < 1e-3);
  Tape tape;
  const std::vector<float> wide(14, 1.0f);
  CHECK_THROWS_WITH(nn::prepend_rows(tape, inputs.tensor("x"), tape.constant(Shape{2, 7}, wide)),
                    contains("prepend_rows") && contains("K <= 6"));
}

TEST_CASE("a soft prompt started from a text is the model reading that text first",
          "[step04][prompt]") {
  models::Gpt gpt = testing::small_model<models::Gpt>(32, 24, 16, 2, 1);
  const std::vector<std::int32_t> prompt = {4, 9, 2};
  const std::vector<std::int32_t> text = {1, 5, 9, 2, 7, 3};
  std::vector<std::int32_t> both = prompt;
  both.insert(both.end(), text.begin(), text.end());
  const std::vector<float> whole = logits_of(gpt, both, 1, nullptr);
  const std::vector<float> base = logits_of(gpt, text, 1, nullptr);

  tune::SoftPrompt soft(gpt.parameters(), gpt.config(),
                        {.virtual_tokens = 3, .init = "text", .init_text = "x"}, prompt, 5);
  CHECK(soft.numel() == 3 * 16);
  CHECK(soft.owns("prompt_embeddings"));
  const std::vector<float> prompted = logits_of(gpt, text, 1, &soft);
  REQUIRE(prompted.size() == base.size());  // the virtual tokens' rows are dropped
  const std::vector<float> text_rows(whole.begin() + 3 * 32, whole.end());
  CHECK(testing::relative_error(prompted, text_rows) < 1e-6);
  CHECK(testing::relative_error(prompted, base) > 1e-3);
}

TEST_CASE("a prefix's MLP folds away: the saved prefixes give the same outputs",
          "[step04][prompt]") {
  models::Gpt trained = testing::small_model<models::Gpt>(32, 24, 16, 2, 1);
  tune::Prefix projected(trained.parameters(), trained.config(),
                         {.virtual_tokens = 4, .projection_hidden = 8}, 3);
  // E (4, 16), W_1 (16, 8) + b_1, and per layer W_2 (8, 32) + b_2.
  CHECK(projected.numel() == 4 * 16 + 16 * 8 + 8 + 2 * (8 * 32 + 32));
  randomise(trained.parameters(), projected, 9);
  const std::vector<std::int32_t> ids = {1, 5, 9, 2, 7, 3, 11, 4};
  const std::vector<float> before = logits_of(trained, ids, 2, &projected);

  models::Gpt folded_model = testing::small_model<models::Gpt>(32, 24, 16, 2, 1);
  tune::Prefix folded(folded_model.parameters(), folded_model.config(),
                      {.virtual_tokens = 4, .projection = false}, 0);
  CHECK(folded.numel() == 2 * 4 * 32);
  folded.set_key_values(projected.key_values());
  const double error = testing::relative_error(logits_of(folded_model, ids, 2, &folded), before);
  INFO("folded against projected: " << error);
  CHECK(error < 1e-6);
  CHECK(testing::relative_error(before, logits_of(trained, ids, 2, nullptr)) > 1e-3);
}

TEST_CASE("virtual tokens keep padding and the KV cache exact", "[step04][prompt]") {
  models::Gpt gpt = testing::small_model<models::Gpt>(32, 24, 16, 2, 1);
  tune::SoftPrompt soft(gpt.parameters(), gpt.config(), {.virtual_tokens = 3}, {}, 5);
  tune::Prefix prefix(gpt.parameters(), gpt.config(), {.virtual_tokens = 2}, 6);
  randomise(gpt.parameters(), prefix, 4);
  const std::vector<std::int32_t> text = {1, 5, 9, 2, 7};
  for (tune::PeftAdapter* adapter : std::vector<tune::PeftAdapter*>{&soft, &prefix}) {
    INFO(adapter->peft_type());
    const std::vector<float> alone = logits_of(gpt, text, 1, adapter);
    // Right padding: the real rows of a padded sequence are the unpadded ones.
    const std::vector<std::int32_t> padded = {1, 5, 9, 2, 7, 0, 0, 4, 4, 4, 4, 4, 4, 4};
    const std::vector<std::uint8_t> mask = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1};
    const std::vector<float> batch = logits_of(gpt, padded, 2, adapter, mask);
    CHECK(testing::relative_error(std::vector<float>(batch.begin(), batch.begin() + 5 * 32),
                                  alone) < 1e-6);

    // The cache: a prefill of the first 4 tokens (the virtual ones first), then the fifth.
    infer::KvCache cache(gpt.config(), 1);
    const std::int64_t slot = 0;
    models::RunOptions options;
    options.cache = &cache;
    options.adapter = adapter;
    Tape tape;
    NoGradGuard no_grad(tape);
    cache.bind({&slot, 1});
    gpt.forward(tape, std::span(text).first(4), 1, {}, options);
    cache.advance(adapter->virtual_tokens() + 4);
    tape.reset();
    cache.bind({&slot, 1});
    const Tensor last = gpt.forward(tape, std::span(text).last(1), 1, {}, options);
    const std::vector<float> cached(last.data, last.data + 32);
    CHECK(testing::relative_error(cached, std::vector<float>(alone.end() - 32, alone.end())) <
          1e-5);
  }
}

TEST_CASE("the engine generates through a soft prompt as the model does without a cache",
          "[step04][prompt]") {
  models::Gpt gpt = testing::small_model<models::Gpt>(32, 24, 16, 2, 1);
  tune::SoftPrompt soft(gpt.parameters(), gpt.config(), {.virtual_tokens = 4}, {}, 5);
  std::vector<std::int32_t> tokens = {3, 1, 4};
  // Greedy decoding by full passes, without a cache.
  std::vector<std::int32_t> expected;
  std::vector<std::int32_t> history = tokens;
  for (int i = 0; i < 6; ++i) {
    const std::vector<float> logits = logits_of(gpt, history, 1, &soft);
    const auto last = logits.end() - 32;
    const auto best = static_cast<std::int32_t>(std::max_element(last, logits.end()) - last);
    expected.push_back(best);
    history.push_back(best);
  }
  infer::Engine engine(gpt, {.slots = 2, .batch_invariant = false, .adapter = &soft});
  std::vector<std::int32_t> generated;
  engine.submit({.prompt = tokens,
                 .options = {.max_new_tokens = 6, .sampling = {.temperature = 0.0f}},
                 .on_event = [&](const infer::TokenEvent& event) {
                   if (event.token) generated.push_back(*event.token);
                 }});
  engine.run_until_idle();
  CHECK(generated == expected);
  // The prompt and the virtual tokens share the context: 21 + 4 > 24.
  CHECK_THROWS_WITH(engine.submit({.prompt = std::vector<std::int32_t>(21, 1)}),
                    contains("4 virtual tokens"));
}

TEST_CASE("bad prompt-tuning settings are refused with the setting and what is allowed",
          "[step04][prompt]") {
  const models::ModelConfig config = testing::tiny_finetune_config();  // context 192
  CHECK_THROWS_WITH(tune::check_prompt_settings({.virtual_tokens = 0}, config),
                    contains("--virtual-tokens must be in [1, 96]") && contains("got 0"));
  CHECK_THROWS_WITH(tune::check_prompt_settings({.virtual_tokens = 97}, config),
                    contains("got 97"));
  CHECK_THROWS_WITH(tune::check_prompt_settings({.init = "vocab"}, config),
                    contains("--prompt-init must be random or text"));
  CHECK_THROWS_WITH(tune::check_prompt_settings({.init = "text"}, config),
                    contains("--prompt-init-text"));
  models::Gpt gpt = testing::small_model<models::Gpt>(32, 24, 16, 2, 1);
  tune::Prefix prefix(gpt.parameters(), gpt.config(), {.virtual_tokens = 4}, 6);
  CHECK_THROWS_WITH(tune::Prefix(gpt.parameters(), gpt.config(), {.virtual_tokens = 4}, 6),
                    contains("already has prefix.embedding"));
  // 21 tokens and 4 virtual ones do not fit a context of 24.
  CHECK_THROWS_WITH(logits_of(gpt, std::vector<std::int32_t>(21, 1), 1, &prefix),
                    contains("4 virtual tokens and 21 tokens exceed the context length 24"));
  models::Seq2Seq seq2seq = testing::small_model<models::Seq2Seq>(32, 16, 16, 1, 1);
  tune::SoftPrompt soft(seq2seq.parameters(), seq2seq.config(), {.virtual_tokens = 2}, {}, 5);
  Tape tape;
  models::RunOptions options;
  options.adapter = &soft;
  const std::vector<std::int32_t> ids = {1, 2, 3};
  CHECK_THROWS_WITH(seq2seq.forward(tape, {ids, {}}, {ids, {}}, 1, options),
                    contains("an encoder-decoder takes LoRA"));
}
