// Token buckets by client (rate_limit.h); TokenBucket::take() is exercise 07.5
// (solutions/07-deployment/token_bucket.cpp).
#include "tinygpt/serve/rate_limit.h"

#include <cmath>
#include <iterator>

#include "tinygpt/core/check.h"

namespace tinygpt::serve {

TokenBucket::TokenBucket(double capacity, double rate, double now)
    : capacity_(capacity), rate_(rate), tokens_(capacity), last_(now) {
  TINYGPT_CHECK(std::isfinite(capacity) && capacity > 0, "TokenBucket: capacity ", capacity,
                " must be positive");
  TINYGPT_CHECK(std::isfinite(rate) && rate > 0, "TokenBucket: rate ", rate, " must be positive");
}

RateLimiter::RateLimiter(double requests_per_minute, double burst)
    : burst_(burst), rate_(requests_per_minute / 60.0) {
  TINYGPT_CHECK(std::isfinite(requests_per_minute) && requests_per_minute > 0,
                "rate limit: ", requests_per_minute, " requests per minute must be positive");
  TINYGPT_CHECK(std::isfinite(burst) && burst >= 1, "rate limit: a burst of ", burst,
                " requests must be at least 1");
}

double RateLimiter::admit(const std::string& client, double now) {
  const std::lock_guard lock(mutex_);
  // A bucket that has refilled completely is the same as a new one: forgetting such
  // buckets keeps the table as small as the set of recently active clients.
  constexpr std::size_t kForgetAbove = 10000;
  if (buckets_.size() > kForgetAbove) {
    for (auto entry = buckets_.begin(); entry != buckets_.end();) {
      entry->second.take(0.0, now);  // refills
      entry = entry->second.tokens() >= burst_ ? buckets_.erase(entry) : std::next(entry);
    }
  }
  auto [bucket, added] = buckets_.try_emplace(client, burst_, rate_, now);
  return bucket->second.take(1.0, now);
}

}  // namespace tinygpt::serve
