// Prometheus metrics (serve/metrics.h): atomic numbers updated by many threads, a registry
// that maps name and labels to them under one mutex, and the text exposition format 0.0.4.
#include "tinygpt/serve/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>
#include <system_error>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"

namespace tinygpt::serve {
namespace {

// Adds to an atomic double with a compare-and-swap loop: read the value, compute the sum,
// store it only if nobody changed the value meanwhile, else retry with the value they left.
// (C++20's fetch_add on atomic<double> does the same, but spelt out it shows why a busy
// counter costs a retry, not a lock.)
void atomic_add(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

// Prometheus' names: [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, the same without ':' for labels
// (a colon marks the names of recording rules' results).
bool is_name(const std::string& name, bool colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Backslash and newline always, the double quote too inside a label value's quotes.
std::string escape(const std::string& text, bool quote) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else if (quote && c == '"') {
      escaped += "\\\"";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// The inside of a series' braces, label="value",... in the given order ("" for none).
std::string label_text(const std::vector<std::string>& names,
                       const std::vector<std::string>& values) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ',';
    text += names[i] + "=\"" + escape_label_value(values[i]) + '"';
  }
  return text;
}

// name{labels}, or name alone: how a series is written in the exposition and in errors.
std::string series_text(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + '{' + labels + '}';
}

void check_bounds(const std::string& series, const std::vector<double>& bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    TINYGPT_CHECK(std::isfinite(bounds[i]), "histogram ", series, ": bucket bound ",
                  format_metric_value(bounds[i]),
                  " is not finite (the +Inf bucket is always there; leave it out)");
    TINYGPT_CHECK(i == 0 || bounds[i - 1] < bounds[i], "histogram ", series,
                  ": bucket bounds must increase strictly, but ", format_metric_value(bounds[i]),
                  " follows ", format_metric_value(bounds[i > 0 ? i - 1 : 0]));
  }
}

enum class Kind { counter, gauge, histogram };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::counter:
      return "counter";
    case Kind::gauge:
      return "gauge";
    case Kind::histogram:
      return "histogram";
  }
  return "untyped";
}

// The sample names a family writes: a histogram's three, or the name itself. Two families
// must not share one, or a scrape would read two series of the same name and labels.
std::vector<std::string> sample_names(const std::string& name, Kind kind) {
  if (kind == Kind::histogram) return {name + "_bucket", name + "_sum", name + "_count"};
  return {name};
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string text = "(";
  for (std::size_t i = 0; i < names.size(); ++i) text += (i > 0 ? ", " : "") + names[i];
  return text + ")";
}

// One series: exactly one of the three is set, the one of its family's kind.
struct Series {
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
};

// Every series of one name: one type, help text, set of label names and bucket bounds.
struct Family {
  Kind kind = Kind::counter;
  std::string help;
  std::vector<std::string> label_names;  // in the order first given, the exposition's order
  std::vector<double> bounds;            // histograms only
  // Keyed by label values in label_names' order; a std::map so the exposition is sorted.
  std::map<std::vector<std::string>, Series> series;
};

}  // namespace

struct MetricsRegistry::State {
  std::map<std::string, Family> families;  // sorted by name, the exposition's order

  // The family of that name (created if new) and the series key of those labels, after
  // checking everything the exposition relies on. The caller holds the registry's mutex.
  std::pair<Family*, std::vector<std::string>> find(const std::string& name,
                                                    const std::string& raw_help, Kind kind,
                                                    const Labels& labels,
                                                    const std::vector<double>* bounds) {
    const char* kind_text = kind_name(kind);
    TINYGPT_CHECK(is_name(name, true), kind_text, " name '", name,
                  "' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    TINYGPT_CHECK(kind != Kind::counter || name.ends_with("_total"), "counter ", name,
                  ": a counter's name must end in _total (the OpenMetrics convention that "
                  "promtool's linter checks)");
    TINYGPT_CHECK(!raw_help.empty(), kind_text, " ", name,
                  ": the help text is empty (say what it measures, in its unit)");
    const std::string help = valid_utf8(raw_help);
    std::vector<std::string> names;
    for (const auto& [label, value] : labels) {
      TINYGPT_CHECK(is_name(label, false), kind_text, " ", name, ": label name '", label,
                    "' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
      TINYGPT_CHECK(label.rfind("__", 0) != 0, kind_text, " ", name, ": label name '", label,
                    "' starts with __, which Prometheus reserves for itself");
      TINYGPT_CHECK(kind != Kind::histogram || label != "le", "histogram ", name,
                    ": label name 'le' is reserved for the bucket bounds");
      TINYGPT_CHECK(std::find(names.begin(), names.end(), label) == names.end(), kind_text, " ",
                    name, ": label '", label, "' is given twice");
      names.push_back(label);
    }

    auto found = families.find(name);
    if (found == families.end()) {
      for (const auto& [other_name, other] : families) {
        for (const std::string& mine : sample_names(name, kind)) {
          for (const std::string& theirs : sample_names(other_name, other.kind)) {
            TINYGPT_CHECK(mine != theirs, kind_text, " ", name, " would write samples named ", mine,
                          ", which the ", kind_name(other.kind), " ", other_name,
                          " writes already");
          }
        }
      }
      Family family;
      family.kind = kind;
      family.help = help;
      family.label_names = names;
      if (bounds != nullptr) family.bounds = *bounds;
      found = families.emplace(name, std::move(family)).first;
    }
    Family& family = found->second;
    TINYGPT_CHECK(family.kind == kind, "metric ", name, " is a ", kind_name(family.kind),
                  ", asked for as a ", kind_text);
    TINYGPT_CHECK(family.help == help, kind_text, " ", name, " has the help text '", family.help,
                  "', asked for with '", help, "'");
    // Same label names in any order; the key follows the family's order.
    std::vector<std::string> key(family.label_names.size());
    bool same_names = names.size() == family.label_names.size();
    for (std::size_t i = 0; same_names && i < family.label_names.size(); ++i) {
      const auto at = std::find_if(labels.begin(), labels.end(), [&](const auto& label) {
        return label.first == family.label_names[i];
      });
      same_names = at != labels.end();
      if (same_names) key[i] = valid_utf8(at->second);
    }
    TINYGPT_CHECK(same_names, kind_text, " ", name, " has the labels ",
                  quoted_list(family.label_names), ", asked for with ", quoted_list(names));
    TINYGPT_CHECK(bounds == nullptr || *bounds == family.bounds, "histogram ", name,
                  " has other bucket bounds (", family.bounds.size(),
                  " of them): every series of a histogram needs the same buckets, or "
                  "histogram_quantile cannot add them up");
    return {&family, std::move(key)};
  }
};

Counter::Counter(std::string series) : series_(std::move(series)) {}

void Counter::inc(double amount) {
  TINYGPT_CHECK(std::isfinite(amount) && amount >= 0.0, "counter ", series_, ": inc(",
                format_metric_value(amount),
                ") refused; a counter only goes up (use a gauge for a value that goes down)");
  atomic_add(value_, amount);
}

double Counter::value() const {
  return value_.load(std::memory_order_relaxed);
}

Gauge::Gauge(std::string series) : series_(std::move(series)) {}

void Gauge::set(double value) {
  value_.store(value, std::memory_order_relaxed);
}

void Gauge::add(double amount) {
  atomic_add(value_, amount);
}

double Gauge::value() const {
  return value_.load(std::memory_order_relaxed);
}

Histogram::Histogram(std::string series, std::vector<double> bounds)
    : series_(std::move(series)), bounds_(std::move(bounds)) {
  check_bounds(series_, bounds_);
  buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  TINYGPT_CHECK(!std::isnan(value), "histogram ", series_, ": observe(NaN) refused");
  // Prometheus' buckets are "less than or equal": the first bound >= value (or +Inf).
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, value);
}

