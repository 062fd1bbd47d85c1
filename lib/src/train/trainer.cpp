// The pre-training loop (see trainer.h): data preparation, the step, validation, samples,
// metrics, checkpoints and the loss curve.
#include "tinygpt/train/trainer.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/data/batching.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/models/encoder.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/models/seq2seq.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/train/checkpoint.h"
#include "tinygpt/train/clipping.h"
#include "tinygpt/train/distributed.h"
#include "tinygpt/train/optimizers.h"
#include "tinygpt/train/schedule.h"

namespace tinygpt::train {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------
// Stopping on a signal

namespace {
// Lock-free, so setting it from a signal handler is safe.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void stop_signal_handler(int) {
  g_stop.store(true);
}
}  // namespace

void request_stop() {
  g_stop.store(true);
}
bool stop_requested() {
  return g_stop.load();
}
void clear_stop_request() {
  g_stop.store(false);
}

struct StopOnSignals::Saved {
  struct sigaction interrupt {};
  struct sigaction terminate {};
};

StopOnSignals::StopOnSignals() : saved_(new Saved) {
  struct sigaction action {};
  action.sa_handler = stop_signal_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, &saved_->interrupt);
  sigaction(SIGTERM, &action, &saved_->terminate);
}

StopOnSignals::~StopOnSignals() {
  sigaction(SIGINT, &saved_->interrupt, nullptr);
  sigaction(SIGTERM, &saved_->terminate, nullptr);
  delete saved_;
}

// ---------------------------------------------------------------------------------------
// The config

namespace {

constexpr const char* kConfigFields[] = {
    "model_config",
    "family",
    "data",
    "out",
    "tokenizer",
    "steps",
    "epochs",
    "batch",
    "micro_batches",
    "context",
    "lr",
    "min_lr",
    "warmup",
    "weight_decay",
    "clip",
    "eval_interval",
    "eval_batches",
    "sample_interval",
    "sample_tokens",
    "checkpoint_interval",
    "keep",
    "seed",
};

template <typename Value>
void read_field(const Json& json, const char* key, Value& value, const std::string& origin) {
  if (!json.contains(key)) return;
  const Json& field = json.at(key);
  if constexpr (std::is_same_v<Value, float> || std::is_same_v<Value, double>) {
    TINYGPT_CHECK(field.is_number(), origin, ": field '", key, "' must be a number, got ",
                  field.dump());
    value = field.get<Value>();
  } else if constexpr (std::is_same_v<Value, fs::path>) {
    TINYGPT_CHECK(field.is_string(), origin, ": field '", key, "' must be a string (a path), got ",
                  field.dump());
    value = field.get<std::string>();
  } else {
    TINYGPT_CHECK(field.is_number_integer(), origin, ": field '", key, "' must be an integer, got ",
                  field.dump());
    value = field.get<Value>();
  }
}

// A path of the config file is relative to the file's folder.
fs::path relative_to(const fs::path& base, const fs::path& path) {
  if (path.empty() || path.is_absolute()) return path;
  return base / path;
}

}  // namespace

TrainConfig parse_train_config(std::string_view json_text, const fs::path& origin) {
  const std::string where = origin.string();
  const Json json = Json::parse(json_text, nullptr, false);
  TINYGPT_CHECK(!json.is_discarded() && json.is_object(), where,
                ": not a JSON object (a training config is {\"model_config\": ..., ...})");
  for (const auto& [key, value] : json.items()) {
    bool known = false;
    for (const char* field : kConfigFields) known = known || key == field;
    TINYGPT_CHECK(known, where, ": unknown field '", key, "'");
  }
  TrainConfig config;
  const fs::path base = origin.parent_path();
  read_field(json, "model_config", config.model_config, where);
  TINYGPT_CHECK(!config.model_config.empty(), where,
                ": field 'model_config' (the model's config.json) is missing");
  config.model_config = relative_to(base, config.model_config);
  config.model = models::load_model_config(config.model_config);
  if (json.contains("family")) {
    TINYGPT_CHECK(json.at("family").is_string(), where, ": field 'family' must be a string");
    const std::string family = json.at("family").get<std::string>();
    TINYGPT_CHECK(family == models::family_name(config.model.family), where, ": family '", family,
                  "' but the model config ", config.model_config.string(), " is a '",
                  models::family_name(config.model.family), "'");
  }
  read_field(json, "data", config.data, where);
  read_field(json, "out", config.out, where);
  read_field(json, "tokenizer", config.tokenizer, where);
  config.data = relative_to(base, config.data);
  config.out = relative_to(base, config.out);
  config.tokenizer = relative_to(base, config.tokenizer);
  read_field(json, "steps", config.steps, where);
  read_field(json, "epochs", config.epochs, where);
  read_field(json, "batch", config.batch, where);
  read_field(json, "micro_batches", config.micro_batches, where);
  read_field(json, "context", config.context, where);
  read_field(json, "lr", config.lr, where);
  read_field(json, "min_lr", config.min_lr, where);
  read_field(json, "warmup", config.warmup, where);
  read_field(json, "weight_decay", config.weight_decay, where);
  read_field(json, "clip", config.clip, where);
  read_field(json, "eval_interval", config.eval_interval, where);
  read_field(json, "eval_batches", config.eval_batches, where);
  read_field(json, "sample_interval", config.sample_interval, where);
  read_field(json, "sample_tokens", config.sample_tokens, where);
  read_field(json, "checkpoint_interval", config.checkpoint_interval, where);
  read_field(json, "keep", config.keep, where);
  read_field(json, "seed", config.seed, where);
  return config;
}

