// `tinygpt bigram`: trains a tokenizer and the bigram language model on real text, then
// reports loss, perplexity and bits per byte, and generates samples.
#include <iostream>

#include "commands.h"
#include "text_demo.h"

namespace tinygpt::cli {

namespace {
void add_text_demo_options(CLI::App& command, demo::TextDemoOptions& options) {
  command.add_option("--files", options.files, "UTF-8 text files to train on (default: fortunes)")
      ->check(CLI::ExistingFile);
  command.add_option("--tokenizer", options.tokenizer, "bpe or char")
      ->check(CLI::IsMember({"bpe", "char"}))
      ->capture_default_str();
  command.add_option("--vocab", options.vocab_size, "BPE vocabulary size")
      ->check(CLI::Range(257, 1 << 16))
      ->capture_default_str();
  command.add_option("--steps", options.training.steps, "SGD steps")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  command.add_option("--batch", options.training.batch_size, "token pairs per step")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  command
      .add_option("--lr", options.learning_rate,
                  "SGD learning rate (default: 100 for char, 300 for bpe)")
      ->check(CLI::PositiveNumber);
  command.add_option("--seed", options.training.seed, "seed of the batches and the samples")
      ->capture_default_str();
  command.add_option("--samples", options.samples, "texts to generate")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  command.add_option("--sample-tokens", options.sample_tokens, "tokens per generated text")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  command.add_option("--temperature", options.temperature, "0 = greedy, 1 = the model's own")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
}

}  // namespace

void register_bigram_command(CLI::App& app) {
  CLI::App* bigram = app.add_subcommand(
      "bigram", "Train a tokenizer and a bigram language model on real text and sample from it");
  auto options = std::make_shared<demo::TextDemoOptions>();
  add_text_demo_options(*bigram, *options);
  bigram->callback([options] {
    const demo::TextDemoResult result = demo::run_text_demo(*options, std::cout);
    demo::print_text_summary(result, std::cout);
  });
}

}  // namespace tinygpt::cli
