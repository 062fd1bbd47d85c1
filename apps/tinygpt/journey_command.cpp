// `tinygpt journey`: runs what every step has built so far, end to end, on this CPU.
#include <iostream>

#include "commands.h"
#include "journey_report_card.h"
#include "tinygpt/models/config.h"

namespace tinygpt::cli {

namespace {

struct JourneyArgs {
  demo::SpiralOptions spiral;
  demo::JourneyOptions pretraining;
  std::filesystem::path model_config = demo::default_journey_config();
  bool skip_pretraining = false;
  bool serve = false;  // leave step 07's server running until Ctrl-C
  int port = 8080;     // ... on this port (the journey alone takes a free one)
};

void run_journey_command(const JourneyArgs& args) {
  std::cout << "== Step 01: tensors, autograd and gradient descent ==\n"
            << "A two-layer network learns to tell three interleaved spirals apart,\n"
            << "with the library's ops, its autograd tape and plain SGD.\n\n";
  const demo::SpiralResult spiral = demo::run_spiral_demo(args.spiral, std::cout);
  demo::print_spiral_summary(spiral, std::cout);

  std::cout << "\n== Step 01: tokens and the first language model ==\n"
            << "A byte-level BPE tokenizer and a bigram model learn from Debian's fortunes:\n"
            << "the next token from the current one alone, the baseline to beat.\n\n";
  demo::TextDemoOptions text_options;
  text_options.training.seed = args.spiral.seed;
  const demo::TextDemoResult text = demo::run_text_demo(text_options, std::cout);
  demo::print_text_summary(text, std::cout);
  if (args.skip_pretraining) return;

  demo::JourneyOptions options = args.pretraining;
  options.seed = args.spiral.seed;
  options.model = models::load_model_config(args.model_config);
  std::cout << "\n== Step 03: pre-training a small GPT ==\n"
            << (options.fortunes ? "Debian's fortunes" : "A generated world's stories and facts")
            << ", a BPE tokenizer, and a GPT trained with AdamW, warmup and cosine decay;\n"
            << "then the GPT and step 01's bigram on the same validation tokens.\n\n";
  const demo::JourneyResult result = demo::run_journey(options, std::cout);
  demo::print_journey_summary(result, std::cout);

  std::cout << "\n== Step 04: fine-tuning ==\n"
            << "The pre-trained GPT learns to classify reviews (a head on its last token) and\n"
            << "to follow instructions (chat markers, the loss on the answers only).\n\n";
  demo::FinetuneJourneyOptions finetune;
  finetune.out = options.out;
  finetune.seed = options.seed;
  finetune.world_bytes = options.world_bytes;
  const demo::FinetuneJourneyResult tuned = demo::run_finetune_journey(finetune, std::cout);
  std::cout << "\n"
            << tuned.classify.summary << "\n"
            << tuned.instruct.summary << "\n  > " << tuned.question << "\n  " << tuned.answer
            << "\n\n  step 04 took " << tuned.seconds << " s; report: " << result.report.string()
            << "\n";

  std::cout << "\n== Step 05: alignment ==\n"
            << "The chat model learns from pairs of answers, one preferred (the right fact, an\n"
            << "answer at all, politeness), by DPO; the world's ground truth judges it.\n\n";
  demo::AlignmentJourneyOptions alignment;
  alignment.out = options.out;
  alignment.seed = options.seed;
  alignment.world_bytes = options.world_bytes;
  const demo::AlignmentJourneyResult aligned = demo::run_alignment_journey(alignment, std::cout);
  std::cout << "\n"
            << aligned.dpo.summary << "\n  step 05 took " << aligned.seconds
            << " s; report: " << result.report.string() << "\n";

  std::cout << "\n== Step 06: evaluation ==\n"
            << "The models of steps 03-05 on one report card: perplexity, accuracy with its\n"
            << "interval, answers judged by the world's ground truth, paired comparisons.\n\n";
  demo::EvaluationJourneyOptions evaluation;
  evaluation.out = options.out;
  evaluation.seed = options.seed;
  evaluation.world_bytes = options.world_bytes;
  const demo::EvaluationJourneyResult evaluated =
      demo::run_evaluation_journey(evaluation, std::cout);
  std::cout << "\n"
            << demo::evaluation_report(evaluation, evaluated) << "\n  step 06 took "
            << evaluated.seconds << " s; report: " << result.report.string() << "\n";

  std::cout << "\n== Step 07: deployment ==\n"
            << "The aligned model behind OpenAI's API on 127.0.0.1: one chat answer streamed\n"
            << "over HTTP, then a short load test of continuous batching.\n\n";
  demo::DeploymentJourneyOptions deployment;
  deployment.out = options.out;
  deployment.port = args.serve ? args.port : 0;
  demo::JourneyServer server(deployment, args.serve);
  const demo::DeploymentJourneyResult deployed =
      demo::run_deployment_journey(deployment, server, std::cout);
  std::cout << "\n  > " << deployed.question << "\n  " << deployed.answer
            << "\n  (the world's judge: " << data::correctness_name(deployed.verdict.correctness)
            << ")\n";

  const std::string card = course_report_card({.spiral = spiral,
                                               .text = text,
                                               .pretraining_options = options,
                                               .pretraining = result,
                                               .finetuning = tuned,
                                               .alignment = aligned,
                                               .evaluation = evaluated,
                                               .deployment = deployed});
  put_report_card_first(result.report, card);
  std::cout << "\n"
            << card << "\n  step 07 took " << deployed.seconds
            << " s; the whole report: " << result.report.string() << "\n";
  if (args.serve) {
    std::cout << "\nThe chat page: " << deployed.url << "/ (the API at " << deployed.url
              << "/v1). Ctrl-C stops the server." << std::endl;
    server.wait_for_signal();
  } else {
    server.stop();
    std::cout << "\nThe chat page was at " << deployed.url
              << "/; scripts/journey.sh --serve keeps it running." << std::endl;
  }
}

}  // namespace

void register_journey_command(CLI::App& app) {
  CLI::App* journey = app.add_subcommand(
      "journey", "Run the whole course end to end: what each step has built, in minutes");
  auto args = std::make_shared<JourneyArgs>();
  journey->add_option("--seed", args->spiral.seed, "Seed of the data and the initial weights")
      ->capture_default_str();
  journey->add_option("--spiral-steps", args->spiral.steps, "Training steps of the spiral demo")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  journey->add_option("--steps", args->pretraining.steps, "Pre-training steps of the GPT")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  journey
      ->add_option("--time-limit", args->pretraining.time_limit_seconds,
                   "Pre-training stops early, with a note, past this many seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  journey
      ->add_option("--out", args->pretraining.out,
                   "Run folder: its world/, data/, gpt/ and REPORT.md are replaced")
      ->capture_default_str();
  journey->add_option("--config", args->model_config, "The GPT's model config (JSON)")
      ->capture_default_str();
  journey->add_option("--size", args->pretraining.world_bytes, "Bytes of story text to generate")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{10000}, data::kMaxStoryBytes));
  journey->add_flag("--fortunes", args->pretraining.fortunes,
                    "Pre-train on Debian's fortunes instead of the generated world");
  journey->add_flag("--skip-pretraining", args->skip_pretraining,
                    "Run step 01's part only (the demos of the spiral and the bigram)");
  journey->add_flag("--serve", args->serve,
                    "After the journey, keep step 07's server running (the chat page and the "
                    "API) until Ctrl-C");
  journey->add_option("--port", args->port, "The port --serve listens on (127.0.0.1)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  journey->callback([args] { run_journey_command(*args); });
}

}  // namespace tinygpt::cli
