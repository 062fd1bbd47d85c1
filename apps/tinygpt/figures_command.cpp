// `tinygpt figures`: makes the lessons' pictures that come from the library alone, so that
// they stay true to the code: step 01's (figures_step01.cpp), the learning-rate schedule of
// step 03 and the position tables of step 02 (the sinusoidal one, and the learned one of a
// trained GPT when --model is given).
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "figures.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/positions.h"
#include "tinygpt/train/schedule.h"

namespace tinygpt::cli {
namespace {

namespace fs = std::filesystem;

struct FiguresArgs {
  fs::path root = ".";
  fs::path model;
  int bigram_steps = 1500;
};

// A position table as a heatmap, every 8th position and dimension labelled.
std::string position_heatmap(ConstMatrixRef table, const std::string& title) {
  std::vector<std::string> rows;
  std::vector<std::string> columns;
  for (Eigen::Index t = 0; t < table.rows(); ++t)
    rows.push_back(t % 8 == 0 ? std::to_string(t) : "");
  for (Eigen::Index c = 0; c < table.cols(); ++c)
    columns.push_back(c % 8 == 0 ? std::to_string(c) : "");
  return svg::heatmap(table, rows, columns,
                      {.title = title,
                       .row_title = "position t",
                       .column_title = "dimension",
                       .cell_size = 7.0f,
                       .auto_range = true});
}

void run(const FiguresArgs& args) {
  TINYGPT_CHECK(fs::is_directory(args.root / "steps"), "--root ", args.root.string(),
                ": not the repository's root (no steps/ folder)");
  write_step01_figures(args.root, args.bigram_steps);
  // Step 03: the journey's schedule (700 steps, peak 3e-3, 70 warm-up steps, floor 3e-4).
  const train::WarmupCosineSettings schedule{3e-3f, 3e-4f, 70, 700};
  svg::Series rate{"learning rate", {}};
  for (std::int64_t step = 0; step <= 700; step += 5) {
    rate.points.push_back(
        {static_cast<double>(step), static_cast<double>(train::warmup_cosine_lr(step, schedule))});
  }
  write_figure(
      args.root / "steps/03-pretraining/images/schedule.svg",
      svg::line_chart({rate}, {.title = "Warm-up, then cosine decay: the journey's 700 steps",
                               .x_label = "step",
                               .y_label = "learning rate"}));
  // Step 02: the first 40 positions and 32 dimensions of a 64-wide sinusoidal table (a
  // picture of a few hundred kilobytes: every cell has its tooltip).
  Matrix sinusoidal(40, 64);
  nn::sinusoidal_positions(sinusoidal);
  write_figure(args.root / "steps/02-transformer/images/positions-sinusoidal.svg",
               position_heatmap(sinusoidal.leftCols(32),
                                "Sinusoidal positions: sin and cos of t / 10000^(2i/C)"));
  if (args.model.empty()) return;
  models::PretrainedGpt gpt = models::load_pretrained_gpt(args.model);
  TINYGPT_CHECK(gpt.model.parameters().contains("wpe.weight"), "--model ", args.model.string(),
                ": the GPT has no learned positions (wpe.weight)");
  const Parameter& wpe = gpt.model.parameters().at("wpe.weight");
  const Eigen::Map<const Matrix> table(wpe.value.data(), wpe.shape[0], wpe.shape[1]);
  write_figure(args.root / "steps/02-transformer/images/positions-learned.svg",
               position_heatmap(table.topLeftCorner(std::min<Eigen::Index>(40, table.rows()),
                                                    std::min<Eigen::Index>(32, table.cols())),
                                "Learned positions: the journey GPT's wpe after pre-training"));
}

}  // namespace

void write_figure(const fs::path& path, const std::string& svg) {
  write_file_atomically(path, svg);
  std::cout << "wrote " << path.string() << "\n";
}

void register_figures_command(CLI::App& app) {
  auto args = std::make_shared<FiguresArgs>();
  CLI::App* command = app.add_subcommand(
      "figures",
      "Make the lessons' pictures from the library (SVG, into steps/): step 01's spiral regions, "
      "BPE pair counts, autograd tape and bigram, step 02's position tables, step 03's schedule");
  command->add_option("--root", args->root, "The repository's root")->capture_default_str();
  command->add_option("--model", args->model,
                      "A trained GPT folder for the learned positions (the journey's "
                      ".tinygpt/journey/gpt/model)");
  command
      ->add_option("--bigram-steps", args->bigram_steps,
                   "SGD steps of step 01's bigram (the language demo's default)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->callback([args] { run(*args); });
}

}  // namespace tinygpt::cli
