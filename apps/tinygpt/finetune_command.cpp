// `tinygpt finetune`: adapts a pre-trained model folder to a task (tune/finetune.h), with
// everything `tinygpt train` has: progress line, metrics, loss curve, checkpoints with
// exact resume, a clean stop on Ctrl-C. Prints the test split's figures at the end.
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "data_efficiency.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/tune/finetune.h"
#include "training_options.h"

namespace tinygpt::cli {
namespace {

struct FinetuneArgs {
  std::filesystem::path train_config;
  tune::FinetuneConfig config;
  std::int64_t print_every = 10;
  bool prefix_direct = false;  // --prefix-direct: PromptSettings::projection off
};

void run(FinetuneArgs& args, const CLI::App& command) {
  tune::FinetuneConfig config;
  if (!args.train_config.empty()) {
    config = tune::parse_finetune_config(read_train_config(args.train_config), args.train_config);
  }
  // Options given on the command line win over the config file.
  const auto given = [&command](const char* name) { return command.count(name) > 0; };
  const tune::FinetuneConfig& cli = args.config;
  apply_loop_options(command, cli, config);
  if (given("--model")) config.model = cli.model;
  if (given("--data")) config.data = cli.data;
  if (given("--task")) config.task = cli.task;
  if (given("--method")) config.method = cli.method;
  if (given("--top-k")) config.top_k = cli.top_k;
  if (given("--train-examples")) config.train_examples = cli.train_examples;
  if (given("--hold-out-skill")) config.hold_out_skill = cli.hold_out_skill;
  if (given("--from-scratch")) config.from_scratch = cli.from_scratch;
  if (given("--context")) config.context = cli.context;
  if (given("--test-per-skill")) config.test_per_skill = cli.test_per_skill;
  if (given("--lora-rank")) config.lora.rank = cli.lora.rank;
  if (given("--lora-alpha")) config.lora.alpha = cli.lora.alpha;
  if (given("--lora-dropout")) config.lora.dropout = cli.lora.dropout;
  if (given("--lora-targets")) config.lora.targets = cli.lora.targets;
  if (given("--virtual-tokens")) config.prompt.virtual_tokens = cli.prompt.virtual_tokens;
  if (given("--prompt-init")) config.prompt.init = cli.prompt.init;
  if (given("--prompt-init-text")) config.prompt.init_text = cli.prompt.init_text;
  if (given("--prefix-hidden")) config.prompt.projection_hidden = cli.prompt.projection_hidden;
  if (args.prefix_direct) config.prompt.projection = false;

  TrainingProgress progress(args.print_every, false);
  tune::check_finetune_config(config);
  progress.message("fine-tuning " + config.model.string() + " (task " + config.task + ", method " +
                   config.method + ") into " + config.out.string());
  const train::StopOnSignals stop_on_signals;
  const tune::FinetuneResult result = tune::run_finetune(config, progress.callbacks());
  if (progress.interrupted(result.training)) return;
  std::cout << "\n" << result.summary << "\n";
  progress.message("model " + result.model_dir.string() + ", report " + result.report.string() +
                   ", loss curve " + (config.out / "loss.svg").string());
}

// `tinygpt finetune-curve`: the data-efficiency curve (steps/04-finetuning/demo).
void register_curve_command(CLI::App& app) {
  auto options = std::make_shared<demo::CurveOptions>();
  CLI::App* command = app.add_subcommand(
      "finetune-curve",
      "The data-efficiency curve: pre-trained vs random weights at 16 .. all labelled reviews");
  command->add_option("--model", options->model, "The pre-trained model folder")->required();
  command->add_option("--data", options->data, "A folder made by `tinygpt data generate`")
      ->required();
  command->add_option("--out", options->out, "Where the runs, curve.md and curve.svg go")
      ->required();
  command->add_option("--sizes", options->sizes, "Labelled examples per run (0: all)")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--seeds", options->seeds, "One run per seed and size")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--steps", options->steps, "Every run's optimizer steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--batch", options->batch, "Reviews per step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->callback([options] {
    const std::vector<demo::CurvePoint> points = demo::run_data_efficiency(*options, std::cout);
    std::cout << "\n"
              << demo::curve_table(points) << "\nwrote " << (options->out / "curve.md").string()
              << " and " << (options->out / "curve.svg").string() << "\n";
  });
}

}  // namespace

