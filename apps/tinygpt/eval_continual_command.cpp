// `tinygpt eval continual`: continual fine-tuning on version 2 of a world and what it forgets
// of version 1 (eval/continual.h): naive fine-tuning on the new facts, replay of old data,
// and a LoRA adapter, against the model before the update. Prints the table and writes the
// report folder (REPORT.md, continual.json, each update's world copy and run).
#include <iostream>
#include <memory>

#include "eval_command.h"
#include "tinygpt/eval/continual.h"

namespace tinygpt::cli {

void register_eval_continual(CLI::App& eval) {
  auto config = std::make_shared<eval::ContinualConfig>();
  CLI::App* command = eval.add_subcommand(
      "continual",
      "Fine-tune a chat model on a changed world's new facts: naive, replay, LoRA; measure "
      "what it learns and forgets");
  command
      ->add_option("--model", config->model,
                   "A chat model that knows version 1 (or a pre-trained GPT with --old-steps)")
      ->required();
  command->add_option("--old", config->old_world, "Version 1 of the world (a world folder)")
      ->required();
  command
      ->add_option("--new", config->new_world,
                   "Version 2 of the same seed's world (`tinygpt data generate --world-version 2`)")
      ->required();
  command->add_option("--out", config->out, "A new report folder (never in a model or world)")
      ->required();
  command
      ->add_option("--old-steps", config->old_steps,
                   "First instruction-tune --model on version 1's questions and instructions "
                   "for this many steps (0: it knows them already)")
      ->capture_default_str();
  command->add_option("--old-lr", config->old_lr, "Teaching version 1: peak learning rate")
      ->capture_default_str();
  command->add_option("--methods", config->methods, "Updates compared: naive, replay, lora")
      ->delimiter(',')
      ->capture_default_str();
  command
      ->add_option("--replay-share", config->replay_share,
                   "replay: the old conversations' share of the training data, in (0, 0.9]")
      ->capture_default_str();
  command->add_option("--steps", config->steps, "Each update's optimizer steps")
      ->capture_default_str();
  command->add_option("--batch", config->batch, "Conversations per step")->capture_default_str();
  command->add_option("--lr", config->lr, "naive and replay: peak learning rate")
      ->capture_default_str();
  command->add_option("--lora-lr", config->lora_lr, "lora: peak learning rate")
      ->capture_default_str();
  command->add_option("--lora-rank", config->lora.rank, "lora: rank r")->capture_default_str();
  command->add_option("--lora-alpha", config->lora.alpha, "lora: alpha (the update is x alpha/r)")
      ->capture_default_str();
  command->add_option("--lora-targets", config->lora.targets, "lora: layers adapted in each block")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--context", config->context, "Tokens per conversation (0: the model's)")
      ->capture_default_str();
  command
      ->add_option("--skill-questions", config->skill_questions,
                   "Test instructions asked per skill")
      ->capture_default_str();
  command->add_option("--seed", config->seed, "The runs' and the replay draw's seed")
      ->capture_default_str();
  command->callback([config] {
    config->progress = [](const std::string& line) { std::cout << "== " << line << std::endl; };
    const eval::ContinualReport report = eval::run_continual(*config);
    std::cout << "\n"
              << report.markdown() << "\nreport: " << (config->out / "REPORT.md").string() << "\n";
  });
}

}  // namespace tinygpt::cli