std::string to_json(const TrainConfig& config) {
  // Fields in a fixed order (ordered_json), so two equal configs give equal text.
  nlohmann::ordered_json json;
  json["model_config"] = config.model_config.string();
  json["family"] = models::family_name(config.model.family);
  json["data"] = config.data.string();
  json["out"] = config.out.string();
  json["tokenizer"] = config.tokenizer.string();
  json["steps"] = config.steps;
  if (config.epochs > 0.0) json["epochs"] = config.epochs;
  json["batch"] = config.batch;
  json["micro_batches"] = config.micro_batches;
  json["context"] = config.time();
  json["lr"] = config.lr;
  json["min_lr"] = config.min_lr;
  json["warmup"] = config.warmup_steps();
  json["weight_decay"] = config.weight_decay;
  json["clip"] = config.clip;
  json["eval_interval"] = config.eval_interval;
  json["eval_batches"] = config.eval_batches;
  json["sample_interval"] = config.sample_interval;
  json["sample_tokens"] = config.sample_tokens;
  json["checkpoint_interval"] = config.checkpoint_interval;
  json["keep"] = config.keep;
  json["seed"] = config.seed;
  return json.dump();
}

namespace {

bool has_token_files(const fs::path& dir) {
  return fs::is_regular_file(dir / "train.tokens") &&
         fs::is_regular_file(dir / "validation.tokens");
}

// The translation pairs of a folder made by `tinygpt data generate`, or "" when none.
fs::path translation_file(const fs::path& dir) {
  for (const char* name : {"translation.txt", "translation.jsonl"}) {
    if (fs::is_regular_file(dir / name)) return dir / name;
  }
  return {};
}

// Creates `out` and proves it can hold a file, before any work is done.
void check_writable(const fs::path& out) {
  std::error_code error;
  fs::create_directories(out, error);
  TINYGPT_CHECK(!error && fs::is_directory(out), "--out ", out.string(),
                ": cannot create the output folder (", error.message(),
                "); choose a folder you can write to");
  const fs::path probe = out / (".write-test-" + std::to_string(::getpid()));
  {
    std::ofstream file(probe);
    file << "ok";
    TINYGPT_CHECK(file.good(), "--out ", out.string(),
                  ": the output folder is not writable; choose a folder you can write to");
  }
  fs::remove(probe, error);
}

// The settings that need S, once it is known (given, default, or from epochs).
void check_step_settings(const TrainConfig& config) {
  TINYGPT_CHECK(config.steps >= 1 && config.steps < 100000000, "--steps must be in [1, 10^8), got ",
                config.steps);
  const WarmupCosineSettings schedule{config.lr, config.min_lr, config.warmup_steps(),
                                      config.steps};
  TINYGPT_CHECK(config.warmup >= -1 && config.warmup_steps() <= config.steps,
                "--warmup must be in [0, ", config.steps,
                "] (the run's steps) or -1 (automatic), got ", config.warmup);
  check_schedule(schedule);
}

}  // namespace

void check_train_config(const TrainConfig& config) {
  TINYGPT_CHECK(config.steps == 0 || config.epochs == 0.0, "--steps ", config.steps,
                " and --epochs ", config.epochs,
                " were both given; give one of them (steps, or passes over the training data)");
  TINYGPT_CHECK(std::isfinite(config.epochs) && config.epochs >= 0.0 && config.epochs <= 1e6,
                "--epochs must be positive (at most 10^6), got ", config.epochs);
  TINYGPT_CHECK(config.steps >= 0 && config.steps < 100000000, "--steps must be in [1, 10^8), got ",
                config.steps);
  if (config.epochs == 0.0) {
    TrainConfig known = config;
    if (known.steps == 0) known.steps = kDefaultSteps;
    check_step_settings(known);
  }
  TINYGPT_CHECK(config.batch >= 1, "--batch must be at least 1, got ", config.batch);
  TINYGPT_CHECK(config.micro_batches >= 1 && config.batch % config.micro_batches == 0,
                "--micro-batches must be at least 1 and divide --batch ", config.batch, ", got ",
                config.micro_batches);
  TINYGPT_CHECK(
      config.context >= 0 && config.time() >= 1 && config.time() <= config.model.context_length,
      "--context must be in [1, ", config.model.context_length,
      "] (the model's context_length), got ", config.time());
  TINYGPT_CHECK(config.weight_decay >= 0.0f, "--weight-decay must be 0 or more, got ",
                config.weight_decay);
  TINYGPT_CHECK(config.clip > 0.0f, "--clip must be positive, got ", config.clip);
  TINYGPT_CHECK(config.eval_interval >= 1, "--eval-interval must be at least 1, got ",
                config.eval_interval);
  TINYGPT_CHECK(config.eval_batches >= 1, "--eval-batches must be at least 1, got ",
                config.eval_batches);
  TINYGPT_CHECK(config.sample_interval >= 0 && config.sample_tokens >= 0,
                "--sample-interval and --sample-tokens must be 0 or more");
  TINYGPT_CHECK(config.checkpoint_interval >= 0, "--checkpoint-interval must be 0 or more, got ",
                config.checkpoint_interval);
  TINYGPT_CHECK(config.keep >= 1, "--keep must be at least 1, got ", config.keep);
  TINYGPT_CHECK(!config.data.empty(),
                "--data is missing: give a folder of token files, a folder "
                "made by `tinygpt data generate`, or a text file");
  TINYGPT_CHECK(fs::exists(config.data), "--data ", config.data.string(),
                ": no such file or folder");
  if (config.model.family == models::Family::kSeq2Seq) {
    TINYGPT_CHECK(!translation_file(config.data).empty(), "--data ", config.data.string(),
                  ": a seq2seq model trains on translation pairs; the folder needs translation.txt "
                  "or translation.jsonl (make it with: tinygpt data generate --kinds translation "
                  "--out ",
                  config.data.string(), ")");
  } else if (fs::is_directory(config.data)) {
    TINYGPT_CHECK(has_token_files(config.data) || fs::is_regular_file(config.data / "stories.txt"),
                  "--data ", config.data.string(),
                  ": the folder has neither train.tokens + validation.tokens nor stories.txt "
                  "(make it with: tinygpt data generate --out ",
                  config.data.string(), ")");
  }
  if (!config.tokenizer.empty()) {
    TINYGPT_CHECK(fs::is_regular_file(config.tokenizer), "--tokenizer ", config.tokenizer.string(),
                  ": no such file");
  }
  TINYGPT_CHECK(!config.out.empty(), "--out is missing: the folder for checkpoints and logs");
  check_writable(config.out);
}

