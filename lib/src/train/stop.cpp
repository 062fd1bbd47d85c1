// Stopping a training run cleanly on request or on SIGINT/SIGTERM (train/loop.h).
#include <atomic>
#include <csignal>

#include "tinygpt/train/loop.h"

namespace tinygpt::train {

namespace {
// Lock-free, so setting it from a signal handler is safe.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void stop_signal_handler(int) {
  g_stop.store(true);
}
}  // namespace

void request_stop() {
  g_stop.store(true);
}
bool stop_requested() {
  return g_stop.load();
}
void clear_stop_request() {
  g_stop.store(false);
}

struct StopOnSignals::Saved {
  struct sigaction interrupt {};
  struct sigaction terminate {};
};

StopOnSignals::StopOnSignals() : saved_(new Saved) {
  struct sigaction action {};
  action.sa_handler = stop_signal_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, &saved_->interrupt);
  sigaction(SIGTERM, &action, &saved_->terminate);
}

StopOnSignals::~StopOnSignals() {
  sigaction(SIGINT, &saved_->interrupt, nullptr);
  sigaction(SIGTERM, &saved_->terminate, nullptr);
  delete saved_;
}

}  // namespace tinygpt::train
