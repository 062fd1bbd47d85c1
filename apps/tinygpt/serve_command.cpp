// `tinygpt serve`: a model folder behind OpenAI's API on 127.0.0.1 (apps/serve).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "adapted_gpt.h"
#include "commands.h"
#include "tinygpt/core/files.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/serve/model_card.h"
// After Eigen: httplib's headers define _res.
#include "api_server.h"

namespace tinygpt::cli {
namespace {

struct ServeArgs {
  std::filesystem::path model;
  std::filesystem::path adapter;
  std::string name;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::filesystem::path api_keys;
  std::int64_t slots = 16;
  std::int64_t max_queue = 32;
  double rate_limit = 0;
  double burst = 10;
  std::size_t max_body_bytes = 256 * 1024;
  int read_timeout = 10;
  int grace = 30;
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  std::filesystem::path policy;
  bool redact_prompts = false;
  bool redact_outputs = false;
  bool log_prompts = false;
  std::string weights = "float32";
  std::string products = "invariant";
  std::filesystem::path log;
};

void run(const ServeArgs& args) {
  AdaptedGpt adapted = load_adapted_gpt(args.model, args.adapter);
  models::PretrainedGpt& pretrained = adapted.pretrained;
  // An adapter's virtual tokens take their room in every slot.
  const serve::ServedModel served = serve::served_model(
      pretrained,
      args.name.empty() ? std::filesystem::absolute(args.model).filename().string() : args.name,
      adapted.adapter ? adapted.adapter->virtual_tokens() : 0);
  infer::Engine engine(pretrained.model, {.slots = args.slots,
                                          .weights = infer::weight_format(args.weights),
                                          .batch_invariant = args.products == "invariant",
                                          .tokenizer = &pretrained.tokenizer,
                                          .adapter = adapted.adapter.get()});

  serve::ApiServerOptions options;
  options.http.host = args.host;
  options.http.port = args.port;
  options.http.max_body_bytes = args.max_body_bytes;
  options.http.read_timeout = std::chrono::seconds(args.read_timeout);
  options.http.tls_certificate = args.tls_cert;
  options.http.tls_key = args.tls_key;
  options.slots = args.slots;
  options.max_queue = args.max_queue;
  if (!args.api_keys.empty()) options.keys = serve::ApiKeys::read(args.api_keys);
  options.requests_per_minute = args.rate_limit;
  options.burst = args.burst;
  options.grace = std::chrono::seconds(args.grace);
  options.redact_prompts = args.redact_prompts;
  options.redact_outputs = args.redact_outputs;
  options.log_prompts = args.log_prompts;
  if (!args.policy.empty()) options.policy = serve::load_content_policy(args.policy);
  // The model card: the folder's own, else one written from what the folder records.
  const std::filesystem::path card = args.model / "MODEL_CARD.md";
  options.model_card = std::filesystem::exists(card)
                           ? read_file(card)
                           : serve::model_card_markdown({.model = args.model});

  std::ofstream log_file;
  if (!args.log.empty()) {
    log_file.open(args.log, std::ios::app);
    TINYGPT_CHECK(log_file.good(), "--log ", args.log.string(), ": cannot open the file");
  }
  serve::ApiServer server(served, engine, std::move(options),
                          args.log.empty() ? std::cerr : log_file);
  std::cerr << "serving " << served.name << " (" << args.slots << " slots, "
            << (served.chat ? "chat and completions" : "completions only") << ")" << std::endl;
  server.run(std::cout);
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* command = app.add_subcommand(
      "serve", "Serve a model folder with OpenAI's API (completions, chat, streaming)");
  command->add_option("--model", args->model, "A GPT model folder")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_adapter_option(*command, args->adapter);
  command->add_option("--name", args->name,
                      "The model's id in the API (default: the folder's name)");
  command->add_option("--host", args->host, "The address to listen on")->capture_default_str();
  command->add_option("--port", args->port, "The port (0: a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command
      ->add_option("--api-keys", args->api_keys, "A file of API keys (one per line, or NAME KEY)")
      ->check(CLI::ExistingFile);
  command->add_option("--slots", args->slots, "Sequences decoding at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command
      ->add_option("--max-queue", args->max_queue,
                   "Requests that may wait for a slot; more get 503")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  command
      ->add_option("--rate-limit", args->rate_limit,
                   "Requests per minute per key or address (0: none)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  command->add_option("--burst", args->burst, "Requests a rested client may send at once")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  command->add_option("--max-body-bytes", args->max_body_bytes, "Larger request bodies get 413")
      ->check(CLI::Range(1024, 64 << 20))
      ->capture_default_str();
  command
      ->add_option("--read-timeout", args->read_timeout,
                   "Seconds a client may stay silent while sending its request (each read; a slow "
                   "but steady client is not cut off)")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  command->add_option("--grace", args->grace, "Seconds requests under way may finish after SIGTERM")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  command->add_option("--tls-cert", args->tls_cert, "A PEM certificate: serve HTTPS")
      ->check(CLI::ExistingFile);
  command->add_option("--tls-key", args->tls_key, "The certificate's PEM private key")
      ->check(CLI::ExistingFile);
  command->add_option("--policy", args->policy, "A content policy file (deploy/policy.json)")
      ->check(CLI::ExistingFile);
  command->add_flag("--redact-prompts", args->redact_prompts,
                    "Replace personal data in prompts before the model reads them");
  command->add_flag("--redact-outputs", args->redact_outputs, "Replace personal data in answers");
  command->add_flag("--log-prompts", args->log_prompts, "Log prompts (redacted) in the access log");
  command->add_option("--weights", args->weights, "Weights as stored for inference")
      ->check(CLI::IsMember({"float32", "bf16", "int8"}))
      ->capture_default_str();
  command
      ->add_option("--products", args->products,
                   "Matrix products: invariant (an answer is the same bits in any batch) or blas "
                   "(OpenBLAS: faster with many sequences on CPUs without AVX-512, float32 only)")
      ->check(CLI::IsMember({"invariant", "blas"}))
      ->capture_default_str();
  command->add_option("--log", args->log,
                      "Append the JSON access log to this file (default: stderr)");
  command->callback([args] { run(*args); });
}

}  // namespace tinygpt::cli
