#include "finetune_demo.h"

#include <chrono>
#include <iomanip>
#include <set>
#include <sstream>

#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::demo {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// A run's progress: a line every 20 steps and at each validation.
train::TrainCallbacks progress(std::ostream& log) {
  train::TrainCallbacks callbacks;
  callbacks.on_step = [&log](const train::StepReport& report) {
    if (report.step % 20 != 0 && !report.val_loss) return;
    log << "    step " << std::setw(4) << report.step << "/" << report.steps << "  loss "
        << std::fixed << std::setprecision(3) << report.loss;
    for (const auto& [name, value] : report.validation) log << "  val " << name << " " << value;
    log << "  " << std::setprecision(0) << report.tokens_per_second << " tokens/s\n";
  };
  return callbacks;
}

// run is "classify", "instruct" or "lora" (the classifier with LoRA).
tune::FinetuneConfig run_config(const FinetuneJourneyOptions& options, const std::string& run) {
  const std::string task = run == "lora" ? "classify" : run;
  tune::FinetuneConfig config;
  config.model = options.out / "gpt" / "model";
  config.data = options.out / "world";
  config.out = options.out / "finetune" / run;
  config.task = task;
  config.method = "full";
  config.seed = options.seed;
  config.eval_batches = 2;
  config.keep = 1;
  if (task == "classify") {
    config.steps = options.classify_steps;
    config.batch = 16;
    config.lr = 3e-4f;
    config.min_lr = 3e-5f;
    config.eval_interval = 50;
    config.time_limit = options.classify_time_limit;
    if (run == "lora") {
      // Rank 8 on every linear layer; a frozen base takes a larger rate than full training.
      config.method = "lora";
      config.lora = {.rank = 8, .alpha = 16, .targets = tune::lora_target_modules()};
      config.steps = options.lora_steps;
      config.lr = 6e-3f;
      config.min_lr = 1e-4f;
      config.time_limit = options.lora_time_limit;
    }
  } else {
    config.steps = options.instruct_steps;
    config.batch = 8;
    config.lr = 2e-3f;
    config.min_lr = 1e-4f;
    config.eval_interval = 100;
    config.time_limit = options.instruct_time_limit;
    config.hold_out_skill = options.hold_out_skill;
    config.test_per_skill = options.test_per_skill;
  }
  return config;
}

}  // namespace

FinetuneJourneyResult run_finetune_journey(const FinetuneJourneyOptions& options,
                                           std::ostream& log) {
  const Clock::time_point start = Clock::now();
  FinetuneJourneyResult result;
  fs::remove_all(options.out / "finetune");
  log << "  adding reviews, instructions and dialogues to the world\n";
  data::generate({.seed = options.seed,
                  .size = options.world_bytes,
                  .kinds = {"reviews", "instructions", "dialogues"}},
                 options.out / "world");

  log << "\n  a sentiment classifier: a head on the GPT's last token, every weight trained\n";
  result.classify = tune::run_finetune(run_config(options, "classify"), progress(log));
  log << "\n  instruction tuning: the chat markers, the loss on the answers only ("
      << options.hold_out_skill << " never seen)\n";
  result.instruct = tune::run_finetune(run_config(options, "instruct"), progress(log));
  log << "\n  the classifier again with LoRA: rank-8 updates on every linear layer, the base "
         "frozen\n";
  result.lora = tune::run_finetune(run_config(options, "lora"), progress(log));

  // A sample chat: the first test instruction of a skill the model learnt best.
  models::PretrainedGpt chat = models::load_pretrained_gpt(result.instruct.model_dir);
  for (const tune::ChatExample& example :
       tune::load_instructions(options.out / "world", tune::Split::kTest)) {
    if (example.skill != "copy") continue;
    const tune::ChatAnswer answer =
        tune::answer_all(chat.model, chat.tokenizer, *chat.chat, std::span(&example, 1), 64)
            .front();
    result.question = example.turns.front().content;
    result.answer = answer.answer;
    result.expected = answer.expected;
    break;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const fs::path report = options.out / "REPORT.md";
  const std::string before = fs::is_regular_file(report) ? read_file(report) : "";
  write_file_atomically(report, before + "\n" + finetune_report(options, result));
  return result;
}

std::string finetune_report(const FinetuneJourneyOptions& options,
                            const FinetuneJourneyResult& result) {
  std::ostringstream md;
  const auto steps = [](const tune::FinetuneResult& run) {
    std::string text = std::to_string(run.training.last_step) + " steps";
    if (run.training.time_limited) text += " (**stopped early** by the time limit)";
    return text;
  };
  md << "## Step 04: fine-tuning\n\n"
     << "The GPT above, fine-tuned twice from the same weights (every weight trains).\n\n"
     << "**Sentiment classification** of product reviews: a linear head on the hidden state "
        "of the last token, "
     << steps(result.classify)
     << " of 16 reviews. The test split (reviews it never saw), "
        "against the keyword-counting baseline, with 95% bootstrap intervals:\n\n"
     << result.classify.summary << "\n"
     << "**Instruction tuning** on instructions and dialogues in the chat format, the loss on "
        "the assistant's tokens only, "
     << steps(result.instruct) << " of 8 conversations; the skill `" << options.hold_out_skill
     << "` is left out of training. Exact match on the first " << options.test_per_skill
     << " test instructions of each skill, before and after:\n\n"
     << result.instruct.summary << "\n"
     << "**LoRA** (the parameter-efficient rung): the same classifier, the base frozen and "
        "rank-8 updates trained on every linear layer of every block, "
     << steps(result.lora) << " of 16 reviews:\n\n"
     << result.lora.summary << "\n"
     << "A test instruction (copy):\n\n```text\n> " << result.question << "\n"
     << result.answer << "\n```\n\n(the reference: \"" << result.expected << "\")\n\n"
     << "Step 04 took " << std::fixed << std::setprecision(1) << result.seconds
     << " s. The models: " << result.classify.model_dir.string() << " and "
     << result.instruct.model_dir.string() << ", the adapter " << result.lora.model_dir.string()
     << "; try `tinygpt chat --model " << result.instruct.model_dir.string() << "`.\n";
  return md.str();
}

}  // namespace tinygpt::demo
