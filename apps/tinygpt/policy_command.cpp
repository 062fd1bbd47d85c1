// `tinygpt policy`: the server's content policy (serve/content_policy.h) from the command
// line: check a text, measure how a policy separates the world's polite and rude answers,
// and write the politeness task that `tinygpt finetune --task classify` trains on.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "commands.h"
#include "tinygpt/serve/content_policy.h"

namespace tinygpt::cli {
namespace {

struct PolicyArgs {
  std::filesystem::path policy;
  std::filesystem::path world;
  std::filesystem::path out;
  std::string text;
  std::string side = "input";
  std::string split = "test";
};

std::string percent(double share) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * share;
  return out.str();
}

}  // namespace

void register_policy_command(CLI::App& app) {
  CLI::App* policy = app.add_subcommand("policy", "The server's content policy: check, measure");
  policy->require_subcommand(1);
  auto args = std::make_shared<PolicyArgs>();

  CLI::App* check = policy->add_subcommand("check", "Check one text against a policy file");
  check->add_option("--policy", args->policy, "The policy's JSON file")
      ->required()
      ->check(CLI::ExistingFile);
  check->add_option("--text", args->text, "The text")->required();
  check->add_option("--side", args->side, "input (a prompt) or output (an answer)")
      ->check(CLI::IsMember({"input", "output"}));
  check->callback([args] {
    const serve::ContentPolicy loaded = serve::load_content_policy(args->policy);
    const serve::PolicyDecision decision =
        args->side == "input" ? loaded.check_input(args->text) : loaded.check_output(args->text);
    if (decision.allowed) {
      std::cout << "allowed\n";
    } else {
      std::cout << "refused by " << decision.policy << ": " << decision.message << "\n";
    }
  });

  CLI::App* measure = policy->add_subcommand(
      "measure", "Refusals of a policy on the world's polite and rude answers (one split)");
  measure->add_option("--policy", args->policy, "The policy's JSON file")
      ->required()
      ->check(CLI::ExistingFile);
  measure->add_option("--world", args->world, "A world generated with --kinds preferences")
      ->required()
      ->check(CLI::ExistingDirectory);
  measure->add_option("--split", args->split, "train, dev or test")
      ->check(CLI::IsMember({"train", "dev", "test"}));
  measure->callback([args] {
    const serve::ContentPolicy loaded = serve::load_content_policy(args->policy);
    const serve::PolitenessFigures figures =
        serve::measure_politeness(loaded, args->world, args->split);
    std::cout << "| answers (" << args->split << ") | n | refused |\n|---|---:|---:|\n"
              << "| polite | " << figures.polite << " | " << figures.refused_polite << " |\n"
              << "| rude | " << figures.rude << " | " << figures.refused_rude << " |\n\n"
              << "refusing rude answers: precision " << percent(figures.precision()) << "%, recall "
              << percent(figures.recall()) << "%, accuracy " << percent(figures.accuracy())
              << "%\n";
  });

  CLI::App* task = policy->add_subcommand(
      "training-data",
      "Write the world's polite and rude answers as a classification task (reviews.jsonl)");
  task->add_option("--world", args->world, "A world generated with --kinds preferences")
      ->required()
      ->check(CLI::ExistingDirectory);
  task->add_option("--out", args->out, "The task's folder, for `tinygpt finetune --data`")
      ->required();
  task->callback([args] {
    const std::int64_t records = serve::write_politeness_task(args->world, args->out);
    std::cout << "wrote " << (args->out / "reviews.jsonl").string() << " (" << records
              << " answers labelled polite or rude)\n";
  });
}

}  // namespace tinygpt::cli