std::int64_t steps_for_epochs(double epochs, std::int64_t epoch_units,
                              std::int64_t units_per_step) {
  TINYGPT_CHECK(epochs > 0.0 && epoch_units >= 1 && units_per_step >= 1,
                "steps_for_epochs: epochs ", epochs, ", units per epoch ", epoch_units,
                " and per step ", units_per_step, " must be positive");
  const double steps =
      std::ceil(epochs * static_cast<double>(epoch_units) / static_cast<double>(units_per_step));
  TINYGPT_CHECK(steps >= 1.0 && steps < 1e8, "--epochs ", epochs, " of ", epoch_units,
                " training units at ", units_per_step, " per step would be ", steps,
                " steps; choose epochs that give [1, 10^8) steps");
  return static_cast<std::int64_t>(steps);
}

// ---------------------------------------------------------------------------------------
// Data

namespace {

struct PreparedData {
  std::optional<text::BpeTokenizer> tokenizer;  // always set by prepare_data
  std::uint64_t tokenizer_hash = 0;
  std::int32_t end_of_text = -1;
  fs::path dir;  // holds train.tokens, validation.tokens (not for seq2seq), tokenizer.bpe
  std::vector<data::TranslationPair> pairs;  // seq2seq only
};

void say(const TrainCallbacks& callbacks, const std::string& message) {
  if (callbacks.on_message) callbacks.on_message(message);
}

// The special tokens a tokenizer trained for a family gets.
std::vector<std::string> family_specials(models::Family family) {
  switch (family) {
    case models::Family::kGpt:
      return {"<|endoftext|>"};
    case models::Family::kEncoder:
      return {"<|endoftext|>", "[CLS]", "[SEP]", "[PAD]", "[MASK]"};
    case models::Family::kSeq2Seq:
      return {"<|endoftext|>", "[BOS]", "[EOS]", "[PAD]"};
  }
  return {};
}

text::BpeTokenizer train_tokenizer(const TrainConfig& config, const std::string& text,
                                   const TrainCallbacks& callbacks) {
  say(callbacks,
      "training a byte-level BPE of " + std::to_string(config.model.vocab_size) + " tokens");
  const std::vector<std::string> specials = family_specials(config.model.family);
  return text::BpeTokenizer::train(text, static_cast<std::int32_t>(config.model.vocab_size),
                                   specials);
}

// A file rank 0 wrote, which another rank must see: the ranks share `out`.
void require_shared(const fs::path& file) {
  TINYGPT_CHECK(fs::is_regular_file(file), file.string(),
                ": rank 0 wrote it but this rank cannot see it; the ranks of a data-parallel run "
                "need a shared filesystem for --out");
}

// Seq2seq: the translation pairs, and a tokenizer (--tokenizer, the data's tokenizer.bpe,
// or one trained on both sides of the pairs into out/data, reused on resume). `reader`:
// rank 0 has prepared out/data already; read what it wrote.
void prepare_pairs(const TrainConfig& config, const TrainCallbacks& callbacks, bool reader,
                   PreparedData& prepared) {
  const fs::path file = translation_file(config.data);
  say(callbacks, "reading translation pairs from " + file.string());
  prepared.pairs = data::load_translation_pairs(file);
  TINYGPT_CHECK(prepared.pairs.size() >= 2, "--data ", file.string(),
                ": too few translation pairs to split into training and validation");
  prepared.dir = config.out / "data";
  const fs::path saved = prepared.dir / "tokenizer.bpe";
  if (!config.tokenizer.empty()) {
    prepared.tokenizer = text::BpeTokenizer::load(config.tokenizer);
  } else if (fs::is_regular_file(config.data / "tokenizer.bpe")) {
    prepared.tokenizer = text::BpeTokenizer::load(config.data / "tokenizer.bpe");
  } else if (reader || (config.resume && fs::is_regular_file(saved))) {
    require_shared(saved);
    prepared.tokenizer = text::BpeTokenizer::load(saved);
  } else {
    std::string text;
    for (const data::TranslationPair& pair : prepared.pairs) {
      text += pair.source + "\n" + pair.target + "\n";
    }
    prepared.tokenizer = train_tokenizer(config, text, callbacks);
    fs::create_directories(prepared.dir);
    prepared.tokenizer->save(saved);
  }
}

// Token files as given, or a text corpus tokenised into out/data (once: a resumed run
// reuses them). `reader`: rank 0 has tokenised already; read what it wrote.
void prepare_token_files(const TrainConfig& config, const TrainCallbacks& callbacks, bool reader,
                         PreparedData& prepared) {
  if (fs::is_directory(config.data) && has_token_files(config.data)) {
    prepared.dir = config.data;
    const fs::path tokenizer_path =
        config.tokenizer.empty() ? config.data / "tokenizer.bpe" : config.tokenizer;
    TINYGPT_CHECK(fs::is_regular_file(tokenizer_path), "--data ", config.data.string(),
                  ": no tokenizer.bpe beside the token files; give the tokenizer that made them "
                  "with --tokenizer");
    prepared.tokenizer = text::BpeTokenizer::load(tokenizer_path);
    return;
  }
  prepared.dir = config.out / "data";
  const fs::path tokenizer_path = prepared.dir / "tokenizer.bpe";
  if (reader) {
    for (const char* name : {"tokenizer.bpe", "train.tokens", "validation.tokens"}) {
      require_shared(prepared.dir / name);
    }
  }
  if ((reader || config.resume) && has_token_files(prepared.dir) &&
      fs::is_regular_file(tokenizer_path)) {
    prepared.tokenizer = text::BpeTokenizer::load(tokenizer_path);
    return;
  }
  data::Corpus corpus;
  if (fs::is_directory(config.data)) {
    say(callbacks, "reading the generated world in " + config.data.string());
    corpus = data::load_world_corpus(config.data);
  } else {
    say(callbacks, "reading " + config.data.string());
    const std::vector<fs::path> files = {config.data};
    corpus = data::load_text_files(files, {});
  }
  if (!config.tokenizer.empty()) {
    prepared.tokenizer = text::BpeTokenizer::load(config.tokenizer);
  } else {
    prepared.tokenizer =
        train_tokenizer(config, data::join_records(corpus.train, "\n\n"), callbacks);
  }
  say(callbacks, "tokenising into " + prepared.dir.string());
  fs::create_directories(prepared.dir);
  prepared.tokenizer->save(tokenizer_path);
  data::write_corpus_token_files(corpus, *prepared.tokenizer, prepared.dir);
}

PreparedData prepare_data(const TrainConfig& config, const TrainCallbacks& callbacks, bool reader) {
  PreparedData prepared;
  if (config.model.family == models::Family::kSeq2Seq) {
    prepare_pairs(config, callbacks, reader, prepared);
  } else {
    prepare_token_files(config, callbacks, reader, prepared);
  }
  TINYGPT_CHECK(prepared.tokenizer->vocab_size() <= config.model.vocab_size, "the tokenizer has ",
                prepared.tokenizer->vocab_size(), " tokens but the model's vocab_size is ",
                config.model.vocab_size,
                "; use a model config with vocab_size >= ", prepared.tokenizer->vocab_size());
  if (prepared.tokenizer->vocab_size() < config.model.vocab_size) {
    say(callbacks, "note: the tokenizer has " + std::to_string(prepared.tokenizer->vocab_size()) +
                       " tokens, the model " + std::to_string(config.model.vocab_size) +
                       "; the ids above the tokenizer's never occur in the data");
  }
  prepared.tokenizer_hash = data::tokenizer_hash(*prepared.tokenizer);
  prepared.end_of_text = data::end_of_text_id(*prepared.tokenizer);
  return prepared;
}

// A special token the family needs, with an error that says which tokenizer lacks it.
std::int32_t required_special(const text::BpeTokenizer& tokenizer, const char* special,
                              models::Family family) {
  try {
    return tokenizer.special_id(special);
  } catch (const Error&) {
    TINYGPT_CHECK(false, "a ", models::family_name(family), " model needs the special token ",
                  special,
                  " in its tokenizer; let the trainer train one (no --tokenizer) or train one "
                  "with that special token");
  }
  return -1;
}

// ---------------------------------------------------------------------------------------
// Metrics

// Keeps the lines of metrics.jsonl up to `step` (a resumed run redoes the later ones).
void truncate_metrics(const fs::path& path, std::int64_t step) {
  if (!fs::is_regular_file(path)) return;
  std::istringstream in(read_file(path));
  std::string kept, line;
  while (std::getline(in, line)) {
    const Json json = Json::parse(line, nullptr, false);
    if (json.is_object() && json.contains("step") && json.at("step").get<std::int64_t>() <= step) {
      kept += line + "\n";
    }
  }
  write_file_atomically(path, kept);
}

void draw_loss_curve(const fs::path& metrics, const fs::path& svg_path) {
  svg::Series train{"train loss", {}}, validation{"validation loss", {}};
  std::istringstream in(read_file(metrics));
  std::string line;
  while (std::getline(in, line)) {
    const Json json = Json::parse(line, nullptr, false);
    if (!json.is_object()) continue;
    const double step = json.value("step", 0.0);
    train.points.push_back({step, json.value("loss", 0.0)});
    if (json.contains("val_loss")) validation.points.push_back({step, json.at("val_loss")});
  }
  if (train.points.empty()) return;
  std::vector<svg::Series> series = {train};
  if (!validation.points.empty()) series.push_back(validation);
  svg::LineChartOptions options;
  options.title = "loss";
  options.x_label = "step";
  options.y_label = "cross-entropy (nats)";
  write_file_atomically(svg_path, svg::line_chart(series, options));
}

// ---------------------------------------------------------------------------------------
// The families. Each says how micro-batch rows become a loss; the step (accumulation,
// clipping, schedule, AdamW) and evaluation are shared.

class FamilyRun {
 public:
  FamilyRun(const TrainConfig& config, const PreparedData& prepared)
      : config_(config), prepared_(prepared) {}
  virtual ~FamilyRun() = default;

