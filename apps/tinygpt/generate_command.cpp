// `tinygpt generate` continues a prompt with a GPT from a model folder (ours or Hugging
// Face's GPT-2) on the inference engine (infer/engine.h), printing the text as it comes;
// `tinygpt perplexity` scores it on a token file.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapted_gpt.h"
#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/data/batching.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/infer/serving_weights.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/train/language_model_figures.h"

namespace tinygpt::cli {
namespace {

struct GenerateArgs {
  std::string model;
  std::filesystem::path adapter;
  std::string prompt;
  std::int64_t max_tokens = 50;
  float temperature = 1.0f;
  bool greedy = false;
  int top_k = 0;
  float top_p = 1.0f;
  float min_p = 0.0f;
  std::uint64_t seed = 0;
  std::string weights = "float32";
  int logprobs = -1;
  bool ids = false;
  bool stats = false;
  std::vector<std::string> stops;
  std::vector<std::int32_t> stop_tokens;
  infer::Penalties penalties;
};

std::vector<std::int32_t> encode_prompt(const models::PretrainedGpt& pretrained,
                                        const std::string& prompt) {
  std::vector<std::int32_t> ids = pretrained.tokenizer.encode(prompt);
  // An empty prompt starts from end-of-text, as GPT-2 starts a new document.
  if (ids.empty() && pretrained.end_of_text) ids.push_back(*pretrained.end_of_text);
  TINYGPT_CHECK(!ids.empty(),
                "generate: the prompt is empty and the tokenizer has no "
                "<|endoftext|> token to start from; give --prompt");
  return ids;
}

// One line on stderr per token: its log-probability and the best alternatives'.
void print_logprobs(const models::PretrainedGpt& pretrained, const infer::TokenEvent& event) {
  const auto quoted = [&](std::int32_t token) {
    return nlohmann::json(pretrained.tokenizer.decode({&token, 1}))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string line = "[" + quoted(*event.token) + " " + std::to_string(event.logprob);
  for (const infer::TokenLogprob& alternative : event.top) {
    line += " | " + quoted(alternative.token) + " " + std::to_string(alternative.logprob);
  }
  std::cerr << line << "]\n";
}

void add_generate(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* command = app.add_subcommand(
      "generate", "Continue a prompt with a GPT (a model folder: ours or Hugging Face's GPT-2)");
  command
      ->add_option("--model", args->model,
                   "Folder with config.json, model.safetensors and a tokenizer "
                   "(tokenizer.bpe, or GPT-2's vocab.json + merges.txt)")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_adapter_option(*command, args->adapter);
  command->add_option("--prompt", args->prompt, "Text to continue (empty: start a new text)");
  command->add_option("--max-tokens", args->max_tokens, "Length limit in new tokens")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  command->add_option("--temperature", args->temperature, "Below 1 sharpens, above 1 flattens")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  command->add_flag("--greedy", args->greedy, "Always the most likely token (temperature 0)");
  command->add_option("--top-k", args->top_k, "Sample among the k most likely tokens (0: all)")
      ->check(CLI::Range(0, 1 << 30))
      ->capture_default_str();
  command->add_option("--top-p", args->top_p, "Sample from the nucleus of this mass (1: all)")
      ->check(CLI::Range(0.000001, 1.0))
      ->capture_default_str();
  command
      ->add_option("--min-p", args->min_p,
                   "Drop tokens less than this fraction as likely as the best one (0: none)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command->add_option("--seed", args->seed, "Sampling seed: the same seed, the same text")
      ->capture_default_str();
  command->add_option("--stop", args->stops,
                      "Stop when the text contains this string, never showing it (repeatable)");
  command->add_option("--stop-token", args->stop_tokens,
                      "Stop after this token id, never showing its text (repeatable; "
                      "<|endoftext|> always stops)");
  command
      ->add_option(
          "--repetition-penalty", args->penalties.repetition,
          "Divide (or, when negative, multiply) the logits of tokens seen so far (1: none)")
      ->check(CLI::Range(1.0, 100.0))
      ->capture_default_str();
  command
      ->add_option("--frequency-penalty", args->penalties.frequency,
                   "Subtract this times each seen token's count from its logit")
      ->check(CLI::Range(-2.0, 2.0))
      ->capture_default_str();
  command
      ->add_option("--presence-penalty", args->penalties.presence,
                   "Subtract this from the logit of every token seen so far")
      ->check(CLI::Range(-2.0, 2.0))
      ->capture_default_str();
  command->add_option("--weights", args->weights, "Weights as stored for inference")
      ->check(CLI::IsMember({"float32", "bf16", "int8"}))
      ->capture_default_str();
  command
      ->add_option("--logprobs", args->logprobs,
                   "Print each token's log-probability and this many alternatives (on stderr)")
      ->check(CLI::Range(0, 20));
  command->add_flag("--ids", args->ids, "Also print the token ids");
  command->add_flag("--stats", args->stats,
                    "Print the time to the first token and the decoding speed (on stderr)");
  command->callback([args] {
    AdaptedGpt adapted = load_adapted_gpt(args->model, args->adapter);
    models::PretrainedGpt& pretrained = adapted.pretrained;
    const std::vector<std::int32_t> prompt = encode_prompt(pretrained, args->prompt);
    models::GenerateOptions options;
    options.max_new_tokens = args->max_tokens;
    options.sampling = {.temperature = args->greedy ? 0.0f : args->temperature,
                        .top_k = args->top_k,
                        .top_p = args->top_p,
                        .min_p = args->min_p};
    options.seed = args->seed;
    options.stop_token = pretrained.end_of_text;
    options.usable_vocab = pretrained.tokenizer.vocab_size();
    infer::Engine engine(pretrained.model, {.slots = 1,
                                            .weights = infer::weight_format(args->weights),
                                            .tokenizer = &pretrained.tokenizer,
                                            .adapter = adapted.adapter.get()});
    std::cout << args->prompt << std::flush;
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    std::optional<Clock::time_point> first_token;
    std::vector<std::int32_t> generated;
    infer::FinishReason finish = infer::FinishReason::kLength;
    std::string error;
    engine.submit({.prompt = prompt,
                   .options = options,
                   .penalties = args->penalties,
                   .stop_tokens = args->stop_tokens,
                   .stop_strings = args->stops,
                   .logprobs = args->logprobs,
                   .on_event = [&](const infer::TokenEvent& event) {
                     if (event.token) {
                       if (!first_token) first_token = Clock::now();
                       generated.push_back(*event.token);
                     }
                     std::cout << event.text << std::flush;
                     if (event.token && args->logprobs >= 0) print_logprobs(pretrained, event);
                     if (event.finish) {
                       finish = *event.finish;
                       error = event.error;
                     }
                   }});
    engine.run_until_idle();
    std::cout << "\n";
    TINYGPT_CHECK(finish != infer::FinishReason::kError, "generate: ", error);
    if (finish == infer::FinishReason::kLength &&
        static_cast<std::int64_t>(generated.size()) < args->max_tokens) {
      std::cerr << "(stopped early: the model's context of "
                << pretrained.model.config().context_length << " tokens is full)\n";
    }
    if (args->stats && first_token) {
      // The first token's time is the prompt's prefill; the rest are decode steps.
      const auto seconds = [](Clock::duration d) {
        return std::chrono::duration<double>(d).count();
      };
      const double decode = seconds(Clock::now() - *first_token);
      const auto decoded = static_cast<double>(generated.size()) - 1.0;
      char line[200];
      std::snprintf(line, sizeof line,
                    "%zu prompt tokens, %zu new (%s); time to first token %.1f ms, then %.0f "
                    "tokens/s\n",
                    prompt.size(), generated.size(), infer::finish_reason_name(finish),
                    seconds(*first_token - start) * 1e3, decode > 0.0 ? decoded / decode : 0.0);
      std::cerr << line;
    }
    if (args->ids) {
      std::cout << "prompt ids:";
      for (std::int32_t id : prompt) std::cout << " " << id;
      std::cout << "\ngenerated ids:";
      for (std::int32_t id : generated) std::cout << " " << id;
      std::cout << "\n";
    }
  });
}

struct PerplexityArgs {
  std::string model;
  std::string tokens;
  std::vector<std::string> weights = {"float32", "bf16", "int8"};
};

// Mean cross-entropy (nats per token) of the model on every window of a token file:
// consecutive windows of P inputs and their P shifted targets (as the journey scores its
// validation split), with the weights stored as `format` for inference.
double mean_loss(models::Gpt& model, const data::TokenFile& file, infer::WeightFormat format) {
  const std::int64_t time = model.config().context_length;
  const std::int64_t windows = data::causal_lm_validation_windows(file.size(), time);
  TINYGPT_CHECK(windows >= 1, "perplexity: ", file.path().string(), " holds ", file.size(),
                " tokens, fewer than one window of ", time + 1);
  infer::ServingWeights weights(format);
  Tape tape;
  const NoGradGuard no_grad(tape);
  double nats = 0.0;
  for (std::int64_t window = 0; window < windows; ++window) {
    const data::LmBatch batch = data::causal_lm_validation_batch(file, window, 1, time);
    tape.reset();
    const Tensor logits = model.forward(tape, batch.inputs, 1, {}, {.products = &weights});
    nats += nn::softmax_cross_entropy(tape, logits, batch.targets).item();
  }
  return nats / static_cast<double>(windows);
}

void add_perplexity(CLI::App& app) {
  auto args = std::make_shared<PerplexityArgs>();
  CLI::App* command = app.add_subcommand(
      "perplexity", "A GPT's perplexity on a token file, with its weights stored each way");
  command->add_option("--model", args->model, "Model folder, as for generate")
      ->required()
      ->check(CLI::ExistingDirectory);
  command
      ->add_option("--tokens", args->tokens,
                   "Token file (data/validation.tokens of a journey or a training run)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--weights", args->weights, "Weight formats to compare")
      ->check(CLI::IsMember({"float32", "bf16", "int8"}))
      ->capture_default_str();
  command->callback([args] {
    models::PretrainedGpt pretrained = models::load_pretrained_gpt(args->model);
    const data::TokenFile file(args->tokens);
    std::optional<double> first;
    for (const std::string& name : args->weights) {
      const double loss = mean_loss(pretrained.model, file, infer::weight_format(name));
      char line[160];
      std::snprintf(line, sizeof line, "%-8s loss %.4f nats/token, perplexity %.3f", name.c_str(),
                    loss, train::perplexity(loss));
      std::cout << line;
      if (first)
        std::cout << " (" << std::showpos << std::exp(loss - *first) * 100.0 - 100.0
                  << std::noshowpos << "% against " << args->weights.front() << ")";
      std::cout << "\n";
      if (!first) first = loss;
    }
  });
}

}  // namespace

void register_generate_command(CLI::App& app) {
  add_generate(app);
  add_perplexity(app);
}

}  // namespace tinygpt::cli
