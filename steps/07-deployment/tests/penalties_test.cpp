// Repetition, frequency and presence penalties (exercise 07.1): hand-computed values, the
// tokens that never occurred untouched, bad input; and in generation, a strong presence
// penalty that keeps greedy decoding from ever repeating a token.
#include <algorithm>
#include <set>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/infer/generate.h"
#include "tinygpt/infer/penalties.h"
#include "tinygpt/models/pretrained.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::contains;

TEST_CASE("penalties lower the logits of tokens seen, by hand-computed amounts",
          "[step07][penalties][ex07.1]") {
  std::vector<float> logits = {2.0f, -1.0f, 0.5f, 3.0f, -2.0f};
  const std::vector<std::int32_t> history = {0, 1, 1, 0, 1, 4};  // 0 twice, 1 three times, 4 once
  infer::apply_penalties(logits, history,
                         {.repetition = 2.0f, .frequency = 0.25f, .presence = 0.5f});
  // id 0: 2 / 2 - 0.25 * 2 - 0.5 = 0;  id 1: -1 * 2 - 0.25 * 3 - 0.5 = -3.25;
  // id 4: -2 * 2 - 0.25 - 0.5 = -4.75; ids 2 and 3 never occurred.
  CHECK_THAT(logits[0], WithinAbs(0.0, 1e-6));
  CHECK_THAT(logits[1], WithinAbs(-3.25, 1e-6));
  CHECK(logits[2] == 0.5f);
  CHECK(logits[3] == 3.0f);
  CHECK_THAT(logits[4], WithinAbs(-4.75, 1e-6));
}

TEST_CASE("no penalty and no history change nothing", "[step07][penalties][ex07.1]") {
  const std::vector<float> original = {1.5f, -0.5f, 0.0f};
  std::vector<float> logits = original;
  const std::vector<std::int32_t> history = {0, 1, 2, 2};
  infer::apply_penalties(logits, history, {});
  CHECK(logits == original);
  infer::apply_penalties(logits, {}, {.repetition = 3.0f, .frequency = 1.0f, .presence = 1.0f});
  CHECK(logits == original);
}

TEST_CASE("penalties refuse a repetition below 1 and ids outside the logits",
          "[step07][penalties][ex07.1]") {
  std::vector<float> logits(4, 0.0f);
  const std::vector<std::int32_t> history = {1};
  CHECK_THROWS_WITH(infer::apply_penalties(logits, history, {.repetition = 0.5f}),
                    contains("repetition penalty is 0.5"));
  const std::vector<std::int32_t> outside = {4};
  CHECK_THROWS_WITH(infer::apply_penalties(logits, outside, {.frequency = 1.0f}),
                    contains("id 4 of the history is outside the 4 logits"));
}

TEST_CASE("a strong presence penalty keeps greedy generation from repeating any token",
          "[step07][penalties]") {
  // The tiny GPT-2's greedy continuation repeats tokens (PyTorch's greedy ids of
  // expected.json hold 93 three times and 284 twice).
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  const std::vector<std::int32_t> prompt = {400, 271, 298, 351, 341, 460};
  models::GenerateOptions options;
  options.max_new_tokens = 20;
  options.sampling.temperature = 0.0f;
  const infer::Generation plain = infer::generate(gpt2.model, prompt, options);
  CHECK(std::set<std::int32_t>(plain.tokens.begin(), plain.tokens.end()).size() <
        plain.tokens.size());
  const infer::Generation penalised =
      infer::generate(gpt2.model, prompt, options, {.presence = 100.0f});
  std::set<std::int32_t> seen(prompt.begin(), prompt.end());
  for (const std::int32_t token : penalised.tokens) {
    CHECK(seen.insert(token).second);  // never a token of the prompt or one generated before
  }
}
