/// @file rate_limit.h
/// @brief A per-client rate limit: one token bucket per API key (or per address when the
/// server has no keys), so that one client cannot take every slot of the engine.
///
/// A bucket holds up to `capacity` tokens and gains `rate` tokens per second. A request
/// costs one token: with a token in the bucket it goes through at once, so a client may
/// send a burst of `capacity` requests; after that, one request per 1/rate seconds. A
/// refused request learns how long to wait (HTTP 429 with Retry-After), which a fixed window
/// counter ("60 per minute") cannot say as precisely and which lets a whole minute's
/// requests through in the first second.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tinygpt::serve {

/// @brief One client's bucket (not thread-safe; RateLimiter guards its buckets).
class TokenBucket {
 public:
  /// @param capacity the most tokens it holds (the burst), positive; it starts full.
  /// @param rate the tokens it gains per second, positive.
  /// @param now the current time in seconds (a monotonic clock).
  TokenBucket(double capacity, double rate, double now);

  /// @brief Takes `cost` tokens if the bucket has them (exercise 07.5).
  ///
  /// First the bucket refills: it gains rate x (now - the last refill), never beyond its
  /// capacity. Then, with at least `cost` tokens, it takes them and the answer is 0;
  /// otherwise it keeps its tokens and the answer is how many seconds until it will have
  /// `cost`. Error when `cost` is negative or above the capacity (it could never be paid),
  /// or when time runs backwards.
  /// @param cost the tokens to take, in [0, capacity] (0 only refills).
  /// @param now the current time in seconds, not before the previous call's.
  /// @return 0 when taken; otherwise the seconds to wait.
  double take(double cost, double now);

  /// @return the tokens in the bucket at the last refill.
  double tokens() const { return tokens_; }

 private:
  double capacity_;
  double rate_;
  double tokens_;  // at time last_
  double last_;    // the time of the last refill, seconds
};

/// @brief Token buckets by client, safe to call from every server thread.
class RateLimiter {
 public:
  /// @param requests_per_minute the sustained rate per client, positive.
  /// @param burst the requests a rested client may send at once, at least 1.
  RateLimiter(double requests_per_minute, double burst);

  /// @brief Admits one request of `client`.
  /// @param client the API key's name or the client's address.
  /// @param now the current time in seconds (a monotonic clock).
  /// @return 0 when admitted; otherwise the seconds until the client may try again.
  double admit(const std::string& client, double now);

 private:
  double burst_;
  double rate_;  // tokens per second
  std::mutex mutex_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace tinygpt::serve
