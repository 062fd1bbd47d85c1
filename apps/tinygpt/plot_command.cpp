// `tinygpt plot`: several training runs in one chart, from their metrics.jsonl, e.g. the
// validation loss of four optimizers against the tokens they read:
//
//     tinygpt plot --run SGD=runs/sgd --run AdamW=runs/adamw --x tokens --y val_loss
//                  --out optimizers.svg
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/train/metrics.h"

namespace tinygpt::cli {
namespace {

namespace fs = std::filesystem;

struct PlotArgs {
  std::vector<std::string> runs;
  std::string x = "step";
  std::vector<std::string> y = {"val_loss"};
  std::int64_t smooth = 1;
  std::string title;
  fs::path out;
};

// What a chart's axis says for a metrics field.
std::string axis_label(const std::string& field) {
  if (field == "step") return "step";
  if (field == "tokens") return "tokens read";
  if (field == "train_s") return "training time (s)";
  if (field == "loss") return "training loss (nats)";
  if (field == "val_loss") return "validation loss (nats)";
  return field;
}

// The y axis of one field, or of several losses together.
std::string y_axis_label(const std::vector<std::string>& fields) {
  if (fields.size() == 1) return axis_label(fields.front());
  const bool losses = std::all_of(fields.begin(), fields.end(), [](const std::string& field) {
    return field == "loss" || field == "val_loss";
  });
  return losses ? "cross-entropy (nats)" : "value";
}

// "NAME=FOLDER" or "FOLDER" (named after the folder): a run's legend name and metrics file.
std::pair<std::string, fs::path> parse_run(const std::string& text) {
  const std::size_t equals = text.find('=');
  fs::path folder = equals == std::string::npos ? text : text.substr(equals + 1);
  std::string name =
      equals == std::string::npos ? folder.filename().string() : text.substr(0, equals);
  TINYGPT_CHECK(!name.empty() && !folder.empty(), "--run '", text,
                "': give a run folder, or NAME=FOLDER");
  TINYGPT_CHECK(fs::exists(folder), "--run '", text,
                "': no such folder; give a folder made by `tinygpt train`");
  const fs::path metrics = fs::is_directory(folder) ? folder / "metrics.jsonl" : folder;
  TINYGPT_CHECK(fs::is_regular_file(metrics), "--run '", text, "': the folder has no ",
                "metrics.jsonl; give a folder made by `tinygpt train`");
  return {name, metrics};
}

void run(const PlotArgs& args) {
  std::vector<svg::Series> series;
  std::cout << "line: last value (at " << args.x << "), lowest value (at " << args.x << ")\n";
  for (const std::string& text : args.runs) {
    const auto [name, metrics] = parse_run(text);
    for (const std::string& field : args.y) {
      // Only the training loss is logged every step, noisy enough to need smoothing.
      svg::Series line =
          train::read_metric_series(metrics, args.x, field, field == "loss" ? args.smooth : 1);
      line.name = args.y.size() == 1 ? name : name + ": " + field;
      // The figures a lesson quotes: where the line ends, and its lowest point (over-fitting
      // shows as a lowest validation loss before the end).
      const svg::Point last = line.points.back();
      const svg::Point lowest =
          *std::min_element(line.points.begin(), line.points.end(),
                            [](const svg::Point& a, const svg::Point& b) { return a.y < b.y; });
      std::cout << line.name << ": " << last.y << " (" << last.x << "), " << lowest.y << " ("
                << lowest.x << ")\n";
      series.push_back(std::move(line));
    }
  }
  svg::LineChartOptions options;
  options.y_label = y_axis_label(args.y);
  options.title = args.title.empty() ? options.y_label : args.title;
  options.x_label = axis_label(args.x);
  write_file_atomically(args.out, svg::line_chart(series, options));
  std::cout << "wrote " << args.out.string() << "\n";
}

}  // namespace

void register_plot_command(CLI::App& app) {
  auto args = std::make_shared<PlotArgs>();
  CLI::App* command = app.add_subcommand(
      "plot", "Draw several training runs in one chart from their metrics.jsonl (SVG)");
  command
      ->add_option("--run", args->runs,
                   "A run folder, or NAME=FOLDER (the name goes in the legend); repeat it")
      ->required();
  command
      ->add_option("--x", args->x,
                   "The field along x: step, tokens (read so far), train_s (training seconds)")
      ->capture_default_str();
  command
      ->add_option(
          "--y", args->y,
          "The field along y: loss, val_loss, or another of the file's; repeat it for several")
      ->capture_default_str();
  command
      ->add_option("--smooth", args->smooth,
                   "Average the training loss (loss) over this many steps: it is noisy")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--title", args->title, "The chart's title (default: the y field)");
  command->add_option("--out", args->out, "The SVG file to write")->required();
  command->callback([args] { run(*args); });
}

}  // namespace tinygpt::cli
