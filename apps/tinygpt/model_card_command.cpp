// `tinygpt model-card`: MODEL_CARD.md for a model folder, from what its folders record
// (serve/model_card.h).
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "tinygpt/serve/model_card.h"

namespace tinygpt::cli {
namespace {

struct ModelCardArgs {
  serve::ModelCardInputs inputs;
  std::filesystem::path out;
};

}  // namespace

void register_model_card_command(CLI::App& app) {
  auto args = std::make_shared<ModelCardArgs>();
  CLI::App* card = app.add_subcommand(
      "model-card", "Write MODEL_CARD.md for a model folder from its recorded runs and evaluation");
  card->add_option("--model", args->inputs.model, "The model folder (with config.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  card->add_option("--eval", args->inputs.eval_report,
                   "A `tinygpt eval run` report folder with figures of this model")
      ->check(CLI::ExistingDirectory);
  card->add_option("--eval-model", args->inputs.eval_model,
                   "The model's name in that report (default: the entry whose path is --model)");
  card->add_option("--out", args->out, "The card's file (default: MODEL/MODEL_CARD.md)");
  card->callback([args] {
    const std::filesystem::path file = serve::write_model_card(args->inputs, args->out);
    std::cout << "wrote " << file.string() << "\n";
  });
}

}  // namespace tinygpt::cli
