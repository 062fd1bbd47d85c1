#include "journey_demo.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/data/batching.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/models/bigram.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/train/language_model_figures.h"
#include "tinygpt/train/trainer.h"

#ifndef TINYGPT_JOURNEY_CONFIG
#define TINYGPT_JOURNEY_CONFIG "steps/03-pretraining/configs/journey.json"
#endif

namespace tinygpt::demo {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Validation rows per forward pass: large enough to keep the matmuls busy, small enough
// that the (rows * T, V) logits stay a few megabytes.
constexpr std::int64_t kEvalRows = 16;

// Summed losses of both models over the same target tokens.
struct WindowScores {
  double gpt_nats = 0.0;
  double bigram_nats = 0.0;
  std::int64_t windows = 0;
  std::int64_t tokens = 0;
};

// Scores every validation window (causal_lm_validation_windows: consecutive, non-overlapping
// windows of T inputs and their T shifted targets) with both models. The GPT sees up to T
// tokens of context inside the window, the bigram only the token before: the targets are
// the same tokens at the same positions, so the two losses are directly comparable.
WindowScores score_validation(models::Gpt& gpt, models::BigramModel& bigram,
                              const data::TokenFile& file, std::int64_t time) {
  WindowScores scores;
  scores.windows = data::causal_lm_validation_windows(file.size(), time);
  TINYGPT_CHECK(scores.windows >= 1, "journey: the validation split holds ", file.size(),
                " tokens, fewer than one window of ", time + 1,
                "; generate a larger corpus (--size) or use a smaller context");
  Tape tape;
  const NoGradGuard no_grad(tape);
  for (std::int64_t first = 0; first < scores.windows; first += kEvalRows) {
    const std::int64_t rows = std::min(kEvalRows, scores.windows - first);
    const data::LmBatch batch = data::causal_lm_validation_batch(file, first, rows, time);
    const double count = static_cast<double>(rows * time);
    tape.reset();
    const Tensor logits = gpt.forward(tape, batch.inputs, rows);
    scores.gpt_nats += nn::softmax_cross_entropy(tape, logits, batch.targets).item() * count;
    tape.reset();
    scores.bigram_nats += bigram.loss(tape, batch.inputs, batch.targets).item() * count;
    scores.tokens += rows * time;
  }
  tape.reset();
  return scores;
}

// The GPT's final weights from the trainer's last checkpoint (written whether the run
// finished or was stopped early; model/ is written only when it finished).
void load_checkpoint_weights(models::Gpt& model, const fs::path& checkpoint) {
  const SafetensorsFile file = SafetensorsFile::read(checkpoint);
  for (Parameter& parameter : model.parameters()) {
    const std::vector<float> values = file.floats("param." + parameter.name);
    TINYGPT_CHECK(values.size() == parameter.value.size(), "journey: ", checkpoint.string(),
                  " holds ", values.size(), " values for ", parameter.name, ", the model has ",
                  parameter.value.size());
    std::copy(values.begin(), values.end(), parameter.value.begin());
  }
}

// A few words of a record, as a prompt that is safe inside double quotes on a shell line.
std::string prompt_from(const std::string& record, int words) {
  std::string prompt;
  int taken = 0;
  for (const char c : record) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (space) {
      if (!prompt.empty() && prompt.back() != ' ' && ++taken == words) break;
      if (!prompt.empty() && prompt.back() != ' ') prompt += ' ';
      continue;
    }
    if (c == '"' || c == '\\' || c == '$' || c == '`' || c == '!') continue;
    prompt += c;
  }
  while (!prompt.empty() && prompt.back() == ' ') prompt.pop_back();
  return prompt.empty() ? "Once" : prompt;
}

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(seconds < 10 ? 1 : 0) << seconds << " s";
  return text.str();
}

void remove_if_present(const fs::path& path) {
  std::error_code error;
  fs::remove_all(path, error);
  TINYGPT_CHECK(!error, "journey: cannot remove ", path.string(), " (", error.message(),
                "); remove it yourself or choose another --out");
}

}  // namespace

