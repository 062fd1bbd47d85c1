// `tinygpt data`: the corpora, what their loaders read and how they split; and the
// generated world (`data generate`).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/generator.h"

namespace tinygpt::cli {

namespace {

struct StatsOptions {
  bool fortunes = false;
  std::vector<std::filesystem::path> files;
  data::CorpusOptions corpus;
  bool json = false;
};

// The first record of a side, or "" when the side is empty (a fraction of 0 or 1).
std::string first_record(const std::vector<std::string>& records) {
  return records.empty() ? std::string() : records.front();
}

void print_stats(const data::Corpus& corpus, std::ostream& out) {
  const data::CorpusStats& stats = corpus.stats;
  out << "corpus:     " << corpus.name << "\n"
      << "files:      " << stats.files << "\n"
      << "records:    " << stats.records << " (train " << corpus.train.size() << ", validation "
      << corpus.validation.size() << ")\n"
      << "bytes:      " << stats.bytes << " (UTF-8)\n"
      << "characters: " << stats.characters << " (code points)\n";
  const auto print_sample = [&out](const char* side, const std::string& record) {
    out << "\nfirst " << side << " record:\n";
    std::size_t start = 0;
    while (start < record.size()) {
      const std::size_t end = std::min(record.find('\n', start), record.size());
      const std::string_view line = std::string_view(record).substr(start, end - start);
      out << "  |" << (line.empty() ? "" : " ") << line << "\n";
      start = end + 1;
    }
  };
  print_sample("training", first_record(corpus.train));
  print_sample("validation", first_record(corpus.validation));
}

void print_stats_json(const data::Corpus& corpus, double validation_fraction, std::ostream& out) {
  const data::CorpusStats& stats = corpus.stats;
  const nlohmann::json json = {
      {"name", corpus.name},
      {"files", stats.files},
      {"records", stats.records},
      {"train_records", corpus.train.size()},
      {"validation_records", corpus.validation.size()},
      {"validation_fraction", validation_fraction},
      {"bytes", stats.bytes},
      {"characters", stats.characters},
      {"samples",
       {{"train", first_record(corpus.train)}, {"validation", first_record(corpus.validation)}}},
  };
  out << json.dump(2) << "\n";
}

// Every kind, comma-separated: the default of --kinds.
std::string default_kinds() {
  std::string kinds;
  for (const std::string_view kind : data::kKinds) {
    if (!kinds.empty()) kinds += ",";
    kinds += kind;
  }
  return kinds;
}

struct GenerateCommandOptions {
  std::int64_t seed = 1;
  std::filesystem::path out;
  std::int64_t size = data::kDefaultStoryBytes;
  std::string kinds = default_kinds();
};

void run_generate(const GenerateCommandOptions& options) {
  TINYGPT_CHECK(options.seed >= 0, "--seed must be 0 or more, got ", options.seed);
  data::GenerateOptions generate;
  generate.seed = static_cast<std::uint64_t>(options.seed);
  generate.size = options.size;
  generate.kinds = data::parse_kinds(options.kinds);
  const auto start = std::chrono::steady_clock::now();
  const data::GenerateReport report = data::generate(generate, options.out);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "wrote into " << options.out.string() << " (seed " << options.seed << "):\n";
  std::int64_t total = 0;
  for (const data::GeneratedFile& file : report.files) {
    std::printf("  %-24s %8lld records %11lld bytes\n", file.name.c_str(),
                static_cast<long long>(file.records), static_cast<long long>(file.bytes));
    total += file.bytes;
  }
  std::printf("  %-24s %8s         %11lld bytes in %.2f s\n", "total", "",
              static_cast<long long>(total), seconds);
  if (report.keyword_accuracy >= 0) {
    std::printf("keyword baseline on reviews: %.1f%% accuracy (chance: 33.3%%)\n",
                100.0 * report.keyword_accuracy);
  }
}

}  // namespace

void register_data_command(CLI::App& app) {
  CLI::App* data_app = app.add_subcommand(
      "data", "Text corpora (what the loaders read, how they split) and the generated world");
  data_app->require_subcommand(1);
  CLI::App* stats = data_app->add_subcommand(
      "stats", "Files, records (train/validation), bytes and characters of a corpus");
  auto options = std::make_shared<StatsOptions>();
  CLI::Option* fortunes =
      stats->add_flag("--fortunes", options->fortunes,
                      "Debian's fortunes, cleaned (the default when no --files are given)");
  CLI::Option* files = stats->add_option("--files", options->files,
                                         "Your own UTF-8 text files; records are their paragraphs");
  fortunes->excludes(files);
  stats
      ->add_option("--validation-fraction", options->corpus.validation_fraction,
                   "Share of records held out for validation, chosen by a hash of each record")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  stats->add_flag("--json", options->json, "Print one JSON object, for scripts");
  stats->callback([options] {
    const data::Corpus corpus = options->files.empty()
                                    ? data::load_fortunes(options->corpus)
                                    : data::load_text_files(options->files, options->corpus);
    if (options->json) {
      print_stats_json(corpus, options->corpus.validation_fraction, std::cout);
    } else {
      print_stats(corpus, std::cout);
    }
  });

  CLI::App* generate = data_app->add_subcommand(
      "generate",
      "Write the generated world (catalogue.json) and text about it, with ground truth");
  auto generate_options = std::make_shared<GenerateCommandOptions>();
  generate->add_option("--seed", generate_options->seed, "The world's seed")->capture_default_str();
  generate->add_option("--out", generate_options->out, "Output folder (created if missing)")
      ->required();
  generate->add_option("--size", generate_options->size, "Approximate bytes of story text")
      ->capture_default_str();
  generate
      ->add_option("--kinds", generate_options->kinds,
                   "Comma-separated kinds to write (catalogue.json is always written)")
      ->capture_default_str();
  generate->callback([generate_options] { run_generate(*generate_options); });
}

}  // namespace tinygpt::cli
