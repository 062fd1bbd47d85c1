// `tinygpt plot`: several training runs in one chart, from their metrics.jsonl, e.g. the
// validation loss of four optimizers against the tokens they read:
//
//     tinygpt plot --run SGD=runs/sgd --run AdamW=runs/adamw --x tokens --y val_loss
//                  --out optimizers.svg
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
  std::string y = "val_loss";
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
  for (const std::string& text : args.runs) {
    const auto [name, metrics] = parse_run(text);
    svg::Series line = train::read_metric_series(metrics, args.x, args.y, args.smooth);
    line.name = name;
    series.push_back(std::move(line));
  }
  svg::LineChartOptions options;
  options.title = args.title.empty() ? axis_label(args.y) : args.title;
  options.x_label = axis_label(args.x);
  options.y_label = axis_label(args.y);
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
  command->add_option("--y", args->y, "The field along y: loss, val_loss, or another of the file's")
      ->capture_default_str();
  command
      ->add_option("--smooth", args->smooth,
                   "Average each y over this many lines (the training loss is noisy)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--title", args->title, "The chart's title (default: the y field)");
  command->add_option("--out", args->out, "The SVG file to write")->required();
  command->callback([args] { run(*args); });
}

}  // namespace tinygpt::cli
