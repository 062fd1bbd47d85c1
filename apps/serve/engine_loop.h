// The engine's own thread: it steps the continuous batching while requests are queued or
// active and sleeps otherwise; HTTP threads submit and cancel from the outside.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "tinygpt/infer/engine.h"
#include "tinygpt/serve/metrics.h"

namespace tinygpt::serve {

/// @brief Runs an engine on a thread of its own and reports its state as gauges.
class EngineLoop {
 public:
  /// @param engine the engine; it must outlive the loop.
  /// @param metrics where the gauges go (active sequences, queue depth, KV-cache use).
  EngineLoop(infer::Engine& engine, MetricsRegistry& metrics);
  /// @brief Stops the thread (requests still under way get no more events).
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  /// @brief Queues a request and wakes the thread. Error from the engine for a request
  /// that can never run.
  /// @param request the request (its on_event runs on the engine's thread).
  /// @return its id.
  std::int64_t submit(infer::Request request);
  /// @brief Cancels a request (it ends with FinishReason::kCancelled at the next step).
  /// @param id the request.
  void cancel(std::int64_t id);

 private:
  void run();
  void wake();

  infer::Engine& engine_;
  Gauge& active_;
  Gauge& queue_depth_;
  Gauge& cache_used_;
  std::mutex mutex_;
  std::condition_variable woken_;
  bool work_ = false;  // something was submitted or cancelled since the last step
  bool stopping_ = false;
  std::thread thread_;  // last: it starts when everything above is ready
};

}  // namespace tinygpt::serve
