// Continuous batching (infer/engine.h): a queue, slots of a KV cache, prefills on
// admission and one batched decode pass per step.
#include "tinygpt/infer/engine.h"

#include <algorithm>
#include <numeric>

#include "tinygpt/core/check.h"
#include "tinygpt/nn/softmax.h"

namespace tinygpt::infer {

namespace {

// The chosen token's log-probability and the `count` most likely tokens' (best first, the
// lower id first on ties), from the log-softmax of the logits the sampler saw.
void add_logprobs(TokenEvent& event, std::span<const float> logits, int count) {
  const auto vocab = static_cast<Eigen::Index>(logits.size());
  Matrix logprobs(1, vocab);
  nn::log_softmax_forward(logprobs, Eigen::Map<const Matrix>(logits.data(), 1, vocab));
  event.logprob = logprobs(0, *event.token);
  std::vector<std::int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  const auto top =
      static_cast<std::ptrdiff_t>(std::min(order.size(), static_cast<std::size_t>(count)));
  std::partial_sort(
      order.begin(), order.begin() + top, order.end(), [&](std::int32_t a, std::int32_t b) {
        return logprobs(0, a) > logprobs(0, b) || (logprobs(0, a) == logprobs(0, b) && a < b);
      });
  for (std::ptrdiff_t i = 0; i < top; ++i) event.top.push_back({order[i], logprobs(0, order[i])});
}

}  // namespace

Engine::Engine(models::Gpt& model, const EngineOptions& options)
    : model_(model),
      tokenizer_(options.tokenizer),
      adapter_(options.adapter),
      products_(options.products),
      cache_(model.config(), options.slots) {
  TINYGPT_CHECK(options.batch_invariant || options.weights == WeightFormat::kFloat32,
                "Engine: ", weight_format_name(options.weights),
                " weights are always batch-invariant; batch_invariant = false is for float32");
  if (options.batch_invariant && products_ == nullptr) weights_.emplace(options.weights);
  tape_.set_grad_enabled(false);
  // Slots are handed out lowest first.
  for (std::int64_t slot = options.slots - 1; slot >= 0; --slot) free_slots_.push_back(slot);
}

std::int64_t Engine::submit(Request request) {
  const models::ModelConfig& config = model_.config();
  models::check_generate(config, request.prompt, request.options);
  TINYGPT_CHECK(
      static_cast<std::int64_t>(request.prompt.size()) + virtual_tokens() <= config.context_length,
      "Engine::submit: the prompt has ", request.prompt.size(), " tokens, more than the ",
      config.context_length - virtual_tokens(), " the model's context of ", config.context_length,
      " leaves beside the adapter's ", virtual_tokens(), " virtual tokens");
  TINYGPT_CHECK(request.penalties.repetition >= 1.0f, "Engine::submit: the repetition penalty is ",
                request.penalties.repetition, "; it must be at least 1 (1: none)");
  TINYGPT_CHECK(request.logprobs >= -1 && request.logprobs <= 20, "Engine::submit: logprobs is ",
                request.logprobs, "; it must be -1 (none) or the alternatives to list, 0 to 20");
  for (std::size_t i = 0; i < request.stop_tokens.size(); ++i) {
    const std::int32_t token = request.stop_tokens[i];
    TINYGPT_CHECK(token >= 0 && token < config.vocab_size, "Engine::submit: stop token ", i, " is ",
                  token, ", outside the vocabulary [0, ", config.vocab_size, ")");
  }
  TINYGPT_CHECK(request.stop_strings.empty() || tokenizer_ != nullptr,
                "Engine::submit: stop strings need the engine to have a tokenizer");
  Sequence sequence;
  if (tokenizer_ != nullptr) {
    sequence.text.emplace(*tokenizer_, request.stop_strings);
  }
  sequence.history = request.prompt;
  const std::lock_guard<std::mutex> lock(mutex_);
  sequence.id = next_id_++;
  sequence.request = std::move(request);
  queue_.push_back(std::move(sequence));
  return queue_.back().id;
}

void Engine::cancel(std::int64_t request) {
  const std::lock_guard<std::mutex> lock(mutex_);
  cancelled_.push_back(request);
}

std::int64_t Engine::cached_tokens() const {
  std::int64_t tokens = 0;
  for (const Sequence& sequence : sequences_) tokens += cache_.length(sequence.slot);
  return tokens;
}

std::size_t Engine::queue_depth() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

void Engine::finish(Sequence& sequence, FinishReason reason, const std::string& error) {
  TokenEvent event{.request = sequence.id, .slot = sequence.slot, .finish = reason, .error = error};
  if (sequence.text) event.text = sequence.text->finish();
  if (sequence.request.on_event) sequence.request.on_event(event);
}

void Engine::free_slot(std::int64_t slot) {
  cache_.clear(slot);
  free_slots_.push_back(slot);
}

bool Engine::emit(Sequence& sequence, std::span<float> logits) {
  const Request& request = sequence.request;
  const models::GenerateOptions& options = request.options;
  if (request.penalties.any()) apply_penalties(logits, sequence.history, request.penalties);
  const std::int32_t token = models::choose_token(logits, options, sequence.generated);
  ++sequence.generated;
  sequence.history.push_back(token);
  TokenEvent event{.request = sequence.id, .slot = sequence.slot, .token = token};
  if (request.logprobs >= 0) {
    const std::size_t usable =
        options.usable_vocab > 0
            ? std::min(logits.size(), static_cast<std::size_t>(options.usable_vocab))
            : logits.size();
    add_logprobs(event, logits.first(usable), request.logprobs);
  }
  const bool stop_token = (options.stop_token && token == *options.stop_token) ||
                          std::find(request.stop_tokens.begin(), request.stop_tokens.end(),
                                    token) != request.stop_tokens.end();
  bool stop_string = false;
  if (sequence.text && !stop_token) {  // a stop token's text is never shown
    TextStream::Delta delta = sequence.text->push(token);
    event.text = std::move(delta.text);
    stop_string = delta.stopped;
  }
  if (stop_string || stop_token) {
    event.finish = FinishReason::kStop;
  } else if (sequence.generated >= options.max_new_tokens ||
             (cache_.length(sequence.slot) == cache_.capacity() &&
              model_.config().positions == models::Positions::kLearned)) {
    // Its length, or a full context of a model with learned positions, which has no
    // position P to put the next token at (as infer::generate). Other models slide on.
    event.finish = FinishReason::kLength;
  }
  // Text held back for a stop string that never came is shown at the end.
  if (event.finish && !stop_string && sequence.text) event.text += sequence.text->finish();
  if (request.on_event) request.on_event(event);
  return !event.finish;
}

models::RunOptions Engine::run_options() {
  models::MatrixProducts* products = products_ != nullptr ? products_
                                     : weights_           ? &*weights_
                                                          : nullptr;
  return {.cache = &cache_, .products = products, .adapter = adapter_};
}

std::int64_t Engine::virtual_tokens() const {
  return adapter_ != nullptr ? adapter_->virtual_tokens() : 0;
}

bool Engine::prefill(Sequence& sequence, std::span<const std::int32_t> tokens) {
  const auto time = static_cast<std::int64_t>(tokens.size());
  const auto vocab = static_cast<std::size_t>(model_.config().vocab_size);
  tape_.reset();
  cache_.bind({&sequence.slot, 1});  // an empty slot
  try {
    const Tensor logits = model_.forward(tape_, tokens, 1, {}, run_options());
    cache_.advance(virtual_tokens() + time);  // an adapter's virtual tokens come first
    return emit(sequence, {logits.data + static_cast<std::size_t>(time - 1) * vocab, vocab});
  } catch (const std::exception& error) {
    finish(sequence, FinishReason::kError, error.what());
    return false;
  }
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
      finish(*queued, FinishReason::kCancelled);
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
    finish(*sequence, FinishReason::kCancelled);
    sequence = release(sequence);
  }

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
      finish(sequence, FinishReason::kLength);
      continue;
    }
    sequence.slot = free_slots_.back();
    free_slots_.pop_back();
    if (prefill(sequence, sequence.request.prompt)) {
      sequences_.push_back(std::move(sequence));
    } else {
      free_slot(sequence.slot);
    }
  }

  // A sequence whose context is full (a model without learned positions; the others stop
  // at their context) starts a new window: its last P/2 tokens, read again in one prefill
  // at positions 0 .. P/2 - 1, which also chooses its next token.
  for (auto sequence = sequences_.begin(); sequence != sequences_.end();) {
    if (cache_.length(sequence->slot) < cache_.capacity()) {
      ++sequence;
      continue;
    }
    cache_.clear(sequence->slot);
    const std::span<const std::int32_t> history = sequence->history;
    const auto window = static_cast<std::size_t>(cache_.capacity() / 2);
    sequence = prefill(*sequence, history.last(window)) ? sequence + 1 : release(sequence);
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
      logits =
          model_.forward(tape_, last, static_cast<std::int64_t>(last.size()), {}, run_options());
    } catch (const std::exception& error) {
      // The pass was for all of them: none can go on, and their slots are freed.
      for (auto sequence = sequences_.begin(); sequence != sequences_.end();) {
        finish(*sequence, FinishReason::kError, error.what());
        sequence = release(sequence);
      }
      const std::lock_guard<std::mutex> lock(mutex_);
      return !queue_.empty();
    }
    cache_.advance(1);
    std::size_t row = 0;
    const auto vocab = static_cast<std::size_t>(model_.config().vocab_size);
    for (auto sequence = sequences_.begin(); sequence != sequences_.end(); ++row) {
      const std::span<float> scores(logits.data + row * vocab, vocab);
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