void register_finetune_command(CLI::App& app) {
  register_curve_command(app);
  auto args = std::make_shared<FinetuneArgs>();
  CLI::App* command = app.add_subcommand(
      "finetune", "Fine-tune a pre-trained model folder: classify reviews, or follow instructions");
  tune::FinetuneConfig& c = args->config;
  command->add_option("--model", c.model, "The pre-trained model folder (e.g. a run's model/)");
  command->add_option("--train-config", args->train_config,
                      "A fine-tuning config (JSON, the fields of train_config.json); options "
                      "given here override it");
  command->add_option("--data", c.data, "A folder made by `tinygpt data generate`");
  command->add_option("--task", c.task, "classify (reviews) or instruct (instructions, dialogues)")
      ->capture_default_str();
  command
      ->add_option("--method", c.method,
                   "full, head (a linear probe), top_k_blocks, lora, qlora (LoRA on a 4-bit "
                   "base), soft_prompt or prefix")
      ->capture_default_str();
  command->add_option("--top-k", c.top_k, "top_k_blocks: how many of the last blocks train")
      ->capture_default_str();
  command
      ->add_option("--train-examples", c.train_examples,
                   "Train on the first N examples of the train split (0: all)")
      ->capture_default_str();
  command->add_option("--hold-out-skill", c.hold_out_skill,
                      "instruct: leave this skill out of training (arithmetic, copy, reverse, "
                      "list, summary)");
  command->add_flag("--from-scratch", c.from_scratch,
                    "Start from random weights of the same architecture (the baseline)");
  command->add_option("--context", c.context, "Tokens per sequence (0: the model's context)")
      ->capture_default_str();
  command
      ->add_option("--test-per-skill", c.test_per_skill,
                   "instruct: the report asks this many test instructions per skill (0: all)")
      ->capture_default_str();
  command->add_option("--lora-rank", c.lora.rank, "lora: the rank r of the update")
      ->capture_default_str();
  command->add_option("--lora-alpha", c.lora.alpha, "lora: the update is scaled by alpha / r")
      ->capture_default_str();
  command->add_option("--lora-dropout", c.lora.dropout, "lora: dropout on the update's input")
      ->capture_default_str();
  command
      ->add_option("--lora-targets", c.lora.targets,
                   "lora: the layers it attaches to in every block (attn.c_attn, attn.c_proj, "
                   "mlp.c_fc, mlp.c_proj)")
      ->delimiter(',')
      ->capture_default_str();
  command
      ->add_option("--virtual-tokens", c.prompt.virtual_tokens,
                   "soft_prompt, prefix: the virtual tokens ahead of the text")
      ->capture_default_str();
  command
      ->add_option("--prompt-init", c.prompt.init,
                   "soft_prompt: start random, or from the embeddings of --prompt-init-text (text)")
      ->capture_default_str();
  command->add_option("--prompt-init-text", c.prompt.init_text,
                      "soft_prompt: the text whose token embeddings start the prompt");
  command
      ->add_option("--prefix-hidden", c.prompt.projection_hidden,
                   "prefix: the hidden width of the MLP the prefixes train through (0: the "
                   "model's width)")
      ->capture_default_str();
  command->add_flag("--prefix-direct", args->prefix_direct,
                    "prefix: train the prefixes directly, without the MLP (Li and Liang found "
                    "it less stable)");
  add_loop_options(*command, c);
  add_print_every_option(*command, args->print_every);
  command->callback([args, command] { run(*args, *command); });
}

}  // namespace tinygpt::cli