  virtual ParameterSet& parameters() = 0;
  AdamW& optimizer() { return *optimizer_; }

  // What one optimizer step gives back.
  struct StepOutcome {
    float loss = 0.0f;               // the mean over the global batch
    float grad_norm = 0.0f;          // of the averaged gradient, before clipping
    double allreduce_seconds = 0.0;  // averaging the gradients over the ranks
  };

  // One optimizer step. This rank takes examples [rank B/P, (rank+1) B/P) of the global
  // batch in N micro-batches; averaging over the ranks then gives every rank the gradient
  // of the whole batch, so clipping and AdamW take the same step everywhere.
  StepOutcome step(std::int64_t step, float lr, Communicator& communicator,
                   GradientAverager& averager) {
    const std::int64_t per_rank = config_.batch / communicator.size();
    const std::int64_t rows = per_rank / config_.micro_batches;
    const std::int64_t first = communicator.rank() * per_rank;
    const std::array<float, 1> scale = {1.0f / static_cast<float>(config_.micro_batches)};
    parameters().zero_grad();
    float loss_sum = 0.0f;
    for (std::int64_t m = 0; m < config_.micro_batches; ++m) {
      tape_.reset();
      models::RunOptions options;
      options.training = true;
      options.seed = config_.seed;
      options.step = static_cast<std::uint64_t>(step);
      options.first_example = static_cast<std::uint64_t>(first + m * rows);
      const data::BatchKey key{config_.seed, static_cast<std::uint64_t>(step), first + m * rows,
                               rows};
      const Tensor loss = training_loss(key, options);
      loss_sum += loss.item() * scale[0];
      tape_.backward(loss, scale);
    }
    tape_.reset();
    StepOutcome outcome;
    outcome.allreduce_seconds = averager.average(communicator, parameters());
    outcome.grad_norm = clip_grad_norm(parameters(), config_.clip);
    optimizer_->set_learning_rate(lr);
    optimizer_->step(parameters());
    outcome.loss = static_cast<float>(communicator.allreduce_sum(static_cast<double>(loss_sum)) /
                                      communicator.size());
    return outcome;
  }

