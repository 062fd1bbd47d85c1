// `tinygpt eval drift`: a GPT (and optionally a classifier) watching a stream of texts that
// switches from the world it knows to a changed one (eval/drift.h): the per-text loss and
// confidence, their window z-scores against a reference, the calibrated threshold, and the
// first window that crosses it, the retraining trigger. Writes REPORT.md, drift.json and
// drift.svg into a report folder that never lies inside a model or a world.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "eval_command.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/eval/drift.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/train/language_model_figures.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct DriftArgs {
  fs::path model;
  fs::path classifier;
  fs::path reference;
  std::vector<fs::path> stream;
  std::string kind = "stories";
  std::int64_t texts = 0;
  eval::DriftOptions options;
  double threshold = 0.0;
  fs::path out;
};

// A text and its record's position in its file: version 2 of a world writes record i from
// the same draws as version 1's record i, so positions name the same "slot" in both.
struct Record {
  std::int64_t position = 0;
  std::string text;
};

// The held-out records of a world of the given kind, in file order: for "stories" the
// pre-training corpus's validation records (stories and facts, split as step 03 splits
// them, so the model never trained on them); for "reviews" the test reviews.
std::vector<Record> held_out_records(const fs::path& world, const std::string& kind) {
  TINYGPT_CHECK(fs::is_directory(world), "eval drift: the world ", world.string(),
                " is not a folder; generate it with tinygpt data generate --out ", world.string());
  std::vector<Record> records;
  if (kind == "stories") {
    // Every record in file order (validation fraction 1), then step 03's own split rule.
    const data::Corpus all = data::load_world_corpus(world, {.validation_fraction = 1.0});
    const double fraction = data::CorpusOptions{}.validation_fraction;
    for (std::size_t i = 0; i < all.validation.size(); ++i) {
      if (data::is_validation_record(all.validation[i], fraction)) {
        records.push_back({static_cast<std::int64_t>(i), all.validation[i]});
      }
    }
  } else {
    for (tune::LabelledText& review : tune::load_reviews(world, tune::Split::kTest)) {
      const std::size_t colon = review.id.rfind(':');
      records.push_back({std::stoll(review.id.substr(colon + 1)), std::move(review.text)});
    }
  }
  TINYGPT_CHECK(!records.empty(), "eval drift: ", world.string(), " has no held-out ", kind);
  return records;
}

// The texts of one role: each record position goes to one role (reference, calibration,
// stream world 1, 2, ...) by a hash of the position, so no slot is read twice, and no role
// is tied to a cycle of the generator (record i mod 4 can share a template or a
// construction) or to the start or the end of a file.
std::int64_t role_of(std::int64_t position, std::int64_t roles) {
  return static_cast<std::int64_t>(fnv1a_64("record " + std::to_string(position)) %
                                   static_cast<std::uint64_t>(roles));
}

std::vector<std::string> texts_of_role(const std::vector<Record>& records, std::int64_t role,
                                       std::int64_t roles, std::int64_t count) {
  std::vector<std::string> texts;
  for (const Record& record : records) {
    if (role_of(record.position, roles) != role) continue;
    if (count > 0 && static_cast<std::int64_t>(texts.size()) == count) break;
    texts.push_back(record.text);
  }
  return texts;
}

