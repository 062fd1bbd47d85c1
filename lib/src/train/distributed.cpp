// The gradient averaging of data-parallel training (train/distributed.h), the same for
// every Communicator.
#include "tinygpt/train/distributed.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "tinygpt/core/check.h"

namespace tinygpt::train {

void agree_on_errors(Communicator& communicator, const std::function<void()>& work) {
  if (communicator.size() == 1) {
    work();  // alone there is nobody to tell, and the error keeps its own type
    return;
  }
  std::string message, check;
  bool failed = false;
  try {
    work();
  } catch (const Error& error) {
    message = error.what();
    check = error.check();
    failed = true;
  } catch (const std::exception& error) {
    message = error.what();
    failed = true;
  }
  if (!communicator.allreduce_any(failed)) return;
  const bool root_failed = communicator.allreduce_any(communicator.is_root() && failed);
  if (!failed) {
    throw AgreedError("another process of the job failed (its error is printed above)",
                      communicator.is_root() && !root_failed);
  }
  throw AgreedError(message, communicator.is_root() || !root_failed, check);
}

GradientAverager::GradientAverager(std::int64_t bucket_floats) {
  TINYGPT_CHECK(bucket_floats >= 1, "GradientAverager: a bucket needs at least 1 value, got ",
                bucket_floats);
  bucket_floats_ = static_cast<std::size_t>(bucket_floats);
}

double GradientAverager::average(Communicator& communicator, ParameterSet& parameters) {
  if (communicator.size() == 1) return 0.0;
  const auto start = std::chrono::steady_clock::now();
  // Allocated on first use only (a single process needs none), never larger than needed.
  if (bucket_.empty()) {
    bucket_.resize(std::min(bucket_floats_, static_cast<std::size_t>(parameters.numel())));
  }
  const float inverse = 1.0f / static_cast<float>(communicator.size());
  // A bucket holds consecutive pieces of gradients; a large gradient spans several buckets.
  std::size_t filled = 0;
  const auto flush = [&] {
    communicator.allreduce_sum(std::span<float>(bucket_.data(), filled));
    std::size_t offset = 0;
    for (const Piece& piece : pieces_) {
      for (std::size_t i = 0; i < piece.count; ++i) piece.grad[i] = bucket_[offset + i] * inverse;
      offset += piece.count;
    }
    pieces_.clear();
    filled = 0;
  };
  for (Parameter& parameter : parameters) {
    std::size_t done = 0;
    while (done < parameter.grad.size()) {
      const std::size_t count = std::min(parameter.grad.size() - done, bucket_.size() - filled);
      std::copy_n(parameter.grad.data() + done, count, bucket_.data() + filled);
      pieces_.push_back({parameter.grad.data() + done, count});
      filled += count;
      done += count;
      if (filled == bucket_.size()) flush();
    }
  }
  if (filled > 0) flush();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tinygpt::train
