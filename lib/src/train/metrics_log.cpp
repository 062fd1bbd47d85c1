// The run's metrics.jsonl and its loss curve (metrics_log_detail.h).
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "metrics_log_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"

namespace tinygpt::train::detail {

namespace fs = std::filesystem;
using Json = nlohmann::json;

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
  svg::Series train{"train loss", {}}, validation{"validation loss", {}};
  std::istringstream in(read_file(metrics));
  std::string line;
  while (std::getline(in, line)) {
    const Json json = Json::parse(line, nullptr, false);
    if (!json.is_object()) continue;
    const double step = json.value("step", 0.0);
    train.points.push_back({step, json.value("loss", 0.0)});
    if (json.contains("val_loss")) validation.points.push_back({step, json.at("val_loss")});
  }
  if (train.points.empty()) return;
  std::vector<svg::Series> series = {train};
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
