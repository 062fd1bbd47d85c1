#include "data_efficiency.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::demo {

namespace {

double test_accuracy(const CurveOptions& options, std::int64_t examples, std::uint64_t seed,
                     bool scratch) {
  tune::FinetuneConfig config;
  config.model = options.model;
  config.data = options.data;
  config.out = options.out / ((scratch ? "scratch-" : "pretrained-") + std::to_string(examples) +
                              "-seed" + std::to_string(seed));
  std::filesystem::remove_all(config.out);
  config.task = "classify";
  config.method = "full";
  config.train_examples = examples;
  config.from_scratch = scratch;
  config.seed = seed;
  config.steps = options.steps;
  config.batch = options.batch;
  config.lr = 5e-4f;
  config.min_lr = 5e-5f;
  config.eval_interval = options.steps;
  config.eval_batches = 1;
  config.keep = 1;
  const tune::FinetuneResult result = tune::run_finetune(config);
  const auto report = nlohmann::json::parse(read_file(result.report));
  return report["groups"]["all"]["accuracy"].get<double>();
}

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", 100.0 * share);
  return text;
}

std::string mean_and_range(const std::vector<double>& values) {
  const double mean =
      std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return percent(mean) + " (" + percent(*low) + " to " + percent(*high) + ")";
}

double mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

std::vector<CurvePoint> run_data_efficiency(const CurveOptions& options, std::ostream& log) {
  const auto available =
      static_cast<std::int64_t>(tune::load_reviews(options.data, tune::Split::kTrain).size());
  std::vector<CurvePoint> points;
  for (const std::int64_t size : options.sizes) {
    CurvePoint point{size == 0 ? available : std::min(size, available), {}, {}};
    for (const std::uint64_t seed : options.seeds) {
      for (const bool scratch : {false, true}) {
        const double accuracy = test_accuracy(options, point.examples, seed, scratch);
        (scratch ? point.scratch : point.pretrained).push_back(accuracy);
        log << "  " << point.examples << " examples, seed " << seed << ", "
            << (scratch ? "from scratch" : "pre-trained") << ": " << percent(accuracy) << "%\n"
            << std::flush;
      }
    }
    points.push_back(point);
  }
  write_file_atomically(options.out / "curve.md", curve_table(points));
  std::vector<svg::Series> series = {{"pre-trained, mean of seeds", {}},
                                     {"from scratch, mean of seeds", {}}};
  for (const CurvePoint& point : points) {
    const double x = std::log2(static_cast<double>(point.examples));
    series[0].points.push_back({x, 100.0 * mean(point.pretrained)});
    series[1].points.push_back({x, 100.0 * mean(point.scratch)});
  }
  write_file_atomically(
      options.out / "curve.svg",
      svg::line_chart(series,
                      {.title = "Review sentiment: test accuracy against labelled examples (" +
                                std::to_string(options.steps) + " steps each)",
                       .x_label = "labelled examples, log2 (4 = 16, 6 = 64, 8 = 256, 10 = 1024)",
                       .y_label = "test accuracy %"}));
  return points;
}

std::string curve_table(const std::vector<CurvePoint>& points) {
  std::ostringstream md;
  md << "| labelled reviews | pre-trained: test accuracy %, mean (min to max) | from scratch | "
        "difference, points |\n|---:|---:|---:|---:|\n";
  for (const CurvePoint& point : points) {
    char difference[16];
    std::snprintf(difference, sizeof difference, "%+.1f",
                  100.0 * (mean(point.pretrained) - mean(point.scratch)));
    md << "| " << point.examples << " | " << mean_and_range(point.pretrained) << " | "
       << mean_and_range(point.scratch) << " | " << difference << " |\n";
  }
  return md.str();
}

}  // namespace tinygpt::demo