fs::path default_journey_config() {
  return TINYGPT_JOURNEY_CONFIG;
}

ModelFigures make_figures(double loss, std::int64_t tokens, std::int64_t bytes) {
  return {loss, train::perplexity(loss), train::bits_per_byte(loss, tokens, bytes)};
}

JourneyResult run_journey(const JourneyOptions& options, std::ostream& log) {
  TINYGPT_CHECK(options.model.family == models::Family::kGpt,
                "journey: the model config must be of family gpt");
  TINYGPT_CHECK(options.vocab_size <= options.model.vocab_size, "journey: a BPE of ",
                options.vocab_size, " tokens does not fit the model's vocab_size ",
                options.model.vocab_size);
  const auto journey_start = Clock::now();
  JourneyResult result;
  const fs::path world_dir = options.out / "world";
  const fs::path data_dir = options.out / "data";
  const fs::path run_dir = options.out / "gpt";
  // A fresh run each time: the trainer refuses a folder that holds checkpoints.
  for (const fs::path& old : {world_dir, data_dir, run_dir, options.out / "REPORT.md"}) {
    remove_if_present(old);
  }
  fs::create_directories(options.out);

  // 1. The corpus.
  auto start = Clock::now();
  data::Corpus corpus;
  if (options.fortunes) {
    log << "  reading Debian's fortunes in " << options.fortunes_dir.string() << "\n";
    corpus = data::load_fortunes({}, options.fortunes_dir);
  } else {
    log << "  generating the world (seed " << options.seed << ", " << options.world_bytes
        << " bytes of stories) into " << world_dir.string() << "\n";
    data::GenerateOptions generate;
    generate.seed = options.seed;
    generate.size = options.world_bytes;
    generate.kinds = {"stories", "facts"};  // the pre-training corpus (load_world_corpus)
    data::generate(generate, world_dir);
    corpus = data::load_world_corpus(world_dir);
  }
  result.times.corpus = seconds_since(start);
  result.corpus = options.fortunes ? "fortunes" : "world";
  result.corpus_bytes = corpus.stats.bytes;
  result.train_records = static_cast<std::int64_t>(corpus.train.size());
  result.validation_records = static_cast<std::int64_t>(corpus.validation.size());
  TINYGPT_CHECK(!corpus.train.empty() && !corpus.validation.empty(),
                "journey: the corpus has no training or no validation records");
  log << "  corpus: " << result.train_records << " training and " << result.validation_records
      << " validation records, " << result.corpus_bytes << " bytes ("
      << format_seconds(result.times.corpus) << ")\n";

  // 2. The tokenizer, trained on the training split only, with GPT-2's end-of-text token
  // between records (as the trainer's own tokenizer would have).
  start = Clock::now();
  const std::vector<std::string> specials = {"<|endoftext|>"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(
      data::join_records(corpus.train, "\n\n"), options.vocab_size, specials);
  result.times.tokenizer = seconds_since(start);
  result.tokenizer_vocab = tokenizer.vocab_size();
  log << "  tokenizer: " << tokenizer.describe() << " (" << format_seconds(result.times.tokenizer)
      << ")\n";

  start = Clock::now();
  fs::create_directories(data_dir);
  tokenizer.save(data_dir / "tokenizer.bpe");
  const data::CorpusTokenFiles token_files =
      data::write_corpus_token_files(corpus, tokenizer, data_dir);
  result.times.tokenising = seconds_since(start);
  result.train_tokens = token_files.train.tokens;
  result.validation_tokens = token_files.validation.tokens;
  result.validation_bytes = token_files.validation.bytes;
  log << "  token files: " << result.train_tokens << " training and " << result.validation_tokens
      << " validation tokens, " << std::fixed << std::setprecision(2)
      << static_cast<double>(result.validation_bytes) /
             static_cast<double>(result.validation_tokens)
      << " bytes per token (" << format_seconds(result.times.tokenising) << ")\n";

  const data::TokenFile train_file(data_dir / "train.tokens");
  const data::TokenFile validation_file(data_dir / "validation.tokens");

  // 3. The baseline: step 01's bigram on the same token files.
  log << "\n  the bigram baseline (step 01's model and trainer, same tokens)\n";
  start = Clock::now();
  models::BigramModel bigram(static_cast<std::int32_t>(options.model.vocab_size));
  {
    const std::vector<std::int32_t> train_tokens = train_file.tokens(0, train_file.size());
    const std::vector<std::int32_t> validation_tokens =
        validation_file.tokens(0, validation_file.size());
    const train::BigramReport report = train::train_bigram(
        bigram, train_tokens, validation_tokens, result.validation_bytes, options.bigram, log);
    result.bigram_all_pairs_loss = report.validation_loss;
  }
  result.times.bigram = seconds_since(start);
  log << "  bigram trained (" << format_seconds(result.times.bigram) << ")\n";

  // 4. The GPT, with the step's trainer.
  train::TrainConfig config;
  config.model = options.model;
  config.model_config = default_journey_config();
  config.data = data_dir;
  config.out = run_dir;
  config.steps = options.steps;
  config.batch = options.batch;
  config.lr = options.lr;
  config.min_lr = options.lr / 10.0f;
  config.eval_interval = options.eval_interval;
  config.keep = 1;
  config.seed = options.seed;
  config.time_limit = options.time_limit_seconds;
  log << "\n  pre-training the GPT (" << options.model.layers << " layers, " << options.model.heads
      << " heads, width " << options.model.width << ", context " << options.model.context_length
      << ") for " << options.steps << " steps of " << options.batch << " x " << config.time()
      << " tokens; stops early past " << format_seconds(options.time_limit_seconds)
      << "; Ctrl-C stops it early too\n";
  train::TrainCallbacks callbacks;
  callbacks.on_message = [&log](const std::string& message) {
    log << "  trainer: " << message << "\n";
  };
  callbacks.on_step = [&](const train::StepReport& report) {
    const bool print = report.val_loss || report.step == 1 ||
                       (options.print_every > 0 && report.step % options.print_every == 0);
    if (!print) return;
    const double eta = report.elapsed_seconds / static_cast<double>(report.step) *
                       static_cast<double>(report.steps - report.step);
    log << "  step " << std::setw(5) << report.step << "/" << report.steps << "  loss "
        << std::fixed << std::setprecision(3) << report.loss;
    if (report.val_loss) log << "  val " << *report.val_loss;
    log << "  " << std::setprecision(0) << report.tokens_per_second << " tokens/s  "
        << format_seconds(report.elapsed_seconds) << " (ETA " << format_seconds(eta) << ")\n";
  };
  start = Clock::now();
  train::TrainResult training;
  {
    const train::StopOnSignals stop_on_signals;
    training = train::run_training(config, callbacks);
  }
  result.times.pretraining = seconds_since(start);
  result.steps_done = training.last_step;
  result.stopped_by_time_limit = training.time_limited;
  result.tokens_per_second = training.tokens_per_second;
  result.train_losses = training.losses;
  if (training.interrupted || training.time_limited) {
    log << "  note: pre-training stopped after " << training.last_step << " of " << options.steps
        << " steps"
        << (training.time_limited ? " (the wall-clock limit; --time-limit raises it)"
                                  : " (interrupted)")
        << "\n";
  }
  log << "  pre-trained in " << format_seconds(result.times.pretraining) << ", " << std::fixed
      << std::setprecision(0) << result.tokens_per_second << " tokens/s\n";

  models::Gpt gpt(options.model);
  load_checkpoint_weights(gpt, training.checkpoint);
  result.parameters = gpt.parameters().numel();
  result.model_dir = run_dir / "model";
  if (!fs::is_directory(result.model_dir)) {
    models::save_pretrained_gpt(result.model_dir, gpt, tokenizer);
  }

  // 5. Both models on the same validation windows.
  start = Clock::now();
  const WindowScores scores = score_validation(gpt, bigram, validation_file, config.time());
  result.times.evaluation = seconds_since(start);
  result.validation_windows = scores.windows;
  result.scored_tokens = scores.tokens;
  const double scored = static_cast<double>(scores.tokens);
  result.bigram =
      make_figures(scores.bigram_nats / scored, result.validation_tokens, result.validation_bytes);
  result.gpt =
      make_figures(scores.gpt_nats / scored, result.validation_tokens, result.validation_bytes);

  // 6. Samples at a fixed temperature and fixed seeds, each starting a new record.
  start = Clock::now();
  const std::int32_t end_of_text = data::end_of_text_id(tokenizer);
  const std::vector<std::int32_t> prompt = {end_of_text >= 0 ? end_of_text
                                                             : validation_file.token(0)};
  for (int i = 0; i < options.samples; ++i) {
    models::GenerateOptions generate;
    generate.max_new_tokens = options.sample_tokens;
    generate.sampling.temperature = options.temperature;
    generate.seed = static_cast<std::uint64_t>(i + 1);
    if (end_of_text >= 0) generate.stop_token = end_of_text;
    generate.usable_vocab = tokenizer.vocab_size();
    std::vector<std::int32_t> tokens = models::generate(gpt, prompt, generate);
    if (!tokens.empty() && tokens.back() == end_of_text) tokens.pop_back();
    result.samples.push_back(tokenizer.decode(tokens));
    result.sample_seeds.push_back(generate.seed);
  }
  result.times.samples = seconds_since(start);

  result.report = options.out / "REPORT.md";
  result.times.total = seconds_since(journey_start);
  result.prompt = prompt_from(corpus.validation[0], 3);
  write_file_atomically(result.report, journey_report(options, result));
  return result;
}

std::string journey_report(const JourneyOptions& options, const JourneyResult& result) {
  std::ostringstream md;
  const fs::path& out = options.out;
  const std::string model = (out / "gpt" / "model").string();
  md << std::fixed;
  md << "# The journey: pre-training report\n\n"
     << "Corpus: " << (result.corpus == "world" ? "the generated world" : "Debian's fortunes")
     << " (seed " << options.seed << "), " << result.corpus_bytes << " bytes in "
     << result.train_records << " training and " << result.validation_records
     << " validation records. Tokenizer: byte-level BPE of " << result.tokenizer_vocab
     << " tokens, trained on the training split. Model: a GPT of " << options.model.layers
     << " layers, " << options.model.heads << " heads, width " << options.model.width
     << ", context " << options.model.context_length << ", " << result.parameters
     << " parameters, trained for " << result.steps_done << " steps of " << options.batch
     << " sequences (peak learning rate " << std::setprecision(4) << options.lr << ").";
  if (result.stopped_by_time_limit) {
    md << " **Stopped early** by the wall-clock limit after " << result.steps_done << " of "
       << options.steps << " steps.";
  }
  md << "\n\n## Validation figures\n\n"
     << "| model | loss (nats/token) | perplexity | bits per byte |\n"
     << "|---|---:|---:|---:|\n"
     << std::setprecision(3) << "| bigram (step 01) | " << result.bigram.loss << " | "
     << result.bigram.perplexity << " | " << result.bigram.bits_per_byte << " |\n"
     << "| GPT (step 03) | " << result.gpt.loss << " | " << result.gpt.perplexity << " | "
     << result.gpt.bits_per_byte << " |\n"
     << "| GPT - bigram | " << result.gpt.loss - result.bigram.loss << " | x"
     << result.gpt.perplexity / result.bigram.perplexity << " | "
     << result.gpt.bits_per_byte - result.bigram.bits_per_byte << " |\n\n"
     << "Both models score the same " << result.scored_tokens << " target tokens: the "
     << result.validation_windows << " consecutive windows of " << options.model.context_length
     << " + 1 tokens that tile validation.tokens (" << result.validation_tokens
     << " tokens). The GPT predicts each target from the window's tokens before it, the "
        "bigram from the one token before it. Perplexity = exp(loss); bits per byte = loss x "
     << result.validation_tokens << " tokens / " << result.validation_bytes
     << " bytes of validation text / ln 2. On every validation pair, not only the windows, "
        "the bigram's loss is "
     << std::setprecision(3) << result.bigram_all_pairs_loss << ".\n\n"
     << "## Loss curve\n\n"
     << "![training and validation loss](gpt/loss.svg)\n\n"
     << "[gpt/loss.svg](gpt/loss.svg): the GPT's training loss per step and validation loss "
        "on the trainer's fixed validation batches; gpt/metrics.jsonl holds the numbers.\n\n"
     << "## Samples\n\n"
     << "Temperature " << std::setprecision(1) << options.temperature << ", at most "
     << options.sample_tokens << " tokens, each from the end-of-text token (a new record).\n\n";
  for (std::size_t i = 0; i < result.samples.size(); ++i) {
    md << "Seed " << result.sample_seeds[i] << ":\n\n```text\n" << result.samples[i] << "\n```\n\n";
  }
  md << "## Times\n\n"
     << "| part | seconds |\n|---|---:|\n"
     << std::setprecision(1) << "| corpus | " << result.times.corpus << " |\n"
     << "| tokenizer | " << result.times.tokenizer << " |\n"
     << "| token files | " << result.times.tokenising << " |\n"
     << "| bigram | " << result.times.bigram << " |\n"
     << "| pre-training | " << result.times.pretraining << " |\n"
     << "| evaluation | " << result.times.evaluation << " |\n"
     << "| samples | " << result.times.samples << " |\n"
     << "| total | " << result.times.total << " |\n\n"
     << "## Going on\n\n"
     << "With `build/release/apps/tinygpt` (what scripts/journey.sh builds) as `tinygpt`:\n\n"
     << "```sh\n"
     << "tinygpt generate --model " << model << " --temperature 0.8 --seed 7\n"
     << "tinygpt generate --model " << model << " --prompt \"" << result.prompt
     << "\" --temperature 0.8\n"
     << "tinygpt train --config " << default_journey_config().string() << " --data "
     << (out / "data").string() << " --out " << (out.parent_path() / "journey-long").string()
     << " --steps " << 4 * options.steps << " --batch " << options.batch << " --lr "
     << std::setprecision(4) << options.lr << "\n"
     << "tinygpt journey --steps " << 4 * options.steps << "   # the whole journey, longer\n"
     << "```\n";
  return md.str();
}

void print_journey_summary(const JourneyResult& result, std::ostream& out) {
  out << std::fixed << std::setprecision(3) << "\n"
      << "  validation (" << result.scored_tokens << " tokens)   loss    perplexity  bits/byte\n"
      << "  bigram (step 01)           " << std::setw(6) << result.bigram.loss << "  "
      << std::setw(10) << result.bigram.perplexity << "  " << std::setw(9)
      << result.bigram.bits_per_byte << "\n"
      << "  GPT (step 03)              " << std::setw(6) << result.gpt.loss << "  " << std::setw(10)
      << result.gpt.perplexity << "  " << std::setw(9) << result.gpt.bits_per_byte << "\n"
      << "  GPT - bigram               " << std::setw(6) << result.gpt.loss - result.bigram.loss
      << "\n";
  for (std::size_t i = 0; i < result.samples.size(); ++i) {
    out << "\n  --- sample (seed " << result.sample_seeds[i] << ") ---\n"
        << result.samples[i] << "\n";
  }
  out << std::setprecision(1) << "\n  times: corpus " << result.times.corpus << " s, tokenizer "
      << result.times.tokenizer << " s, token files " << result.times.tokenising << " s, bigram "
      << result.times.bigram << " s, pre-training " << result.times.pretraining << " s, evaluation "
      << result.times.evaluation << " s, samples " << result.times.samples << " s; total "
      << result.times.total << " s\n"
      << "  report: " << result.report.string() << "\n"
      << "  model:  " << result.model_dir.string() << " (tinygpt generate --model ...)\n";
}

}  // namespace tinygpt::demo