  // Mean loss over the fixed validation batches (evaluation mode, no gradients). The
  // batches are shared out round-robin over the ranks and their losses summed over all.
  float validation_loss(Communicator& communicator) {
    const std::int64_t rows = config_.batch / config_.micro_batches;
    double sum = 0.0;
    NoGradGuard no_grad(tape_);
    for (std::int64_t b = communicator.rank(); b < config_.eval_batches; b += communicator.size()) {
      tape_.reset();
      sum += validation_batch_loss(b * rows, rows).item();
    }
    tape_.reset();
    sum = communicator.allreduce_sum(sum);
    return static_cast<float>(sum / static_cast<double>(config_.eval_batches));
  }

  // One pass over the training data: {units, units per step} for steps_for_epochs().
  virtual std::pair<std::int64_t, std::int64_t> epoch_size() const = 0;

  // Whether sample() gives text (GPT: generated text; the other families: nothing yet).
  virtual bool has_samples() const { return false; }
  // A text sample for the log.
  virtual std::string sample(std::int64_t) { return {}; }
  // Writes the final model where a front-end can load it (GPT: a model folder).
  virtual void save_model(const fs::path&) {}

 protected:
  // Called by the constructors of the families once their model is initialised.
  void make_optimizer() {
    AdamWSettings settings;
    settings.learning_rate = config_.lr;
    settings.beta1 = 0.9f;
    settings.beta2 = 0.95f;  // the usual choice of GPT-style pre-training: adapts faster
    settings.weight_decay = config_.weight_decay;
    optimizer_ = std::make_unique<AdamW>(parameters(), settings);
  }
  // The loss of rows [key.first_example, + key.batch) of step key.step, on tape_.
  virtual Tensor training_loss(const data::BatchKey& key, const models::RunOptions& options) = 0;
  // The loss of validation rows [first, first + rows), on tape_.
  virtual Tensor validation_batch_loss(std::int64_t first, std::int64_t rows) = 0;

  const TrainConfig& config_;
  const PreparedData& prepared_;
  Tape tape_;

 private:
  std::unique_ptr<AdamW> optimizer_;
};

// Opens the two token files and checks them against the tokenizer and the context.
data::TokenFile open_token_file(const fs::path& path, const PreparedData& prepared,
                                std::int64_t time) {
  data::TokenFile file(path);
  file.check_tokenizer(prepared.tokenizer_hash);
  TINYGPT_CHECK(file.size() > time, "--data: ", path.string(), " holds ", file.size(),
                " tokens; it needs more than --context ", time);
  return file;
}

// GPT: causal language modelling on random windows of the training tokens.
class GptRun final : public FamilyRun {
 public:
  GptRun(const TrainConfig& config, const PreparedData& prepared)
      : FamilyRun(config, prepared),
        train_(open_token_file(prepared.dir / "train.tokens", prepared, config.time())),
        validation_(open_token_file(prepared.dir / "validation.tokens", prepared, config.time())),
        model_(config.model) {
    model_.init(config.seed);
    make_optimizer();
  }

  ParameterSet& parameters() override { return model_.parameters(); }
  std::pair<std::int64_t, std::int64_t> epoch_size() const override {
    return {train_.size(), config_.batch * config_.time()};
  }

