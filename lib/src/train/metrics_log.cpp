// The run's metrics.jsonl and its loss curve (metrics_log_detail.h).
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../core/jsonl.h"
#include "metrics_log_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/train/metrics.h"

namespace tinygpt::train {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

// The points of read_metric_series, none when no line has both fields; `fields` gets the
// first line's field names.
svg::Series metric_points(const fs::path& metrics, std::string_view x, std::string_view y,
                          std::int64_t smooth, std::string& fields) {
  TINYGPT_CHECK(smooth >= 1, "read_metric_series: smooth must be at least 1, got ", smooth);
  svg::Series series{std::string(y), {}};
  std::vector<double> window;  // the last `smooth` values of y
  // Ordered, so that a message lists the fields as the file has them.
  tinygpt::detail::for_each_jsonl_object<nlohmann::ordered_json>(
      metrics, [&](const nlohmann::ordered_json& json, const std::string& where) {
        if (fields.empty()) {
          for (const auto& [key, value] : json.items())
            fields += (fields.empty() ? "" : ", ") + key;
        }
        const auto x_field = json.find(x);
        const auto y_field = json.find(y);
        if (x_field == json.end() || y_field == json.end()) return;
        TINYGPT_CHECK(x_field->is_number() && y_field->is_number(), where, ": '", x, "' and '", y,
                      "' must be numbers");
        window.push_back(y_field->get<double>());
        if (static_cast<std::int64_t>(window.size()) > smooth) window.erase(window.begin());
        double sum = 0.0;
        for (const double value : window) sum += value;
        series.points.push_back({x_field->get<double>(), sum / static_cast<double>(window.size())});
      });
  return series;
}

}  // namespace

svg::Series read_metric_series(const fs::path& metrics, std::string_view x, std::string_view y,
                               std::int64_t smooth) {
  std::string fields;
  svg::Series series = metric_points(metrics, x, y, smooth, fields);
  TINYGPT_CHECK(!series.points.empty(), metrics.string(), ": no line has both '", x, "' and '", y,
                "' (its fields: ", fields.empty() ? "none" : fields, ")");
  return series;
}

}  // namespace tinygpt::train

namespace tinygpt::train::detail {

namespace {

// Keeps the lines of metrics.jsonl up to `step` (a resumed run redoes the later ones).
void truncate_metrics(const fs::path& path, std::int64_t step) {
  if (!fs::is_regular_file(path)) return;
  std::istringstream in(read_file(path));
  std::string kept, line;
  while (std::getline(in, line)) {
    const Json json = Json::parse(line, nullptr, false);
    if (json.is_object() && json.contains("step") && json.at("step").get<std::int64_t>() <= step) {
      kept += line + "\n";
    }
  }
  write_file_atomically(path, kept);
}

void draw_loss_curve(const fs::path& metrics, const fs::path& svg_path) {
  std::string fields;
  svg::Series train = metric_points(metrics, "step", "loss", 1, fields);
  if (train.points.empty()) return;
  train.name = "train loss";
  std::vector<svg::Series> series = {train};
  // A run stopped early (a signal, the time limit) may have no validation yet.
  svg::Series validation = metric_points(metrics, "step", "val_loss", 1, fields);
  validation.name = "validation loss";
  if (!validation.points.empty()) series.push_back(validation);
  svg::LineChartOptions options;
  options.title = "loss";
  options.x_label = "step";
  options.y_label = "cross-entropy (nats)";
  write_file_atomically(svg_path, svg::line_chart(series, options));
}

}  // namespace

MetricsLog::MetricsLog(const fs::path& path, std::int64_t first_step) : path_(path) {
  if (first_step == 0) {
    write_file_atomically(path, "");
  } else {
    truncate_metrics(path, first_step);
  }
  file_.open(path, std::ios::app);
  TINYGPT_CHECK(file_.good(), "cannot append to ", path.string());
}

void MetricsLog::append(const StepReport& report, bool with_allreduce) {
  nlohmann::ordered_json line;
  line["step"] = report.step;
  line["loss"] = report.loss;
  line["lr"] = report.lr;
  line["grad_norm"] = report.grad_norm;
  line["tokens_per_s"] = report.tokens_per_second;
  line["tokens"] = report.tokens;
  line["train_s"] = report.training_seconds;
  if (with_allreduce) line["allreduce_s"] = report.allreduce_seconds;
  if (report.val_loss) line["val_loss"] = *report.val_loss;
  for (const auto& [name, value] : report.validation) {
    if (name != "loss") line["val_" + name] = value;
  }
  file_ << line.dump() << "\n" << std::flush;
}

void MetricsLog::finish(const fs::path& svg) {
  file_.close();
  draw_loss_curve(path_, svg);
}

}  // namespace tinygpt::train::detail