std::uint64_t Histogram::count() const {
  return cumulative_counts().back();
}

double Histogram::sum() const {
  return sum_.load(std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  // Each bucket is read once, so the running total never goes down, even while other
  // threads observe.
  std::vector<std::uint64_t> counts(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    counts[i] = total;
  }
  return counts;
}

MetricsRegistry::MetricsRegistry() : state_(std::make_unique<State>()) {}

MetricsRegistry::~MetricsRegistry() = default;

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  const std::lock_guard lock(mutex_);
  auto [family, key] = state_->find(name, help, Kind::counter, labels, nullptr);
  Series& series = family->series[key];
  if (!series.counter) {
    series.counter =
        std::make_unique<Counter>(series_text(name, label_text(family->label_names, key)));
  }
  return *series.counter;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  const std::lock_guard lock(mutex_);
  auto [family, key] = state_->find(name, help, Kind::gauge, labels, nullptr);
  Series& series = family->series[key];
  if (!series.gauge) {
    series.gauge = std::make_unique<Gauge>(series_text(name, label_text(family->label_names, key)));
  }
  return *series.gauge;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> bounds, const Labels& labels) {
  // Checked before the family exists, so bad bounds never become the family's bounds.
  check_bounds(name, bounds);
  const std::lock_guard lock(mutex_);
  auto [family, key] = state_->find(name, help, Kind::histogram, labels, &bounds);
  Series& series = family->series[key];
  if (!series.histogram) {
    series.histogram = std::make_unique<Histogram>(
        series_text(name, label_text(family->label_names, key)), std::move(bounds));
  }
  return *series.histogram;
}

std::string MetricsRegistry::exposition() const {
  const std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto& [name, family] : state_->families) {
    out << "# HELP " << name << ' ' << escape_help(family.help) << '\n';
    out << "# TYPE " << name << ' ' << kind_name(family.kind) << '\n';
    for (const auto& [key, series] : family.series) {
      const std::string labels = label_text(family.label_names, key);
      if (series.counter) {
        out << series_text(name, labels) << ' ' << format_metric_value(series.counter->value())
            << '\n';
      } else if (series.gauge) {
        out << series_text(name, labels) << ' ' << format_metric_value(series.gauge->value())
            << '\n';
      } else if (series.histogram) {
        const Histogram& histogram = *series.histogram;
        const std::vector<std::uint64_t> counts = histogram.cumulative_counts();
        const std::string prefix = labels.empty() ? "" : labels + ',';
        for (std::size_t i = 0; i < counts.size(); ++i) {
          const std::string le = i < histogram.bounds().size()
                                     ? format_metric_value(histogram.bounds()[i])
                                     : std::string("+Inf");
          out << name << "_bucket{" << prefix << "le=\"" << le << "\"} " << counts[i] << '\n';
        }
        out << series_text(name + "_sum", labels) << ' ' << format_metric_value(histogram.sum())
            << '\n';
        // The +Inf bucket of the same reading, so _count and +Inf always agree.
        out << series_text(name + "_count", labels) << ' ' << counts.back() << '\n';
      }
    }
  }
  return out.str();
}

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Below 2^53 every integer is exact in a double: print it whole, as counts read best.
  if (value == std::trunc(value) && std::abs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<std::int64_t>(value));
  }
  // The shortest text that parses back to the same double (Go's ParseFloat reads it too).
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  TINYGPT_CHECK(error == std::errc(), "format_metric_value: cannot format a double");
  return std::string(buffer, end);
}

std::string escape_label_value(const std::string& value) {
  return escape(value, true);
}

std::string escape_help(const std::string& help) {
  return escape(help, false);
}

}  // namespace tinygpt::serve
