// `tinygpt chat`: talk to an instruction-tuned model folder in the terminal, on the
// inference engine, the answer streamed as it is generated.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "adapted_gpt.h"
#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/models/pretrained.h"

namespace tinygpt::cli {
namespace {

struct ChatArgs {
  std::filesystem::path model;
  std::filesystem::path adapter;
  std::string once;
  std::int64_t max_tokens = 100;
  float temperature = 0.0f;
  std::uint64_t seed = 1;
};

// Generates the assistant's next turn, printing it as it comes; returns its text.
std::string answer(AdaptedGpt& adapted, const ChatArgs& args,
                   const std::vector<text::ChatTurn>& turns) {
  models::PretrainedGpt& pretrained = adapted.pretrained;
  infer::Engine engine(
      pretrained.model,
      {.slots = 1, .tokenizer = &pretrained.tokenizer, .adapter = adapted.adapter.get()});
  infer::Request request;
  request.prompt = pretrained.chat->prompt(pretrained.tokenizer, turns);
  const std::int64_t room =
      pretrained.model.config().context_length - static_cast<std::int64_t>(request.prompt.size());
  TINYGPT_CHECK(room > 0, "chat: the conversation fills the model's context of ",
                pretrained.model.config().context_length, " tokens; start a new one");
  request.options.max_new_tokens = std::min(args.max_tokens, room);
  request.options.sampling.temperature = args.temperature;
  request.options.seed = args.seed;
  request.options.usable_vocab = pretrained.tokenizer.vocab_size();
  request.stop_tokens = {pretrained.tokenizer.special_id(pretrained.chat->end)};
  std::string text;
  std::string error;
  request.on_event = [&](const infer::TokenEvent& event) {
    std::cout << event.text << std::flush;
    text += event.text;
    if (event.finish && *event.finish == infer::FinishReason::kError) error = event.error;
  };
  engine.submit(std::move(request));
  engine.run_until_idle();
  std::cout << "\n";
  TINYGPT_CHECK(error.empty(), "chat: ", error);
  return text;
}

void run(const ChatArgs& args) {
  AdaptedGpt adapted = load_adapted_gpt(args.model, args.adapter);
  TINYGPT_CHECK(adapted.pretrained.chat.has_value(), "--model ", args.model.string(),
                args.adapter.empty() ? "" : " with --adapter " + args.adapter.string(),
                " has no chat template: it was not instruction-tuned (tinygpt finetune --task "
                "instruct makes one)");
  std::vector<text::ChatTurn> turns;
  if (!args.once.empty()) {
    turns.push_back({"user", args.once});
    answer(adapted, args, turns);
    return;
  }
  std::cout << "chatting with " << args.model.string() << " (an empty line or Ctrl-D ends)\n";
  std::string line;
  while (std::cout << "> " << std::flush && std::getline(std::cin, line) && !line.empty()) {
    turns.push_back({"user", line});
    turns.push_back({"assistant", answer(adapted, args, turns)});
  }
}

}  // namespace

void register_chat_command(CLI::App& app) {
  auto args = std::make_shared<ChatArgs>();
  CLI::App* command =
      app.add_subcommand("chat", "Chat with an instruction-tuned model in the terminal");
  command->add_option("--model", args->model, "An instruction-tuned model folder")->required();
  add_adapter_option(*command, args->adapter);
  command->add_option("--once", args->once, "Ask one question, print the answer and exit");
  command->add_option("--max-tokens", args->max_tokens, "The longest answer, in tokens")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  command->add_option("--temperature", args->temperature, "0: greedy (the default)")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  command->add_option("--seed", args->seed, "The sampling seed")->capture_default_str();
  command->callback([args] { run(*args); });
}

}  // namespace tinygpt::cli
