// The engine's thread (engine_loop.h).
#include "engine_loop.h"

namespace tinygpt::serve {

EngineLoop::EngineLoop(infer::Engine& engine, MetricsRegistry& metrics)
    : engine_(engine),
      active_(
          metrics.gauge("tinygpt_active_sequences", "Sequences decoding in the engine's slots")),
      queue_depth_(metrics.gauge("tinygpt_queue_depth", "Requests waiting for a slot")),
      cache_used_(metrics.gauge("tinygpt_kv_cache_used_ratio",
                                "Share of the KV cache's positions the active sequences hold")),
      thread_([this] { run(); }) {}

EngineLoop::~EngineLoop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  woken_.notify_one();
  thread_.join();
}

void EngineLoop::wake() {
  {
    const std::lock_guard lock(mutex_);
    work_ = true;
  }
  woken_.notify_one();
}

std::int64_t EngineLoop::submit(infer::Request request) {
  const std::int64_t id = engine_.submit(std::move(request));
  wake();
  return id;
}

void EngineLoop::cancel(std::int64_t id) {
  engine_.cancel(id);
  wake();
}

void EngineLoop::run() {
  bool busy = false;  // the last step left requests queued or active
  while (true) {
    {
      std::unique_lock lock(mutex_);
      woken_.wait(lock, [&] { return stopping_ || work_ || busy; });
      if (stopping_) return;
      work_ = false;
    }
    busy = engine_.step();
    active_.set(static_cast<double>(engine_.active()));
    queue_depth_.set(static_cast<double>(engine_.queue_depth()));
    cache_used_.set(static_cast<double>(engine_.cached_tokens()) /
                    static_cast<double>(engine_.cache_capacity()));
  }
}

}  // namespace tinygpt::serve
