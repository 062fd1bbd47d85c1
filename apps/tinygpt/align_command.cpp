// `tinygpt align`: aligns an instruction-tuned model folder with the world's preference pairs
// (align/alignment.h): a reward model, DPO, PPO or contrastive post-training, with everything
// `tinygpt train` has: progress line, metrics, loss curve, checkpoints with exact resume, a clean
// stop on Ctrl-C. Prints the test pairs' figures at the end.
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "tinygpt/align/alignment.h"
#include "training_options.h"

namespace tinygpt::cli {
namespace {

struct AlignArgs {
  std::filesystem::path train_config;
  align::AlignConfig config;
  std::int64_t print_every = 10;
};

void run(const AlignArgs& args, const CLI::App& command) {
  align::AlignConfig config;
  if (!args.train_config.empty()) {
    config = align::parse_align_config(read_train_config(args.train_config), args.train_config);
  }
  // Options given on the command line win over the config file.
  const auto given = [&command](const char* name) { return command.count(name) > 0; };
  const align::AlignConfig& cli = args.config;
  apply_loop_options(command, cli, config);
  if (given("--model")) config.model = cli.model;
  if (given("--data")) config.data = cli.data;
  if (given("--method")) config.method = cli.method;
  if (given("--beta")) config.beta = cli.beta;
  if (given("--context")) config.context = cli.context;
  if (given("--test-pairs")) config.test_pairs = cli.test_pairs;
  if (given("--reference")) config.reference = cli.reference;
  if (given("--reward-model")) config.ppo.reward_model = cli.ppo.reward_model;
  if (given("--rollouts")) config.ppo.rollouts = cli.ppo.rollouts;
  if (given("--ppo-epochs")) config.ppo.epochs = cli.ppo.epochs;
  if (given("--ppo-clip")) config.ppo.clip = cli.ppo.clip;
  if (given("--value-clip")) config.ppo.value_clip = cli.ppo.value_clip;
  if (given("--value-coef")) config.ppo.value_coef = cli.ppo.value_coef;
  if (given("--gamma")) config.ppo.gamma = cli.ppo.gamma;
  if (given("--lambda")) config.ppo.lambda = cli.ppo.lambda;
  if (given("--adaptive-kl")) config.ppo.adaptive_kl = cli.ppo.adaptive_kl;
  if (given("--kl-target")) config.ppo.kl_target = cli.ppo.kl_target;
  if (given("--kl-horizon")) config.ppo.kl_horizon = cli.ppo.kl_horizon;
  if (given("--answer-tokens")) config.ppo.answer_tokens = cli.ppo.answer_tokens;
  if (given("--temperature")) config.ppo.temperature = cli.ppo.temperature;
  if (given("--weaker")) config.weaker = cli.weaker;
  if (given("--sft-coef")) config.sft_coef = cli.sft_coef;

  TrainingProgress progress(args.print_every, false);
  align::check_align_config(config);
  progress.message("aligning " + config.model.string() + " (method " + config.method + ") into " +
                   config.out.string());
  const train::StopOnSignals stop_on_signals;
  const align::AlignResult result = align::run_align(config, progress.callbacks());
  if (progress.interrupted(result.training)) return;
  std::cout << "\n" << result.summary << "\n";
  progress.message("model " + result.model_dir.string() + ", report " + result.report.string() +
                   ", loss curve " + (config.out / "loss.svg").string());
}

}  // namespace

void register_align_command(CLI::App& app) {
  auto args = std::make_shared<AlignArgs>();
  CLI::App* command = app.add_subcommand(
      "align", "Align an instruction-tuned model folder: reward, dpo, ppo or contrastive");
  align::AlignConfig& c = args->config;
  command->add_option("--model", c.model, "The instruction-tuned model folder");
  command->add_option("--train-config", args->train_config,
                      "An alignment config (JSON, the fields of train_config.json); options "
                      "given here override it");
  command->add_option("--data", c.data,
                      "A folder made by `tinygpt data generate` with preferences");
  command
      ->add_option("--method", c.method,
                   "reward (a reward model, Bradley-Terry), dpo (the model itself, against a "
                   "frozen reference), ppo (RLHF: samples scored by --reward-model) or "
                   "contrastive (DPO on the model's answers against --weaker models')")
      ->capture_default_str();
  command
      ->add_option("--beta", c.beta,
                   "dpo, contrastive: the implicit reward's scale; ppo: the KL penalty's "
                   "coefficient")
      ->capture_default_str();
  command
      ->add_option("--sft-coef", c.sft_coef,
                   "dpo, contrastive: weight of the chosen answers' negative log-likelihood per "
                   "token added to DPO's loss (RPO; 0: plain DPO)")
      ->capture_default_str();
  command->add_option("--reference", c.reference,
                      "The frozen reference model (default: --model itself)");
  command->add_option("--reward-model", c.ppo.reward_model,
                      "ppo: the reward model (made by --method reward)");
  command
      ->add_option("--rollouts", c.ppo.rollouts,
                   "ppo: answers sampled per iteration (a multiple of --batch)")
      ->capture_default_str();
  command->add_option("--ppo-epochs", c.ppo.epochs, "ppo: passes over each iteration's samples")
      ->capture_default_str();
  command->add_option("--ppo-clip", c.ppo.clip, "ppo: the clipped surrogate's range eps")
      ->capture_default_str();
  command->add_option("--value-clip", c.ppo.value_clip, "ppo: the value loss's clip range")
      ->capture_default_str();
  command->add_option("--value-coef", c.ppo.value_coef, "ppo: the value loss's weight")
      ->capture_default_str();
  command->add_option("--gamma", c.ppo.gamma, "ppo: GAE's discount")->capture_default_str();
  command->add_option("--lambda", c.ppo.lambda, "ppo: GAE's lambda")->capture_default_str();
  command->add_flag("--adaptive-kl", c.ppo.adaptive_kl,
                    "ppo: adapt --beta toward --kl-target (Ziegler et al., 2019)");
  command->add_option("--kl-target", c.ppo.kl_target, "ppo: the KL aimed at, nats per answer")
      ->capture_default_str();
  command
      ->add_option("--kl-horizon", c.ppo.kl_horizon,
                   "ppo: samples the adaptive coefficient's changes are spread over")
      ->capture_default_str();
  command->add_option("--answer-tokens", c.ppo.answer_tokens, "ppo: the longest sampled answer")
      ->capture_default_str();
  command->add_option("--temperature", c.ppo.temperature, "ppo: the sampling temperature")
      ->capture_default_str();
  command->add_option("--weaker", c.weaker,
                      "contrastive: weaker chat models, weakest first, whose answers are "
                      "rejected");
  command->add_option("--context", c.context, "Tokens per conversation (0: the model's context)")
      ->capture_default_str();
  command
      ->add_option("--test-pairs", c.test_pairs,
                   "The report scores the first N test pairs and asks their questions (0: all)")
      ->capture_default_str();
  add_loop_options(*command, c);
  add_print_every_option(*command, args->print_every);
  command->callback([args, command] { run(*args, *command); });
}

}  // namespace tinygpt::cli
