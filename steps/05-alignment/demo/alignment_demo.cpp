#include "alignment_demo.h"

#include <chrono>
#include <iomanip>
#include <sstream>

#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"

namespace tinygpt::demo {

namespace fs = std::filesystem;

AlignmentJourneyResult run_alignment_journey(const AlignmentJourneyOptions& options,
                                             std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  AlignmentJourneyResult result;
  fs::remove_all(options.out / "align");
  log << "  adding preference pairs to the world\n";
  data::generate({.seed = options.seed, .size = options.world_bytes, .kinds = {"preferences"}},
                 options.out / "world");
  log << "\n  DPO: the chat model against a frozen copy of itself, on chosen/rejected pairs\n";
  align::AlignConfig config;
  config.model = options.out / "finetune" / "instruct" / "model";
  config.data = options.out / "world";
  config.out = options.out / "align" / "dpo";
  config.method = "dpo";
  config.beta = 0.1f;
  config.seed = options.seed;
  config.steps = options.steps;
  config.batch = options.batch;
  config.lr = 3e-5f;
  config.min_lr = 1e-6f;
  config.eval_interval = 20;
  config.eval_batches = 2;
  config.keep = 1;
  config.time_limit = options.time_limit;
  config.test_pairs = options.test_pairs;
  train::TrainCallbacks callbacks;
  callbacks.on_step = [&log](const train::StepReport& report) {
    if (report.step % 10 != 0 && !report.val_loss) return;
    log << "    step " << std::setw(4) << report.step << "/" << report.steps << "  loss "
        << std::fixed << std::setprecision(3) << report.loss;
    for (const auto& [name, value] : report.validation) log << "  val " << name << " " << value;
    log << "\n";
  };
  result.dpo = align::run_align(config, callbacks);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const fs::path report = options.out / "REPORT.md";
  const std::string before = fs::is_regular_file(report) ? read_file(report) : "";
  write_file_atomically(report, before + "\n" + alignment_report(options, result));
  return result;
}

std::string alignment_report(const AlignmentJourneyOptions& options,
                             const AlignmentJourneyResult& result) {
  std::ostringstream md;
  md << "## Step 05: alignment\n\n"
     << "Step 04's chat model aligned by **DPO** on the world's preference pairs (the chosen "
        "answer states the right fact, answers at all, or is polite), against a frozen copy "
        "of itself, "
     << result.dpo.training.last_step << " steps of " << options.batch << " pairs"
     << (result.dpo.training.time_limited ? " (**stopped early** by the time limit)" : "")
     << ". Test pairs whose chosen answer gets the higher implicit reward, then both models' "
        "greedy answers to the test questions judged by the world's ground truth:\n\n"
     << result.dpo.summary << "\n"
     << "Step 05 took " << std::fixed << std::setprecision(1) << result.seconds
     << " s. The model: " << result.dpo.model_dir.string() << "; try `tinygpt chat --model "
     << result.dpo.model_dir.string() << "`.\n";
  return md.str();
}

}  // namespace tinygpt::demo
