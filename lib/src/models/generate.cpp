#include "tinygpt/models/generate.h"

#include <algorithm>

#include "tinygpt/core/check.h"
#include "tinygpt/core/tape.h"

namespace tinygpt::models {

void check_generate(const ModelConfig& config, std::span<const std::int32_t> prompt,
                    const GenerateOptions& options) {
  TINYGPT_CHECK(!prompt.empty(), "generate: the prompt is empty; give at least one token");
  TINYGPT_CHECK(options.usable_vocab >= 0, "generate: usable_vocab is ", options.usable_vocab,
                ", it must be 0 (all) or positive");
  TINYGPT_CHECK(options.max_new_tokens >= 0, "generate: max_new_tokens is ", options.max_new_tokens,
                ", it must be 0 or more");
  check_sampling(options.sampling, "generate");
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    TINYGPT_CHECK(prompt[i] >= 0 && prompt[i] < config.vocab_size, "generate: prompt token ", i,
                  " is ", prompt[i], ", outside the vocabulary [0, ", config.vocab_size, ")");
  }
}

std::int32_t choose_token(std::span<float> logits, const GenerateOptions& options,
                          std::int64_t index) {
  // Ids at or above usable_vocab have no text: sampling sees only the ids below it.
  const auto vocab = static_cast<std::int64_t>(logits.size());
  const std::int64_t usable =
      options.usable_vocab > 0 ? std::min(options.usable_vocab, vocab) : vocab;
  CounterRng rng(options.seed, RngStream::kSampling, static_cast<std::uint64_t>(index), 0);
  return sample_next(logits.first(static_cast<std::size_t>(usable)), options.sampling, rng);
}

std::vector<std::int32_t> generate(Gpt& model, std::span<const std::int32_t> prompt,
                                   const GenerateOptions& options) {
  const ModelConfig& config = model.config();
  check_generate(config, prompt, options);
  std::vector<std::int32_t> tokens(prompt.begin(), prompt.end());
  std::vector<std::int32_t> generated;
  Tape tape;
  NoGradGuard no_grad(tape);
  for (std::int64_t i = 0; i < options.max_new_tokens; ++i) {
    // The model sees at most context_length tokens: the most recent ones.
    const std::size_t window =
        std::min(tokens.size(), static_cast<std::size_t>(config.context_length));
    const std::span<const std::int32_t> context(tokens.data() + tokens.size() - window, window);
    tape.reset();
    const Tensor logits = model.forward(tape, context, 1);
    const std::int32_t next = choose_token({logits.data + (window - 1) * config.vocab_size,
                                            static_cast<std::size_t>(config.vocab_size)},
                                           options, i);
    tokens.push_back(next);
    generated.push_back(next);
    const bool keep_going = !options.on_token || options.on_token(next);
    if (!keep_going || (options.stop_token && next == *options.stop_token)) break;
  }
  return generated;
}

}  // namespace tinygpt::models