  bool has_samples() const override { return true; }
  std::string sample(std::int64_t step) override {
    const std::int32_t start =
        prepared_.end_of_text >= 0 ? prepared_.end_of_text : validation_.token(0);
    const std::vector<std::int32_t> prompt = {start};
    models::GenerateOptions options;
    options.max_new_tokens = config_.sample_tokens;
    options.sampling.temperature = 0.8f;
    options.sampling.top_k = 40;
    options.seed = config_.seed + static_cast<std::uint64_t>(step);
    const std::vector<std::int32_t> tokens = models::generate(model_, prompt, options);
    // A model may have more ids than its tokenizer (a BPE that ran out of merges), and early
    // in training it can still pick one. Such an id has no text: it is shown as U+FFFD.
    std::string text;
    std::vector<std::int32_t> run;
    for (const std::int32_t token : tokens) {
      if (token < prepared_.tokenizer->vocab_size()) {
        run.push_back(token);
        continue;
      }
      text += prepared_.tokenizer->decode(run) + "\xEF\xBF\xBD";
      run.clear();
    }
    return text + prepared_.tokenizer->decode(run);
  }

  void save_model(const fs::path& folder) override {
    models::save_pretrained_gpt(folder, model_, *prepared_.tokenizer);
  }

 protected:
  Tensor training_loss(const data::BatchKey& key, const models::RunOptions& options) override {
    batch_ = data::causal_lm_batch(train_, key, config_.time());
    const Tensor logits = model_.forward(tape_, batch_.inputs, key.batch, {}, options);
    return nn::softmax_cross_entropy(tape_, logits, batch_.targets);
  }
  Tensor validation_batch_loss(std::int64_t first, std::int64_t rows) override {
    batch_ = data::causal_lm_validation_batch(validation_, first, rows, config_.time());
    const Tensor logits = model_.forward(tape_, batch_.inputs, rows);
    return nn::softmax_cross_entropy(tape_, logits, batch_.targets);
  }

 private:
  data::TokenFile train_;
  data::TokenFile validation_;
  models::Gpt model_;
  data::LmBatch batch_;  // kept until the next batch, so the tape's views stay valid
};

// The documents of a token file as text (each without its separator): the encoder's
// sentence pairs are drawn from them.
std::vector<std::string> decode_documents(const data::TokenFile& file,
                                          const text::Tokenizer& tokenizer) {
  std::vector<std::string> documents;
  const std::int32_t separator = file.header().separator;
  for (std::int64_t d = 0; d < file.document_count(); ++d) {
    const std::int64_t begin = file.document_start(d), end = file.document_start(d + 1);
    std::vector<std::int32_t> ids = file.tokens(begin, end - begin);
    if (!ids.empty() && ids.back() == separator) ids.pop_back();
    std::string text = tokenizer.decode(ids);
    if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
      documents.push_back(std::move(text));
    }
  }
  return documents;
}

// Encoder: masked language modelling and next-sentence prediction on sentence pairs,
// loss = MLM + NSP (BERT).
class EncoderRun final : public FamilyRun {
 public:
  EncoderRun(const TrainConfig& config, const PreparedData& prepared)
      : FamilyRun(config, prepared), model_(config.model) {
    const text::BpeTokenizer& tokenizer = *prepared.tokenizer;
    const models::Family family = config.model.family;
    specials_ = {required_special(tokenizer, "[CLS]", family),
                 required_special(tokenizer, "[SEP]", family),
                 required_special(tokenizer, "[PAD]", family)};
    mlm_ = {required_special(tokenizer, "[MASK]", family),
            static_cast<std::int32_t>(tokenizer.vocab_size())};
    TINYGPT_CHECK(config.time() >= 5, "--context must be at least 5 for sentence pairs, got ",
                  config.time());
    const data::TokenFile train(prepared.dir / "train.tokens");
    const data::TokenFile validation(prepared.dir / "validation.tokens");
    train.check_tokenizer(prepared.tokenizer_hash);
    validation.check_tokenizer(prepared.tokenizer_hash);
    train_ = data::make_sentence_corpus(decode_documents(train, tokenizer), tokenizer);
    validation_ = data::make_sentence_corpus(decode_documents(validation, tokenizer), tokenizer);
    model_.init(config.seed);
    make_optimizer();
  }

  ParameterSet& parameters() override { return model_.parameters(); }
  std::pair<std::int64_t, std::int64_t> epoch_size() const override {
    return {static_cast<std::int64_t>(train_.pair_starts.size()), config_.batch};
  }

 protected:
  Tensor training_loss(const data::BatchKey& key, const models::RunOptions& options) override {
    batch_ = data::nsp_batch(train_, specials_, key, config_.time());
    mask_tokens(key.seed, key.step, key.first_example, key.batch);
    return loss(key.batch, options);
  }
  Tensor validation_batch_loss(std::int64_t first, std::int64_t rows) override {
    batch_ = data::nsp_validation_batch(validation_, specials_, config_.seed, first, rows,
                                        config_.time());
    mask_tokens(config_.seed, data::kValidationStep, first, rows);
    return loss(rows, {});
  }

 private:
  // BERT's 15% selection with 80/10/10, never on [CLS], [SEP] or [PAD].
  void mask_tokens(std::uint64_t seed, std::uint64_t step, std::int64_t first, std::int64_t rows) {
    const std::array<std::int32_t, 3> never = {specials_.cls, specials_.sep, specials_.pad};
    const std::vector<std::uint8_t> maskable = data::maskable_flags(batch_.ids, never);
    inputs_.resize(batch_.ids.size());
    targets_.resize(batch_.ids.size());
    data::mlm_mask_batch(inputs_, targets_, batch_.ids, maskable, rows, mlm_,
                         {seed, step, static_cast<std::uint64_t>(first)});
  }
  Tensor loss(std::int64_t rows, const models::RunOptions& options) {
    const models::EncoderOutput out =
        model_.forward(tape_, inputs_, batch_.type_ids, rows, batch_.mask, options);
    const Tensor mlm = nn::softmax_cross_entropy(tape_, out.mlm_logits, targets_);
    const Tensor nsp = nn::softmax_cross_entropy(tape_, out.nsp_logits, batch_.labels);
    return nn::add(tape_, mlm, nsp);
  }

