// `tinygpt eval eda`: a copy of a world whose training reviews are the first N, with or
// without EDA's copies of each (eval/augment.h), to fine-tune a classifier on few labels.
#include <iostream>
#include <memory>

#include "eval_command.h"
#include "tinygpt/eval/augment.h"

namespace tinygpt::cli {

void register_eval_eda(CLI::App& eval) {
  struct Args {
    std::filesystem::path data;
    std::filesystem::path out;
    std::int64_t labels = 0;
    eval::EdaOptions options;
    double alpha = 0.1;
    std::uint64_t seed = 1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = eval.add_subcommand(
      "eda", "Write a world copy with the first N training reviews and EDA copies of each");
  command->add_option("--data", args->data, "The world folder (read only)")->required();
  command->add_option("--out", args->out, "The world copy: a new or empty folder")->required();
  command->add_option("--labels", args->labels, "Training reviews kept, the first ones (0: all)")
      ->capture_default_str();
  command->add_option("--copies", args->options.copies, "EDA copies per review (0: none)")
      ->capture_default_str();
  command
      ->add_option("--alpha", args->alpha,
                   "Share of words SR replaces, RI inserts and RS swaps, and RD's deletion "
                   "probability")
      ->capture_default_str();
  command->add_option("--seed", args->seed, "The augmentation's seed")->capture_default_str();
  command->callback([args] {
    eval::EdaOptions options = args->options;
    options.alpha_sr = options.alpha_ri = options.alpha_rs = options.p_rd = args->alpha;
    const eval::EdaWorld written =
        eval::write_eda_world(args->data, args->out, args->labels, options, args->seed);
    std::cout << args->out.string() << ": " << written.originals << " training reviews and "
              << written.copies << " EDA copies, every dev and test review\n";
  });
}

}  // namespace tinygpt::cli
