// The training loop's settings (train/loop.h): reading them from JSON, writing them back,
// and checking them before any work is done.
#include <unistd.h>

#include <cmath>
#include <fstream>

#include "config_detail.h"
#include "tinygpt/core/precision.h"
#include "tinygpt/train/checkpoint.h"
#include "tinygpt/train/loop.h"
#include "tinygpt/train/schedule.h"

namespace tinygpt::train {

namespace fs = std::filesystem;

std::vector<std::string_view> loop_config_fields() {
  return {"out",           "steps",        "epochs",          "batch",
          "micro_batches", "lr",           "min_lr",          "warmup",
          "optimizer",     "momentum",     "weight_decay",    "clip",
          "eval_interval", "eval_batches", "sample_interval", "checkpoint_interval",
          "keep",          "seed",         "time_limit",      "precision"};
}

void read_loop_config(std::string_view json_text, const fs::path& origin, LoopConfig& config) {
  const std::string where = origin.string();
  const nlohmann::json json =
      detail::parse_config_object(json_text, where, "a training config is {\"steps\": ..., ...}");
  using detail::read_field;
  read_field(json, "out", config.out, where);
  config.out = detail::relative_to(origin.parent_path(), config.out);
  read_field(json, "steps", config.steps, where);
  read_field(json, "epochs", config.epochs, where);
  read_field(json, "batch", config.batch, where);
  read_field(json, "micro_batches", config.micro_batches, where);
  read_field(json, "lr", config.lr, where);
  read_field(json, "min_lr", config.min_lr, where);
  read_field(json, "warmup", config.warmup, where);
  read_field(json, "optimizer", config.optimizer, where);
  read_field(json, "momentum", config.momentum, where);
  read_field(json, "weight_decay", config.weight_decay, where);
  read_field(json, "clip", config.clip, where);
  read_field(json, "eval_interval", config.eval_interval, where);
  read_field(json, "eval_batches", config.eval_batches, where);
  read_field(json, "sample_interval", config.sample_interval, where);
  read_field(json, "checkpoint_interval", config.checkpoint_interval, where);
  read_field(json, "keep", config.keep, where);
  read_field(json, "seed", config.seed, where);
  read_field(json, "time_limit", config.time_limit, where);
  read_field(json, "precision", config.precision, where);
}

std::string loop_config_json(const LoopConfig& config) {
  // Fields in a fixed order (ordered_json), so two equal configs give equal text.
  nlohmann::ordered_json json;
  json["out"] = config.out.string();
  json["steps"] = config.steps;
  if (config.epochs > 0.0) json["epochs"] = config.epochs;
  json["batch"] = config.batch;
  json["micro_batches"] = config.micro_batches;
  json["lr"] = config.lr;
  json["min_lr"] = config.min_lr;
  json["warmup"] = config.warmup_steps();
  json["optimizer"] = config.optimizer;
  if (config.optimizer == "sgd") json["momentum"] = config.momentum;
  json["weight_decay"] = config.weight_decay;
  json["clip"] = config.clip;
  json["eval_interval"] = config.eval_interval;
  json["eval_batches"] = config.eval_batches;
  json["sample_interval"] = config.sample_interval;
  json["checkpoint_interval"] = config.checkpoint_interval;
  json["keep"] = config.keep;
  json["seed"] = config.seed;
  if (config.time_limit > 0.0) json["time_limit"] = config.time_limit;
  if (config.precision != "float32") json["precision"] = config.precision;
  const std::string text = json.dump();
  return text.substr(1, text.size() - 2);  // without the braces
}

namespace {

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

}  // namespace

void detail::check_step_settings(const LoopConfig& config) {
  TINYGPT_CHECK(config.steps >= 1 && config.steps < 100000000, "--steps must be in [1, 10^8), got ",
                config.steps);
  const WarmupCosineSettings schedule{config.lr, config.min_lr, config.warmup_steps(),
                                      config.steps};
  TINYGPT_CHECK(config.warmup >= -1 && config.warmup_steps() <= config.steps,
                "--warmup must be in [0, ", config.steps,
                "] (the run's steps) or -1 (automatic), got ", config.warmup);
  check_schedule(schedule);
}

void check_loop_config(const LoopConfig& config) {
  TINYGPT_CHECK(config.steps == 0 || config.epochs == 0.0, "--steps ", config.steps,
                " and --epochs ", config.epochs,
                " were both given; give one of them (steps, or passes over the training data)");
  TINYGPT_CHECK(std::isfinite(config.epochs) && config.epochs >= 0.0 && config.epochs <= 1e6,
                "--epochs must be positive (at most 10^6), got ", config.epochs);
  TINYGPT_CHECK(config.steps >= 0 && config.steps < 100000000, "--steps must be in [1, 10^8), got ",
                config.steps);
  if (config.epochs == 0.0) {
    LoopConfig known = config;
    if (known.steps == 0) known.steps = kDefaultSteps;
    detail::check_step_settings(known);
  }
  TINYGPT_CHECK(config.batch >= 1, "--batch must be at least 1, got ", config.batch);
  TINYGPT_CHECK(config.micro_batches >= 1 && config.batch % config.micro_batches == 0,
                "--micro-batches must be at least 1 and divide --batch ", config.batch, ", got ",
                config.micro_batches);
  TINYGPT_CHECK(config.optimizer == "adamw" || config.optimizer == "sgd",
                "--optimizer must be adamw or sgd, got '", config.optimizer, "'");
  parse_precision(config.precision);  // an Error naming the value when it is neither
  TINYGPT_CHECK(config.momentum >= 0.0f && config.momentum < 1.0f,
                "--momentum must be in [0, 1), got ", config.momentum);
  TINYGPT_CHECK(config.weight_decay >= 0.0f, "--weight-decay must be 0 or more, got ",
                config.weight_decay);
  TINYGPT_CHECK(config.clip > 0.0f, "--clip must be positive, got ", config.clip);
  TINYGPT_CHECK(config.eval_interval >= 1, "--eval-interval must be at least 1, got ",
                config.eval_interval);
  TINYGPT_CHECK(config.eval_batches >= 1, "--eval-batches must be at least 1, got ",
                config.eval_batches);
  TINYGPT_CHECK(config.sample_interval >= 0, "--sample-interval must be 0 or more, got ",
                config.sample_interval);
  TINYGPT_CHECK(config.checkpoint_interval >= 0, "--checkpoint-interval must be 0 or more, got ",
                config.checkpoint_interval);
  TINYGPT_CHECK(config.keep >= 1, "--keep must be at least 1, got ", config.keep);
  TINYGPT_CHECK(std::isfinite(config.time_limit) && config.time_limit >= 0.0,
                "--time-limit must be 0 (none) or a positive number of seconds, got ",
                config.time_limit);
  TINYGPT_CHECK(!config.out.empty(), "--out is missing: the folder for checkpoints and logs");
  check_writable(config.out);
}

void check_run_folder(const LoopConfig& config) {
  const std::optional<fs::path> latest = latest_checkpoint(config.out);
  TINYGPT_CHECK(config.resume || !latest, "--out ", config.out.string(),
                " already holds checkpoints (", latest ? latest->filename().string() : "",
                "); add --resume to go on from the latest, or choose another --out folder");
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

}  // namespace tinygpt::train