  models::Encoder model_;
  data::NspSpecials specials_;
  data::MlmSettings mlm_;
  data::SentenceCorpus train_, validation_;
  data::NspBatch batch_;                        // kept until the next batch
  std::vector<std::int32_t> inputs_, targets_;  // the masked ids and the MLM targets
};

// Seq2seq: the decoder predicts the target sentence of a translation pair (teacher forcing).
class Seq2SeqRun final : public FamilyRun {
 public:
  Seq2SeqRun(const TrainConfig& config, const PreparedData& prepared)
      : FamilyRun(config, prepared), model_(config.model) {
    const text::BpeTokenizer& tokenizer = *prepared.tokenizer;
    const models::Family family = config.model.family;
    specials_ = {required_special(tokenizer, "[BOS]", family),
                 required_special(tokenizer, "[EOS]", family),
                 required_special(tokenizer, "[PAD]", family)};
    const data::TranslationSplit split = data::split_translation_pairs(prepared.pairs, 0.1);
    TINYGPT_CHECK(!split.train.empty() && !split.validation.empty(),
                  "--data: the translation pairs do not split into training and validation (",
                  split.train.size(), " and ", split.validation.size(), " pairs)");
    train_ = data::encode_translation_pairs(split.train, tokenizer);
    validation_ = data::encode_translation_pairs(split.validation, tokenizer);
    model_.init(config.seed);
    make_optimizer();
  }

  ParameterSet& parameters() override { return model_.parameters(); }
  std::pair<std::int64_t, std::int64_t> epoch_size() const override {
    return {static_cast<std::int64_t>(train_.size()), config_.batch};
  }

 protected:
  Tensor training_loss(const data::BatchKey& key, const models::RunOptions& options) override {
    batch_ = data::seq2seq_batch(train_, specials_, key, config_.time(), config_.time());
    return loss(key.batch, options);
  }
  Tensor validation_batch_loss(std::int64_t first, std::int64_t rows) override {
    batch_ = data::seq2seq_validation_batch(validation_, specials_, first, rows, config_.time(),
                                            config_.time());
    return loss(rows, {});
  }

 private:
  Tensor loss(std::int64_t rows, const models::RunOptions& options) {
    const Tensor logits = model_.forward(tape_, {batch_.source_ids, batch_.source_mask},
                                         {batch_.target_inputs, batch_.target_mask}, rows, options);
    return nn::softmax_cross_entropy(tape_, logits, batch_.target_labels);
  }

  models::Seq2Seq model_;
  data::Seq2SeqSpecials specials_;
  std::vector<data::EncodedPair> train_, validation_;
  data::Seq2SeqBatch batch_;  // kept until the next batch
};

std::unique_ptr<FamilyRun> make_run(const TrainConfig& config, const PreparedData& prepared) {
  switch (config.model.family) {
    case models::Family::kGpt:
      return std::make_unique<GptRun>(config, prepared);
    case models::Family::kEncoder:
      return std::make_unique<EncoderRun>(config, prepared);
    case models::Family::kSeq2Seq:
      return std::make_unique<Seq2SeqRun>(config, prepared);
  }
  TINYGPT_CHECK(false, "train: unknown model family");
  return nullptr;
}

}  // namespace