std::string fixed(double value, int digits) {
  if (!std::isfinite(value)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

ordered_json track_json(const eval::DriftTrack& track) {
  ordered_json j = {
      {"statistic", track.statistic},
      {"direction", track.direction == eval::DriftDirection::kRises ? "rises" : "falls"},
      {"reference",
       {{"mean", track.reference.mean},
        {"sd", track.reference.sd},
        {"count", track.reference.count}}},
      {"calibration_mean", std::isfinite(track.calibration_mean)
                               ? ordered_json(track.calibration_mean)
                               : ordered_json(nullptr)},
      {"window", track.window},
      {"threshold", track.threshold},
      {"threshold_calibrated", track.calibrated},
      {"switch_at", track.switch_at},
      {"mean_before", track.mean_before},
      {"mean_after",
       std::isfinite(track.mean_after) ? ordered_json(track.mean_after) : ordered_json(nullptr)},
      {"trigger_window", track.trigger ? ordered_json(*track.trigger) : ordered_json(nullptr)},
      {"trigger_text",
       track.trigger ? ordered_json(*track.trigger + track.window - 1) : ordered_json(nullptr)},
      {"delay_texts", track.delay ? ordered_json(*track.delay) : ordered_json(nullptr)},
      {"false_alarm_windows", track.false_alarm_windows},
      {"windows_before_switch", track.windows_before_switch},
      {"values", track.values},
      {"z", track.z}};
  return j;
}

// One sentence on what the trigger did.
std::string verdict(const eval::DriftTrack& track) {
  const auto n = static_cast<std::int64_t>(track.values.size());
  if (!track.trigger) return "never crossed the threshold";
  const std::int64_t last = *track.trigger + track.window - 1;
  std::string line = "first crossed at window " + std::to_string(*track.trigger) + " (texts " +
                     std::to_string(*track.trigger) + " to " + std::to_string(last) + ")";
  if (track.delay)
    return line + ": the trigger fired " + std::to_string(*track.delay) + " texts after the switch";
  if (track.switch_at < n) return line + ": a false alarm, before the switch";
  return line + ": a false alarm (the stream has no switch)";
}

std::string markdown(const std::vector<eval::DriftTrack>& tracks) {
  std::ostringstream md;
  md << "| statistic | reference mean (sd) | before the switch | after | threshold on z | "
        "trigger | delay, texts | false-alarm windows |\n"
     << "|---|---:|---:|---:|---:|---|---:|---:|\n";
  for (const eval::DriftTrack& t : tracks) {
    const int digits = t.statistic == "loss" ? 3 : 4;
    md << "| " << t.statistic << " | " << fixed(t.reference.mean, digits) << " ("
       << fixed(t.reference.sd, digits) << ") | " << fixed(t.mean_before, digits) << " | "
       << fixed(t.mean_after, digits) << " | " << fixed(t.threshold, 2)
       << (t.calibrated ? " (calibrated)" : " (given)") << " | "
       << (t.trigger ? "window " + std::to_string(*t.trigger) : std::string("none")) << " | "
       << (t.delay ? std::to_string(*t.delay) : std::string("-")) << " | " << t.false_alarm_windows
       << " of " << t.windows_before_switch << " |\n";
  }
  return md.str();
}

std::string chart(const std::vector<eval::DriftTrack>& tracks) {
  std::vector<svg::Series> series;
  double low = 0.0, high = 0.0;
  for (const eval::DriftTrack& t : tracks) {
    svg::Series z{.name =
                      "z of the " + t.statistic + " (window of " + std::to_string(t.window) + ")"};
    for (std::size_t k = 0; k < t.z.size(); ++k) {
      // x: texts read when the window is complete.
      z.points.push_back({static_cast<double>(k) + static_cast<double>(t.window), t.z[k]});
      low = std::min(low, t.z[k]);
      high = std::max(high, t.z[k]);
    }
    series.push_back(std::move(z));
  }
  const double end = static_cast<double>(tracks.front().values.size());
  for (const eval::DriftTrack& t : tracks) {
    series.push_back(
        {.name = "threshold of the " + t.statistic + " (" + fixed(t.threshold, 2) + ")",
         .points = {{0.0, t.threshold}, {end, t.threshold}}});
    high = std::max(high, t.threshold);
  }
  const auto switch_at = static_cast<double>(tracks.front().switch_at);
  if (switch_at < end) {
    series.push_back({.name = "the switch to the new world (text " +
                              std::to_string(tracks.front().switch_at) + ")",
                      .points = {{switch_at, low}, {switch_at, high}}});
  }
  return svg::line_chart(series, {.title = "Drift: window z-scores along the stream",
                                  .x_label = "texts read",
                                  .y_label = "z (positive: worse for the model)"});
}

void run_drift(DriftArgs& args) {
  TINYGPT_CHECK(!args.stream.empty(), "eval drift: --stream needs at least one world");
  TINYGPT_CHECK(args.options.window >= 2, "eval drift: --window must be at least 2, got ",
                args.options.window);
  TINYGPT_CHECK(args.options.false_alarm_rate > 0.0 && args.options.false_alarm_rate < 1.0,
                "eval drift: --false-alarm-rate must be in (0, 1), got ",
                args.options.false_alarm_rate);
  if (args.threshold != 0.0) args.options.threshold = args.threshold;
  std::vector<fs::path> inputs = {args.model, args.classifier, args.reference};
  inputs.insert(inputs.end(), args.stream.begin(), args.stream.end());
  eval::check_report_folder(args.out, inputs);

  // Roles: 0 reference, 1 calibration, 2 + i stream world i.
  const auto roles = static_cast<std::int64_t>(2 + args.stream.size());
  const std::vector<Record> known = held_out_records(args.reference, args.kind);
  std::vector<std::vector<std::string>> parts;
  parts.push_back(texts_of_role(known, 0, roles, args.texts));
  parts.push_back(texts_of_role(known, 1, roles, args.texts));
  for (std::size_t i = 0; i < args.stream.size(); ++i) {
    parts.push_back(texts_of_role(held_out_records(args.stream[i], args.kind),
                                  static_cast<std::int64_t>(2 + i), roles, args.texts));
  }
  // Every part as long as the shortest, so each world weighs the same in the stream.
  std::size_t shortest = parts.front().size();
  for (const auto& part : parts) shortest = std::min(shortest, part.size());
  for (auto& part : parts) part.resize(shortest);
  const auto per_part = static_cast<std::int64_t>(shortest);
  TINYGPT_CHECK(per_part >= args.options.window, "eval drift: only ", per_part, " held-out ",
                args.kind, " per part (the reference, the calibration and each stream world share ",
                "them), fewer than --window ", args.options.window,
                "; use a smaller window or larger worlds");
  std::vector<std::string> stream;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    stream.insert(stream.end(), parts[i].begin(), parts[i].end());
  }
  const std::int64_t switch_at =
      args.stream.size() >= 2 ? per_part : static_cast<std::int64_t>(stream.size());
  std::cout << "eval drift: " << per_part << " " << args.kind
            << " per part: reference, calibration, then the stream of " << stream.size()
            << " texts (switch at text " << switch_at << ")\n";

  // The classifier first, so a folder that is not one is refused before the long part.
  std::optional<tune::TextClassifier> classifier;
  if (!args.classifier.empty()) classifier.emplace(args.classifier);
  std::vector<eval::DriftTrack> tracks;
  {
    models::PretrainedGpt gpt = models::load_pretrained_gpt(args.model);
    tracks.push_back(eval::monitor_drift(
        "loss", eval::DriftDirection::kRises, eval::text_losses(gpt, parts[0]),
        eval::text_losses(gpt, parts[1]), eval::text_losses(gpt, stream), switch_at, args.options));
  }
  if (classifier) {
    tracks.push_back(eval::monitor_drift("confidence", eval::DriftDirection::kFalls,
                                         eval::classifier_confidences(*classifier, parts[0]),
                                         eval::classifier_confidences(*classifier, parts[1]),
                                         eval::classifier_confidences(*classifier, stream),
                                         switch_at, args.options));
  }
  const std::string table = markdown(tracks);
  std::cout << "\n" << table;
  for (const eval::DriftTrack& t : tracks) std::cout << t.statistic << ": " << verdict(t) << "\n";

  const eval::DriftTrack& loss = tracks.front();
  ordered_json json = {{"model", args.model.string()},
                       {"classifier", args.classifier.string()},
                       {"reference", args.reference.string()},
                       {"kind", args.kind},
                       {"texts_per_part", per_part},
                       {"switch_at", switch_at},
                       {"false_alarm_rate", args.options.false_alarm_rate},
                       {"calibration_streams", args.options.calibration_streams},
                       {"seed", args.options.seed},
                       {"perplexity_reference", train::perplexity(loss.reference.mean)},
                       {"perplexity_before", train::perplexity(loss.mean_before)}};
  json["stream"] = ordered_json::array();
  for (const fs::path& world : args.stream) json["stream"].push_back(world.string());
  json["perplexity_after"] = std::isfinite(loss.mean_after)
                                 ? ordered_json(train::perplexity(loss.mean_after))
                                 : ordered_json(nullptr);
  json["tracks"] = ordered_json::array();
  for (const eval::DriftTrack& t : tracks) json["tracks"].push_back(track_json(t));
  write_file_atomically(args.out / "drift.json", json.dump(2) + "\n");
  write_file_atomically(args.out / "drift.svg", chart(tracks));

  std::ostringstream md;
  md << "# Drift\n\nThe model `" << args.model.string() << "`"
     << (args.classifier.empty() ? "" : " and the classifier `" + args.classifier.string() + "`")
     << " on a stream of held-out " << args.kind << ": " << per_part << " texts of each world of";
  for (const fs::path& world : args.stream) md << " `" << world.string() << "`";
  md << " in turn (switch at text " << switch_at << "). The reference (" << per_part
     << " texts) and the calibration set (" << per_part << " more) are from `"
     << args.reference.string() << "`; each record position goes to one of the " << roles
     << " parts by a hash of the position, so no record slot is read twice.\n\n"
     << "Window z = sign (mean of " << args.options.window
     << " texts - reference mean) / (reference sd sqrt(1/W + 1/R)), positive when the model "
        "does worse; the threshold "
     << (args.options.threshold
             ? "was given"
             : "is the " + fixed(100.0 * (1.0 - args.options.false_alarm_rate), 0) +
                   "% quantile of the largest z of " +
                   std::to_string(args.options.calibration_streams) +
                   " no-drift streams drawn from the calibration texts, so a "
                   "stream without drift crosses it with probability " +
                   fixed(args.options.false_alarm_rate, 2))
     << ". Perplexity (train::perplexity of the mean loss): reference "
     << fixed(train::perplexity(loss.reference.mean), 3) << ", before the switch "
     << fixed(train::perplexity(loss.mean_before), 3) << ", after "
     << (std::isfinite(loss.mean_after) ? fixed(train::perplexity(loss.mean_after), 3) : "n/a")
     << ". Written by `tinygpt eval drift`.\n\n"
     << table << "\n";
  for (const eval::DriftTrack& t : tracks) md << "- " << t.statistic << ": " << verdict(t) << "\n";
  md << "\n![window z along the stream](drift.svg)\n";
  write_file_atomically(args.out / "REPORT.md", md.str());
  std::cout << "\nreport: " << (args.out / "REPORT.md").string() << "\n";
}

}  // namespace

