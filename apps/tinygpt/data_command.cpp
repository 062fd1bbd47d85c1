// `tinygpt data`: the corpora, what their loaders read and how they split; the generated
// world (`data generate`); the bias audit of a corpus (`data audit`) and its mitigation
// written out as a new world folder (`data augment`).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/audit.h"
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
  int world_version = 1;
  data::WorldChange change;
  bool change_given = false;  // --changed or --new-entities was on the command line
};

void run_generate(const GenerateCommandOptions& options) {
  TINYGPT_CHECK(options.seed >= 0, "--seed must be 0 or more, got ", options.seed);
  TINYGPT_CHECK(options.world_version == 1 || options.world_version == 2,
                "--world-version must be 1 or 2, got ", options.world_version);
  TINYGPT_CHECK(options.world_version == 2 || !options.change_given,
                "--changed and --new-entities describe version 2; add --world-version 2");
  data::GenerateOptions generate;
  generate.seed = static_cast<std::uint64_t>(options.seed);
  generate.size = options.size;
  generate.kinds = data::parse_kinds(options.kinds);
  generate.world_version = options.world_version;
  generate.change = options.change;
  const auto start = std::chrono::steady_clock::now();
  const data::GenerateReport report = data::generate(generate, options.out);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "wrote into " << options.out.string() << " (seed " << options.seed;
  if (options.world_version == 2) {
    const auto changed = std::llround(options.change.share * data::kChangeableFacts);
    std::cout << ", world version 2: " << changed << " of " << data::kChangeableFacts
              << " changeable facts changed, " << options.change.new_entities << " new entities";
  }
  std::cout << "):\n";
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

struct AuditCommandOptions {
  std::int64_t seed = 1;
  std::filesystem::path world;
  std::vector<std::filesystem::path> files;
  bool fortunes = false;
  std::filesystem::path catalogue;
  bool augment = false;
  bool markdown = false;
};

// What to audit: the texts, the words to look for, and a name for the table.
struct AuditInput {
  std::vector<std::string> texts;
  data::AuditLexicon lexicon;
  std::string corpus;
};

// The world's pre-training text (stories.txt and facts.txt) in a folder made by
// `tinygpt data generate`, with the names of its catalogue.
AuditInput world_folder_input(const std::filesystem::path& dir) {
  const std::string hint = " (make one with: tinygpt data generate --out " + dir.string() + ")";
  TINYGPT_CHECK(std::filesystem::is_directory(dir), "--world: no folder ", dir.string(), hint);
  TINYGPT_CHECK(std::filesystem::is_regular_file(dir / "catalogue.json"), "--world: ", dir.string(),
                " has no catalogue.json", hint);
  AuditInput input;
  input.lexicon = data::load_world_lexicon(dir / "catalogue.json");
  std::string names;
  for (const char* name : {"stories.txt", "facts.txt"}) {
    if (!std::filesystem::is_regular_file(dir / name)) continue;
    input.texts.push_back(read_file(dir / name));
    names += (names.empty() ? "" : " + ") + std::string(name);
  }
  TINYGPT_CHECK(!input.texts.empty(), "--world: ", dir.string(),
                " has neither stories.txt nor facts.txt (generate the kinds stories,facts)");
  input.corpus = dir.string() + " (" + names + ")";
  return input;
}

// The default: the world of a seed made in memory, its stories (default size) and its
// seen facts' sentences, exactly the text of stories.txt and facts.txt.
AuditInput generated_world_input(std::int64_t seed) {
  TINYGPT_CHECK(seed >= 0, "--seed must be 0 or more, got ", seed);
  const data::World world = data::make_world(static_cast<std::uint64_t>(seed));
  const std::vector<data::Fact> facts = data::make_facts(world);
  AuditInput input;
  for (data::Story& story : data::make_stories(world, facts, data::kDefaultStoryBytes)) {
    input.texts.push_back(std::move(story.text));
  }
  for (const data::Fact& fact : facts) {
    if (!fact.held_out) input.texts.push_back(fact.sentence);
  }
  input.lexicon = data::world_lexicon(world);
  input.corpus = "the generated world, seed " + std::to_string(seed) + " (stories + facts)";
  return input;
}

AuditInput audit_input(const AuditCommandOptions& options) {
  if (!options.world.empty()) return world_folder_input(options.world);
  if (options.files.empty() && !options.fortunes) return generated_world_input(options.seed);
  data::CorpusOptions all;  // every record: the audit covers the whole corpus
  all.validation_fraction = 0;
  const data::Corpus corpus =
      options.fortunes ? data::load_fortunes(all) : data::load_text_files(options.files, all);
  AuditInput input;
  input.texts = corpus.train;
  input.corpus = corpus.name;
  if (options.catalogue.empty()) {
    input.lexicon = data::builtin_lexicon();
  } else {
    // The catalogue's names and occupations; the built-in occupations would add rows
    // that the world's text never uses.
    input.lexicon = data::load_world_lexicon(options.catalogue);
  }
  return input;
}

void run_audit(const AuditCommandOptions& options) {
  const AuditInput input = audit_input(options);
  const auto print = [&options](const data::AuditTable& table) {
    std::cout << (options.markdown ? data::format_audit_markdown(table)
                                   : data::format_audit_table(table));
  };
  const data::AuditTable before = data::audit_texts(input.texts, input.lexicon, input.corpus);
  if (!options.augment) {
    print(before);
    return;
  }
  std::vector<std::string> augmented = input.texts;
  const std::vector<std::string> copies = data::counterfactual_copies(input.texts, input.lexicon);
  augmented.insert(augmented.end(), copies.begin(), copies.end());
  const std::size_t per_text = copies.size() / std::max<std::size_t>(1, input.texts.size());
  const data::AuditTable after =
      data::audit_texts(augmented, input.lexicon,
                        input.corpus + " + " + std::to_string(per_text) + " counterfactual " +
                            (per_text == 1 ? "copy" : "copies"));
  const char* heading = options.markdown ? "### " : "";
  std::cout << heading << "before augmentation\n\n";
  print(before);
  std::cout << "\n" << heading << "after counterfactual augmentation\n\n";
  print(after);
}

struct AugmentCommandOptions {
  std::filesystem::path world;
  std::filesystem::path out;
  bool names = true;
  bool pronouns = true;
};

// A world folder whose pre-training text is the original plus its counterfactual copies:
// every record the world's corpus loader reads (stories, then facts) and each record's
// copies, in one stories.txt at blank lines (the loader reads each back as one record),
// with catalogue.json copied so that `tinygpt train --data` and the evaluations read the
// folder as a world.
void run_augment(const AugmentCommandOptions& options) {
  TINYGPT_CHECK(std::filesystem::is_regular_file(options.world / "catalogue.json"), "--world ",
                options.world.string(),
                " has no catalogue.json (make one with: tinygpt data generate --out ",
                options.world.string(), ")");
  TINYGPT_CHECK(options.names || options.pronouns,
                "data augment: --no-names and --no-pronouns together leave nothing to swap");
  TINYGPT_CHECK(std::filesystem::weakly_canonical(options.out) !=
                    std::filesystem::weakly_canonical(options.world),
                "data augment: --out must not be the --world folder ", options.world.string());
  data::CorpusOptions all;  // every record: nothing is held back for validation here
  all.validation_fraction = 0;
  const std::vector<std::string> records = data::load_world_corpus(options.world, all).train;
  const data::AuditLexicon lexicon = data::load_world_lexicon(options.world / "catalogue.json");
  const std::vector<std::string> copies = data::counterfactual_copies(
      records, lexicon, {.names = options.names, .pronouns = options.pronouns});
  const std::string text = data::join_records(records, "\n\n") + data::join_records(copies, "\n\n");
  std::filesystem::create_directories(options.out);
  write_file_atomically(options.out / "stories.txt", text);
  write_file_atomically(options.out / "catalogue.json",
                        read_file(options.world / "catalogue.json"));
  std::printf("%zu records + %zu counterfactual copies, %zu bytes: %s\n", records.size(),
              copies.size(), text.size(), (options.out / "stories.txt").c_str());
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
  generate
      ->add_option("--world-version", generate_options->world_version,
                   "1: the seed's world; 2: the same world changed (--changed, "
                   "--new-entities), recorded in catalogue.json")
      ->capture_default_str();
  CLI::Option* changed =
      generate
          ->add_option("--changed", generate_options->change.share,
                       "Version 2: share of the changeable facts (people's towns, jobs and "
                       "pets, companies' towns, products' makers and prices) that change")
          ->capture_default_str();
  CLI::Option* new_entities =
      generate
          ->add_option("--new-entities", generate_options->change.new_entities,
                       "Version 2: entities added (8 people, 2 products, 1 town, 1 company "
                       "per 12)")
          ->capture_default_str();
  generate->callback([generate_options, changed, new_entities] {
    generate_options->change_given = changed->count() > 0 || new_entities->count() > 0;
    run_generate(*generate_options);
  });

  CLI::App* audit = data_app->add_subcommand(
      "audit",
      "Count group terms (names by naming group, pronouns) and how often they share a "
      "sentence with occupations and sentiment words; --augment shows counterfactual "
      "augmentation");
  auto audit_options = std::make_shared<AuditCommandOptions>();
  CLI::Option* audit_world = audit->add_option(
      "--world", audit_options->world,
      "A folder made by `tinygpt data generate`: its stories.txt and facts.txt, with the "
      "names of its catalogue.json");
  CLI::Option* audit_files =
      audit->add_option("--files", audit_options->files,
                        "Your own UTF-8 text files (pronoun groups and built-in occupations)");
  CLI::Option* audit_fortunes =
      audit->add_flag("--fortunes", audit_options->fortunes, "Debian's fortunes, cleaned");
  CLI::Option* audit_seed = audit->add_option(
      "--seed", audit_options->seed,
      "Without --world, --files or --fortunes: the generated world of this seed, made in "
      "memory");
  audit_seed->capture_default_str();
  CLI::Option* audit_catalogue = audit->add_option(
      "--catalogue", audit_options->catalogue,
      "With --files or --fortunes: also count this catalogue.json's names by naming group");
  audit_world->excludes(audit_files)->excludes(audit_fortunes)->excludes(audit_seed);
  audit_world->excludes(audit_catalogue);
  audit_files->excludes(audit_fortunes)->excludes(audit_seed);
  audit_fortunes->excludes(audit_seed);
  audit_catalogue->excludes(audit_seed);
  audit->add_flag("--augment", audit_options->augment,
                  "Also audit the text plus its counterfactual copies (names rotated between "
                  "naming groups, she/he swapped): before and after");
  audit->add_flag("--markdown", audit_options->markdown, "Print Markdown tables (for lessons)");
  audit->callback([audit_options] { run_audit(*audit_options); });

  CLI::App* augment = data_app->add_subcommand(
      "augment",
      "Write a world folder to pre-train on: its stories.txt holds the world's stories and "
      "facts plus their counterfactual copies (names rotated between naming groups, she/he "
      "swapped)");
  auto augment_options = std::make_shared<AugmentCommandOptions>();
  augment->add_option("--world", augment_options->world, "A folder made by `tinygpt data generate`")
      ->required();
  augment->add_option("--out", augment_options->out, "The new world folder")->required();
  augment->add_flag("!--no-names", augment_options->names, "Do not rotate names");
  augment->add_flag("!--no-pronouns", augment_options->pronouns, "Do not swap she and he");
  augment->callback([augment_options] { run_augment(*augment_options); });
}

}  // namespace tinygpt::cli
