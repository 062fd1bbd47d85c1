// `tinygpt prompt`: adapting a model without changing a weight. In-context learning (k
// demonstrations, several draws, the order's effect) and hard prompt tuning (a search over
// formats and verbalizers on dev, reported on test), on sentiment or on questions.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/data/judge.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/prompting.h"
#include "tinygpt/tune/task_data.h"

#ifndef TINYGPT_PROMPTS_DIR
#define TINYGPT_PROMPTS_DIR "steps/04-finetuning/configs"
#endif

namespace tinygpt::cli {
namespace {

struct PromptArgs {
  std::filesystem::path model;
  std::filesystem::path data;
  std::string task = "sentiment";
  std::filesystem::path prompts;
  std::vector<std::int64_t> shots = {0, 1, 4, 8};
  int draws = 5;
  std::int64_t examples = 150;
  bool search = false;
  std::int64_t search_shots = 1;
};

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", 100.0 * share);
  return text;
}

// The first `count` examples (0: all); questions only about facts the model could read.
std::vector<tune::LabelledText> examples_of(const PromptArgs& args, tune::Split split,
                                            std::int64_t count) {
  std::vector<tune::LabelledText> examples;
  if (args.task == "sentiment") {
    examples = tune::load_reviews(args.data, split);
  } else {
    for (tune::LabelledText& question : tune::load_questions(args.data, split)) {
      if (question.group == "seen") examples.push_back(std::move(question));
    }
  }
  if (count > 0 && static_cast<std::size_t>(count) < examples.size()) {
    examples.resize(static_cast<std::size_t>(count));
  }
  return examples;
}

std::string describe(const tune::PromptChoice& choice) {
  std::string text = choice.format.name;
  if (!choice.verbalizer.name.empty()) text += " / " + choice.verbalizer.name;
  if (choice.shots > 0) text += " / draw " + std::to_string(choice.draw);
  return text;
}

void run(const PromptArgs& args) {
  TINYGPT_CHECK(args.task == "sentiment" || args.task == "qa", "--task \"", args.task,
                "\" is unknown; use sentiment or qa");
  const std::filesystem::path prompts =
      args.prompts.empty()
          ? std::filesystem::path(TINYGPT_PROMPTS_DIR) /
                (args.task == "sentiment" ? "sentiment_prompts.json" : "qa_prompts.json")
          : args.prompts;
  models::PretrainedGpt pretrained = models::load_pretrained_gpt(args.model);
  std::optional<data::Judge> judge;
  if (args.task == "qa") judge.emplace(data::load_world(args.data));
  const std::vector<tune::LabelledText> pool = examples_of(args, tune::Split::kTrain, 0);
  const std::vector<tune::LabelledText> test = examples_of(args, tune::Split::kTest, args.examples);
  const std::vector<std::string> labels =
      args.task == "sentiment" ? tune::label_set(pool) : std::vector<std::string>{};
  const tune::PromptSet set = tune::load_prompt_set(prompts, labels.size());
  const tune::PromptChoice base{set.formats.front(),
                                labels.empty() ? tune::Verbalizer{} : set.verbalizers.front(), 0, 0,
                                false};
  std::cout << "in-context learning: " << args.model.string() << ", " << test.size() << " test "
            << (labels.empty() ? "questions (exact match)" : "reviews (accuracy)") << ", prompt "
            << describe(base) << ", " << args.draws << " draws of demonstrations\n\n"
            << "| k | demonstrations that fit | mean % | worst draw % | best draw % | "
            << (judge ? "states the fact (judge), mean %" : "draw 0 grouped by label %") << " |\n"
            << "|---:|---:|---:|---:|---:|---:|\n";
  for (const tune::ShotsRow& row :
       tune::score_shots(pretrained.model, pretrained.tokenizer, base, args.shots, args.draws, pool,
                         test, labels, judge ? &*judge : nullptr)) {
    char fitted[16];
    std::snprintf(fitted, sizeof fitted, "%.1f", row.mean_shots);
    std::cout << "| " << row.shots << " | " << fitted << " | " << percent(row.mean) << " | "
              << percent(row.low) << " | " << percent(row.high) << " | "
              << percent(judge ? row.states_fact : row.grouped) << " |\n"
              << std::flush;
  }
  if (!args.search) return;
  const std::vector<tune::LabelledText> dev = examples_of(args, tune::Split::kDev, args.examples);
  const std::vector<tune::RankedPrompt> ranked =
      tune::search_prompts(pretrained.model, pretrained.tokenizer, set, args.search_shots,
                           args.draws, pool, dev, test, labels);
  std::cout << "\nhard prompt search: " << ranked.size() << " prompts (formats x "
            << (labels.empty() ? "" : "verbalizers x ") << "draws, k = " << args.search_shots
            << "), ranked on " << dev.size() << " dev examples, reported on the test examples\n\n"
            << "| prompt | rank on dev | dev % | test % |\n|---|---:|---:|---:|\n";
  const std::size_t last = ranked.size() - 1;
  for (const auto& [name, index] : {std::pair{"best on dev", std::size_t{0}},
                                    std::pair{"median", last / 2}, std::pair{"worst", last}}) {
    const tune::RankedPrompt& prompt = ranked[index];
    std::cout << "| " << name << ": " << describe(prompt.choice) << " | " << index + 1 << " | "
              << percent(prompt.dev) << " | " << percent(prompt.test) << " |\n";
  }
  const auto best_test = std::max_element(
      ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.test < b.test; });
  std::cout << "\nthe best prompt on test would have been " << describe(best_test->choice) << " ("
            << percent(best_test->test) << "%); choosing on test would overstate it.\n";
}

}  // namespace

void register_prompt_command(CLI::App& app) {
  auto args = std::make_shared<PromptArgs>();
  CLI::App* command = app.add_subcommand(
      "prompt", "In-context learning and prompt search: adapt a model without training it");
  command->add_option("--model", args->model, "A GPT model folder")->required();
  command->add_option("--data", args->data, "A folder made by `tinygpt data generate`")->required();
  command->add_option("--task", args->task, "sentiment (reviews) or qa (questions about facts)")
      ->capture_default_str();
  command->add_option("--prompts", args->prompts,
                      "A prompt set (JSON: formats and verbalizers); default: the step's own");
  command->add_option("--shots", args->shots, "The values of k (demonstrations)")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--draws", args->draws, "Draws of demonstrations per k")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->add_option("--examples", args->examples, "Test (and dev) examples scored (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_flag("--search", args->search,
                    "Also search formats x verbalizers x draws on dev and report on test");
  command->add_option("--search-shots", args->search_shots, "k of the searched prompts")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->callback([args] { run(*args); });
}

}  // namespace tinygpt::cli
