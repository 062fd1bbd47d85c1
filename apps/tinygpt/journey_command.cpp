// `tinygpt journey`: runs what every step has built so far, end to end, on this CPU.
#include <iostream>

#include "commands.h"
#include "spiral_demo.h"
#include "text_demo.h"

namespace tinygpt::cli {

void register_journey_command(CLI::App& app) {
  CLI::App* journey = app.add_subcommand(
      "journey", "Run the whole course end to end: what each step has built, in minutes");
  auto options = std::make_shared<demo::SpiralOptions>();  // the seed serves every demo
  journey->add_option("--seed", options->seed, "Seed of the data and the initial weights")
      ->capture_default_str();
  journey->add_option("--steps", options->steps, "Training steps of the step 01 demo")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  journey->callback([options] {
    std::cout << "== Step 01: tensors, autograd and gradient descent ==\n"
              << "A two-layer network learns to tell three interleaved spirals apart,\n"
              << "with the library's ops, its autograd tape and plain SGD.\n\n";
    const demo::SpiralResult spiral = demo::run_spiral_demo(*options, std::cout);
    demo::print_spiral_summary(spiral, std::cout);

    std::cout << "\n== Step 01: tokens and the first language model ==\n"
              << "A byte-level BPE tokenizer and a bigram model learn from Debian's fortunes:\n"
              << "the next token from the current one alone, the baseline to beat.\n\n";
    demo::TextDemoOptions text_options;
    text_options.training.seed = options->seed;
    const demo::TextDemoResult text = demo::run_text_demo(text_options, std::cout);
    demo::print_text_summary(text, std::cout);
  });
}

}  // namespace tinygpt::cli
