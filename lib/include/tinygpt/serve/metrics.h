/// @file metrics.h
/// @brief Prometheus metrics for the server: counters, gauges and latency histograms that
/// many HTTP threads update at once, and their text exposition (format 0.0.4) for /metrics.
///
/// Written here rather than taken from a client library because the whole of it is small:
/// a metric is one atomic number (or one per histogram bucket), and the registry is a map
/// from name and labels to those numbers that prints itself. A scrape reads the numbers
/// without stopping the threads that update them.
///
/// The exposition of a counter with labels, a gauge and a histogram looks like this:
///
///     # HELP tinygpt_queue_depth Requests waiting for a slot.
///     # TYPE tinygpt_queue_depth gauge
///     tinygpt_queue_depth 3
///     # HELP tinygpt_requests_total Requests answered, by endpoint and HTTP status.
///     # TYPE tinygpt_requests_total counter
///     tinygpt_requests_total{endpoint="/v1/completions",status="200"} 41
///     # HELP tinygpt_queue_seconds Time from arrival to the first decode step.
///     # TYPE tinygpt_queue_seconds histogram
///     tinygpt_queue_seconds_bucket{le="0.1"} 40
///     tinygpt_queue_seconds_bucket{le="+Inf"} 41
///     tinygpt_queue_seconds_sum 2.5
///     tinygpt_queue_seconds_count 41
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tinygpt::serve {

/// Label names and values of one series, e.g. {{"endpoint", "/v1/completions"},
/// {"status", "200"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// @brief A number that only goes up (requests, tokens); Prometheus' rate() turns it into a
/// rate per second and survives its reset when the server restarts.
class Counter {
 public:
  /// @param series the name and labels, as exposed (for error messages).
  explicit Counter(std::string series);
  /// @brief Adds to the counter, from any thread.
  /// @param amount how much; finite and >= 0 (a counter never goes down, or rate() would
  ///               read the drop as a restart), else Error.
  void inc(double amount = 1.0);
  /// @return the current value.
  double value() const;

 private:
  std::string series_;
  std::atomic<double> value_{0.0};
};

/// @brief A number that goes up and down (queue depth, active sequences, cache use).
class Gauge {
 public:
  /// @param series the name and labels, as exposed.
  explicit Gauge(std::string series);
  /// @brief Sets the gauge, from any thread.
  /// @param value the new value (NaN and infinities are exposed as Prometheus spells them).
  void set(double value);
  /// @brief Adds to the gauge atomically (a negative amount subtracts), from any thread.
  /// @param amount how much.
  void add(double amount);
  /// @return the current value.
  double value() const;

 private:
  std::string series_;
  std::atomic<double> value_{0.0};
};

/// @brief Counts observations (latencies) in buckets of upper bounds, plus their sum.
///
/// Buckets, not an average: an average hides the slow tail that users feel, and buckets
/// from many servers add up, so histogram_quantile() can estimate p99 across all of them.
/// Each bucket is one atomic count (of the observations that fell in it, not cumulative);
/// the exposition adds them up, so its "+Inf" bucket always equals its _count.
class Histogram {
 public:
  /// @param series the name and labels, as exposed.
  /// @param bounds upper bounds of the buckets, finite and strictly increasing (may be
  ///               empty); the "+Inf" bucket is implied. Else Error.
  Histogram(std::string series, std::vector<double> bounds);
  /// @brief Records one observation, from any thread.
  /// @param value the observation, e.g. seconds; not NaN (a NaN would turn the sum into
  ///              NaN forever), else Error. It counts in every bucket whose bound is >= it.
  void observe(double value);
  /// @return the number of observations.
  std::uint64_t count() const;
  /// @return the sum of the observations.
  double sum() const;
  /// @return the upper bounds, without the implied +Inf.
  const std::vector<double>& bounds() const { return bounds_; }
  /// @return cumulative counts, one per bound then one for +Inf (the exposed _bucket values).
  std::vector<std::uint64_t> cumulative_counts() const;

 private:
  std::string series_;
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1, last is +Inf
  std::atomic<double> sum_{0.0};
};

/// @brief All metrics of a server, by name and labels, and their text exposition.
///
/// counter(), gauge() and histogram() create a series on first use and return the same
/// object for the same name and labels afterwards; references stay valid as long as the
/// registry. Look a series up once (at start-up or per request) and keep the reference:
/// updates then cost one atomic operation, and only the lookup takes the registry's lock.
/// A name is one family: one type, one help text, one set of label names (and, for a
/// histogram, one set of bounds); asking for it with another is an Error naming it.
class MetricsRegistry {
 public:
  /// @brief An empty registry.
  MetricsRegistry();
  /// @brief Frees every metric: references handed out must not outlive it.
  ~MetricsRegistry();
  /// @brief Not copyable: the handed-out references point into this registry.
  MetricsRegistry(const MetricsRegistry&) = delete;
  /// @brief Not copyable: the handed-out references point into this registry.
  /// @return never.
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  /// @brief The counter of that name and labels, created at 0 on first use.
  /// @param name a Prometheus metric name ending in "_total" (OpenMetrics' convention,
  ///             which promtool's linter checks).
  /// @param help one line saying what it counts (required: promtool's linter wants it).
  /// @param labels label names and values; names valid and not starting with "__".
  /// @return the counter, valid for the registry's lifetime.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  /// @brief The gauge of that name and labels, created at 0 on first use.
  /// @param name a Prometheus metric name.
  /// @param help one line saying what it measures.
  /// @param labels label names and values.
  /// @return the gauge, valid for the registry's lifetime.
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  /// @brief The histogram of that name and labels, created empty on first use.
  /// @param name a Prometheus metric name (the exposition adds _bucket, _sum and _count).
  /// @param help one line saying what it measures.
  /// @param bounds bucket upper bounds, finite and strictly increasing, the same for every
  ///               series of the name; latency_buckets() for seconds.
  /// @param labels label names and values; "le" is reserved for the buckets.
  /// @return the histogram, valid for the registry's lifetime.
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       const Labels& labels = {});
  /// @brief The text exposition format 0.0.4 of every metric: families sorted by name, each
  /// with its HELP and TYPE lines once, then its series sorted by label values.
  /// @return the text, ending in a newline ("" for an empty registry); serve it with
  ///         Content-Type "text/plain; version=0.0.4; charset=utf-8".
  std::string exposition() const;

 private:
  struct State;
  mutable std::mutex mutex_;  // guards state_'s maps, not the metrics' values
  std::unique_ptr<State> state_;
};

/// @brief Bucket bounds for latencies in seconds, 1 ms to 60 s: fine below 0.1 s for the
/// inter-token and first-token latencies, coarse up to a minute for whole requests.
/// @return 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60.
std::vector<double> latency_buckets();

/// @brief A number as Prometheus' text format spells it: integers without exponent where
/// exact, otherwise the shortest form that reads back to the same double; "+Inf", "-Inf",
/// "NaN".
/// @param value the number.
/// @return its text.
std::string format_metric_value(double value);

/// @brief Escapes a label value for the exposition: backslash, double quote and newline.
/// @param value the raw value.
/// @return the escaped value, without the surrounding quotes.
std::string escape_label_value(const std::string& value);

/// @brief Escapes a HELP text for the exposition: backslash and newline.
/// @param help the raw text.
/// @return the escaped text.
std::string escape_help(const std::string& help);

}  // namespace tinygpt::serve
