// Exercise 07.5: a token bucket. Reference solution.
#include <algorithm>

#include "tinygpt/core/check.h"
#include "tinygpt/serve/rate_limit.h"

namespace tinygpt::serve {

double TokenBucket::take(double cost, double now) {
  TINYGPT_CHECK(cost >= 0 && cost <= capacity_, "TokenBucket: a cost of ", cost, " is outside [0, ",
                capacity_, "]");
  TINYGPT_CHECK(now >= last_, "TokenBucket: time ", now, " is before the last refill at ", last_);
  // Refill for the time since the last call: rate tokens per second, up to the capacity.
  tokens_ = std::min(capacity_, tokens_ + rate_ * (now - last_));
  last_ = now;
  if (tokens_ >= cost) {
    tokens_ -= cost;
    return 0.0;
  }
  return (cost - tokens_) / rate_;  // the time the missing tokens take to arrive
}

}  // namespace tinygpt::serve
