// Generation with a KV cache (infer/generate.h).
#include "tinygpt/infer/generate.h"

#include "tinygpt/core/check.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/infer/kv_cache.h"

namespace tinygpt::infer {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
    case FinishReason::kError:
      return "error";
  }
  return "?";
}

Generation generate(models::Gpt& model, std::span<const std::int32_t> prompt,
                    const models::GenerateOptions& options, const Penalties& penalties) {
  const models::ModelConfig& config = model.config();
  models::check_generate(config, prompt, options);
  TINYGPT_CHECK(static_cast<std::int64_t>(prompt.size()) <= config.context_length,
                "generate: the prompt has ", prompt.size(),
                " tokens, more than the model's context of ", config.context_length);
  KvCache cache(config, 1);
  const std::int64_t slot = 0;
  models::RunOptions run;
  run.cache = &cache;
  Tape tape;
  NoGradGuard no_grad(tape);
  Generation result;
  // The first pass reads the whole prompt (prefill), every later one the last new token.
  std::vector<std::int32_t> input(prompt.begin(), prompt.end());
  std::vector<std::int32_t> history(prompt.begin(), prompt.end());  // what the penalties see
  for (std::int64_t i = 0; i < options.max_new_tokens; ++i) {
    const auto time = static_cast<std::int64_t>(input.size());
    if (cache.length(slot) + time > config.context_length) return result;  // kLength
    tape.reset();
    cache.bind({&slot, 1});
    const Tensor logits = model.forward(tape, input, 1, {}, run);
    cache.advance(time);
    const std::span<float> last(logits.data + (time - 1) * config.vocab_size,
                                static_cast<std::size_t>(config.vocab_size));
    if (penalties.any()) apply_penalties(last, history, penalties);
    const std::int32_t next = models::choose_token(last, options, i);
    result.tokens.push_back(next);
    history.push_back(next);
    if (options.on_token && !options.on_token(next)) {
      result.finish = FinishReason::kCancelled;
      return result;
    }
    if (options.stop_token && next == *options.stop_token) {
      result.finish = FinishReason::kStop;
      return result;
    }
    input.assign(1, next);
  }
  return result;  // max_new_tokens: kLength
}

}  // namespace tinygpt::infer
