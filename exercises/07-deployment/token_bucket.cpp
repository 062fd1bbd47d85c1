// Exercise 07.5: a token bucket.
// Lesson: steps/07-deployment/README.md, "Limits: who may ask how much".
// Check your work: tinygpt course check 07        Stuck? tinygpt course hint 07.5
#include <algorithm>

#include "tinygpt/core/check.h"
#include "tinygpt/serve/rate_limit.h"

namespace tinygpt::serve {

double TokenBucket::take(double cost, double now) {
  // Check cost and time, refill tokens_ for the time since last_ (never above capacity_),
  // then either take `cost` and return 0 or keep the tokens and return the wait.
  throw NotImplemented("exercise 07.5 (TokenBucket::take)");
}

}  // namespace tinygpt::serve
