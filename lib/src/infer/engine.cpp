// Continuous batching (infer/engine.h): a queue, slots of a KV cache, prefills on
// admission and one batched decode pass per step.
#include "tinygpt/infer/engine.h"

#include <algorithm>

#include "tinygpt/core/check.h"

namespace tinygpt::infer {

Engine::Engine(models::Gpt& model, std::int64_t slots)
    : model_(model), cache_(model.config(), slots) {
  tape_.set_grad_enabled(false);
  // Slots are handed out lowest first.
  for (std::int64_t slot = slots - 1; slot >= 0; --slot) free_slots_.push_back(slot);
}

std::int64_t Engine::submit(Request request) {
  const models::ModelConfig& config = model_.config();
  models::check_generate(config, request.prompt, request.options);
  TINYGPT_CHECK(static_cast<std::int64_t>(request.prompt.size()) <= config.context_length,
                "Engine::submit: the prompt has ", request.prompt.size(),
                " tokens, more than the model's context of ", config.context_length);
  TINYGPT_CHECK(request.penalties.repetition >= 1.0f, "Engine::submit: the repetition penalty is ",
                request.penalties.repetition, "; it must be at least 1 (1: none)");
  const std::lock_guard<std::mutex> lock(mutex_);
  Sequence sequence;
  sequence.id = next_id_++;
  sequence.history = request.prompt;
  sequence.request = std::move(request);
  queue_.push_back(std::move(sequence));
  return queue_.back().id;
}

void Engine::cancel(std::int64_t request) {
  const std::lock_guard<std::mutex> lock(mutex_);
  cancelled_.push_back(request);
}

std::size_t Engine::queue_depth() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

void Engine::finish(Sequence& sequence, FinishReason reason, std::optional<std::int32_t> token,
                    const std::string& error) {
  if (sequence.request.on_event) sequence.request.on_event({sequence.id, token, reason, error});
}

void Engine::free_slot(std::int64_t slot) {
  cache_.clear(slot);
  free_slots_.push_back(slot);
}

bool Engine::emit(Sequence& sequence, std::span<float> logits) {
  const models::GenerateOptions& options = sequence.request.options;
  if (sequence.request.penalties.any()) {
    apply_penalties(logits, sequence.history, sequence.request.penalties);
  }
  const std::int32_t token = models::choose_token(logits, options, sequence.generated);
  ++sequence.generated;
  sequence.history.push_back(token);
  std::optional<FinishReason> reason;
  if (options.stop_token && token == *options.stop_token) {
    reason = FinishReason::kStop;
  } else if (sequence.generated >= options.max_new_tokens ||
             cache_.length(sequence.slot) + 1 > cache_.capacity()) {
    reason = FinishReason::kLength;  // its length, or a full context (as infer::generate)
  }
  if (reason) {
    finish(sequence, *reason, token);
    return false;
  }
  if (sequence.request.on_event) sequence.request.on_event({sequence.id, token, std::nullopt});
  return true;
}

bool Engine::step() {
  std::vector<std::int64_t> cancelled;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    cancelled.swap(cancelled_);
    // A request cancelled before it got a slot ends here.
    for (auto queued = queue_.begin(); queued != queue_.end();) {
      if (std::find(cancelled.begin(), cancelled.end(), queued->id) == cancelled.end()) {
        ++queued;
        continue;
      }
      finish(*queued, FinishReason::kCancelled, std::nullopt);
      queued = queue_.erase(queued);
    }
  }
  const auto release = [this](std::vector<Sequence>::iterator sequence) {
    free_slot(sequence->slot);
    return sequences_.erase(sequence);
  };
  for (auto sequence = sequences_.begin(); sequence != sequences_.end();) {
    if (std::find(cancelled.begin(), cancelled.end(), sequence->id) == cancelled.end()) {
      ++sequence;
      continue;
    }
    finish(*sequence, FinishReason::kCancelled, std::nullopt);
    sequence = release(sequence);
  }

  models::RunOptions run;
  run.cache = &cache_;
  const std::int64_t vocab = model_.config().vocab_size;
  // Admissions: each waiting request gets a free slot and its prefill pass, which also
  // chooses its first token.
  while (!free_slots_.empty()) {
    Sequence sequence;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) break;
      sequence = std::move(queue_.front());
      queue_.pop_front();
    }
    if (sequence.request.options.max_new_tokens == 0) {
      finish(sequence, FinishReason::kLength, std::nullopt);
      continue;
    }
    sequence.slot = free_slots_.back();
    free_slots_.pop_back();
    const auto time = static_cast<std::int64_t>(sequence.request.prompt.size());
    tape_.reset();
    cache_.bind({&sequence.slot, 1});  // a free slot is empty (free_slot cleared it)
    bool goes_on = false;
    try {
      const Tensor logits = model_.forward(tape_, sequence.request.prompt, 1, {}, run);
      cache_.advance(time);
      goes_on = emit(sequence, {logits.data + (time - 1) * vocab, static_cast<std::size_t>(vocab)});
    } catch (const std::exception& error) {
      finish(sequence, FinishReason::kError, std::nullopt, error.what());
    }
    if (goes_on) {
      sequences_.push_back(std::move(sequence));
    } else {
      free_slot(sequence.slot);
    }
  }

  // One decode pass: the last token of every active sequence, one row each.
  if (!sequences_.empty()) {
    std::vector<std::int64_t> slots;
    std::vector<std::int32_t> last;
    for (const Sequence& sequence : sequences_) {
      slots.push_back(sequence.slot);
      last.push_back(sequence.history.back());
    }
    tape_.reset();
    cache_.bind(slots);
    Tensor logits;
    try {
      logits = model_.forward(tape_, last, static_cast<std::int64_t>(last.size()), {}, run);
    } catch (const std::exception& error) {
      // The pass was for all of them: none can go on, and their slots are freed.
      for (auto sequence = sequences_.begin(); sequence != sequences_.end();) {
        finish(*sequence, FinishReason::kError, std::nullopt, error.what());
        sequence = release(sequence);
      }
      const std::lock_guard<std::mutex> lock(mutex_);
      return !queue_.empty();
    }
    cache_.advance(1);
    std::size_t row = 0;
    for (auto sequence = sequences_.begin(); sequence != sequences_.end(); ++row) {
      const std::span<float> scores(logits.data + row * static_cast<std::size_t>(vocab),
                                    static_cast<std::size_t>(vocab));
      sequence = emit(*sequence, scores) ? sequence + 1 : release(sequence);
    }
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  return !sequences_.empty() || !queue_.empty();
}

void Engine::run_until_idle() {
  while (step()) {
  }
}

}  // namespace tinygpt::infer