TrainResult run_training(const TrainConfig& user_config, const TrainCallbacks& callbacks,
                         Communicator& communicator) {
  const int ranks = communicator.size();
  const bool root = communicator.is_root();
  // Only rank 0 reports; on_step alone is every rank's.
  TrainCallbacks rank_callbacks = callbacks;
  if (!root) {
    rank_callbacks.on_message = nullptr;
    rank_callbacks.on_sample = nullptr;
  }
  // The setup happens in two stages, each ended by agree_on_errors(): an error on one rank
  // (a bad setting, a missing file) then stops every rank instead of leaving the others
  // waiting in a collective.
  std::optional<fs::path> latest;
  PreparedData prepared;
  agree_on_errors(communicator, [&] {
    check_train_config(user_config);
    TINYGPT_CHECK(user_config.batch % (ranks * user_config.micro_batches) == 0, "--batch ",
                  user_config.batch, " must be divisible by the processes (", ranks,
                  ") x --micro-batches (", user_config.micro_batches,
                  ") = ", ranks * user_config.micro_batches,
                  ": every process takes an equal share of each batch, in equal micro-batches");
    clear_stop_request();
    latest = latest_checkpoint(user_config.out);
    TINYGPT_CHECK(user_config.resume || !latest, "--out ", user_config.out.string(),
                  " already holds checkpoints (", latest ? latest->filename().string() : "",
                  "); add --resume to go on from the latest, or choose another --out folder");
    // Rank 0 prepares the data (tokenising writes out/data); the others read it next.
    if (root) prepared = prepare_data(user_config, rank_callbacks, false);
  });

  // S is known once the data is: given, the default, or from the epochs. The families read
  // their config through a reference, so `config` lives as long as the run.
  TrainConfig config = user_config;
  if (config.steps == 0 && config.epochs == 0.0) config.steps = kDefaultSteps;
  std::unique_ptr<FamilyRun> family_run;
  CheckpointState state;
  TrainResult result;
  const fs::path metrics_path = config.out / "metrics.jsonl";
  std::ofstream metrics;
  agree_on_errors(communicator, [&] {
    if (!root) prepared = prepare_data(user_config, rank_callbacks, true);
    family_run = make_run(config, prepared);
    if (config.epochs > 0.0) {
      const auto [units, per_step] = family_run->epoch_size();
      config.steps = steps_for_epochs(config.epochs, units, per_step);
      std::ostringstream message;
      message << config.epochs << " epochs of " << units
              << (config.model.family == models::Family::kGpt ? " training tokens"
                                                              : " training pairs")
              << " at " << per_step << " per step: " << config.steps << " steps";
      say(rank_callbacks, message.str());
      // Recorded with its steps only, train_config.json repeats the run as it was.
      config.epochs = 0.0;
      check_step_settings(config);
    }
    state.seed = config.seed;
    state.tokenizer_hash = prepared.tokenizer_hash;
    state.model_config = models::to_json(config.model);
    state.train_config = to_json(config);
    result.steps = config.steps;
    if (latest) {
      say(rank_callbacks, "resuming from " + latest->string());
      result.first_step =
          load_checkpoint(*latest, family_run->parameters(), family_run->optimizer(), state).step;
      result.checkpoint = *latest;
      state.step = result.first_step;
    }
    // Rank 0 alone writes the run's files.
    if (root) {
      if (result.first_step == 0) {
        write_file_atomically(metrics_path, "");
        write_file_atomically(config.out / "samples.txt", "");
      } else {
        truncate_metrics(metrics_path, result.first_step);
      }
      write_file_atomically(config.out / "train_config.json", to_json(config) + "\n");
      metrics.open(metrics_path, std::ios::app);
      TINYGPT_CHECK(metrics.good(), "cannot append to ", metrics_path.string());
    }
  });
  FamilyRun& run = *family_run;

  const WarmupCosineSettings schedule{config.lr, config.min_lr, config.warmup_steps(),
                                      config.steps};
  const double tokens_per_step = static_cast<double>(config.batch * config.time());
  GradientAverager averager;
  const auto start = std::chrono::steady_clock::now();
  std::int64_t step = result.first_step;
  const auto save = [&](std::int64_t done) {
    state.step = done;
    result.checkpoint = checkpoint_path(config.out, done);
    if (root) save_checkpoint(config.out, run.parameters(), run.optimizer(), state, config.keep);
  };
  while (step < config.steps) {
    const auto step_start = std::chrono::steady_clock::now();
    const float lr = warmup_cosine_lr(step, schedule);
    const FamilyRun::StepOutcome outcome = run.step(step, lr, communicator, averager);
    ++step;
    const auto now = std::chrono::steady_clock::now();

    StepReport report;
    report.step = step;
    report.steps = config.steps;
    report.loss = outcome.loss;
    report.lr = lr;
    report.grad_norm = outcome.grad_norm;
    report.tokens_per_second =
        tokens_per_step / std::max(1e-9, std::chrono::duration<double>(now - step_start).count());
    report.allreduce_seconds = outcome.allreduce_seconds;
    report.elapsed_seconds = std::chrono::duration<double>(now - start).count();
    if (step % config.eval_interval == 0 || step == config.steps) {
      report.val_loss = run.validation_loss(communicator);
      result.val_losses.push_back(*report.val_loss);
    }
    result.losses.push_back(outcome.loss);

    if (root) {
      nlohmann::ordered_json line;
      line["step"] = step;
      line["loss"] = outcome.loss;
      line["lr"] = lr;
      line["grad_norm"] = outcome.grad_norm;
      line["tokens_per_s"] = report.tokens_per_second;
      if (ranks > 1) line["allreduce_s"] = outcome.allreduce_seconds;
      if (report.val_loss) line["val_loss"] = *report.val_loss;
      metrics << line.dump() << "\n" << std::flush;
    }

    if (callbacks.on_step) callbacks.on_step(report);
    if (root && run.has_samples() && config.sample_interval > 0 &&
        step % config.sample_interval == 0) {
      const std::string text = run.sample(step);
      std::ofstream samples(config.out / "samples.txt", std::ios::app);
      samples << "step " << step << ":\n" << text << "\n\n";
      if (callbacks.on_sample) callbacks.on_sample(step, text);
    }
    // Every rank must leave the loop after the same step, or the others would wait in the
    // next step's allreduce forever: a stop asked of any rank (a signal reaches the ranks at
    // different moments) is agreed on here.
    const bool stopping = communicator.allreduce_any(stop_requested());
    if ((config.checkpoint_interval > 0 && step % config.checkpoint_interval == 0) ||
        step == config.steps || stopping) {
      save(step);
    }
    if (stopping) {
      result.interrupted = step < config.steps;
      break;
    }
  }
  if (root) metrics.close();
  if (result.checkpoint.empty() || state.step != step) save(step);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::int64_t taken = step - result.first_step;
  result.tokens_per_second = taken > 0 ? taken * tokens_per_step / std::max(1e-9, seconds) : 0.0;
  result.last_step = step;
  if (root) {
    draw_loss_curve(metrics_path, config.out / "loss.svg");
    if (!result.interrupted) run.save_model(config.out / "model");
  }
  // The files are in place before any rank returns (a caller may resume from them next).
  communicator.barrier();
  return result;
}

}  // namespace tinygpt::train