void register_eval_drift(CLI::App& eval) {
  auto args = std::make_shared<DriftArgs>();
  CLI::App* command = eval.add_subcommand(
      "drift",
      "Watch a GPT's loss (and a classifier's confidence) along a stream that switches "
      "worlds; report the first window that crosses the threshold");
  command->add_option("--model", args->model, "A GPT model folder")->required();
  command->add_option("--classifier", args->classifier,
                      "A fine-tuned classifier's model folder, to watch its confidence too");
  command
      ->add_option("--reference", args->reference,
                   "The world the model knows: reference and calibration texts")
      ->required();
  command
      ->add_option("--stream", args->stream,
                   "Worlds whose texts follow one another in the stream (e.g. version 1 "
                   "then version 2 of the same seed)")
      ->required();
  command
      ->add_option("--kind", args->kind,
                   "stories: held-out records of the pre-training corpus; reviews: test "
                   "reviews")
      ->check(CLI::IsMember({"stories", "reviews"}))
      ->capture_default_str();
  command
      ->add_option("--texts", args->texts,
                   "Texts per part (reference, calibration, each stream world); 0: as many "
                   "as every part has")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--window", args->options.window, "Texts per sliding window")
      ->capture_default_str();
  command
      ->add_option("--threshold", args->threshold,
                   "The threshold on z (0: calibrated on the calibration texts)")
      ->capture_default_str();
  command
      ->add_option("--false-alarm-rate", args->options.false_alarm_rate,
                   "For the calibration: the chance that a stream with no drift crosses")
      ->capture_default_str();
  command->add_option("--seed", args->options.seed, "The calibration's draws")
      ->capture_default_str();
  command->add_option("--out", args->out, "The report folder (never in a model or a world)")
      ->required();
  command->callback([args] { run_drift(*args); });
}

}  // namespace tinygpt::cli
