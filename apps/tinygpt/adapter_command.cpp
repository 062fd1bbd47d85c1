// `tinygpt adapter merge`: a base model folder and a LoRA adapter become one model folder,
// the update merged into the weights (tune/adapter_files.h).
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "tinygpt/tune/adapter_files.h"

namespace tinygpt::cli {
namespace {

struct MergeArgs {
  std::filesystem::path model;
  std::filesystem::path adapter;
  std::filesystem::path out;
};

}  // namespace

void register_adapter_command(CLI::App& app) {
  CLI::App* adapter = app.add_subcommand("adapter", "LoRA adapters: merge one into its base");
  adapter->require_subcommand(1);
  auto args = std::make_shared<MergeArgs>();
  CLI::App* merge = adapter->add_subcommand(
      "merge", "Write the base model with the adapter merged in as a new model folder");
  merge->add_option("--model", args->model, "The base model folder the adapter was trained on")
      ->required()
      ->check(CLI::ExistingDirectory);
  merge->add_option("--adapter", args->adapter, "The adapter folder")
      ->required()
      ->check(CLI::ExistingDirectory);
  merge->add_option("--out", args->out, "The merged model folder to write")->required();
  merge->callback([args] {
    tune::merge_adapter(args->model, args->adapter, args->out);
    std::cout << "wrote " << args->out.string() << " (" << args->model.string() << " + "
              << args->adapter.string() << ")\n";
  });
}

}  // namespace tinygpt::cli
