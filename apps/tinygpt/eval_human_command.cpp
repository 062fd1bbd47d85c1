// `tinygpt eval human`: human evaluation for real (step 06). `serve` runs the rating page
// on a SQLite ratings database, `export` writes the ratings as CSV or JSONL, `report`
// measures the raters' agreement and ranks the systems, `simulate` fills a database with a
// simulated panel, and `items` makes demo items from a generated world.
#include <iostream>
#include <memory>
#include <optional>

#include "eval_command.h"
#include "human_eval/export.h"
#include "human_eval/items.h"
#include "human_eval/report.h"
#include "human_eval/simulate.h"
#include "human_eval/store.h"
#include "tinygpt/core/files.h"

// After Eigen (report.h): <httplib.h> brings <resolv.h>, whose `_res` macro breaks Eigen.
#include "human_eval/rating_server.h"

namespace tinygpt::cli {
namespace {

using human_eval::Mode;
using human_eval::RatingStore;

// What `serve` and `simulate` share: the study to open.
struct StudyArgs {
  std::filesystem::path db;
  std::filesystem::path items;
  std::string mode;  // "": the database's, or pairwise for a new one
  std::optional<std::uint64_t> seed;
};

struct ServeArgs {
  StudyArgs study;
  std::string host = "127.0.0.1";
  int port = 8080;
};

struct SimulateArgs {
  StudyArgs study;
  std::string truth = "better";
  human_eval::SimulationOptions panel;
};

// The study's mode: --mode, else the existing database's, else pairwise. Known before the
// items are read, because the mode decides what a valid item is.
std::optional<Mode> study_mode(const StudyArgs& args, std::unique_ptr<RatingStore>& existing) {
  const bool has_db =
      std::filesystem::is_regular_file(args.db) && std::filesystem::file_size(args.db) > 0;
  if (has_db) existing = RatingStore::open_existing(args.db);
  if (!args.mode.empty()) return human_eval::parse_mode(args.mode);
  if (existing) return existing->mode();
  return std::nullopt;
}

std::unique_ptr<RatingStore> open_study(const StudyArgs& args, std::string_view truth_field) {
  std::unique_ptr<RatingStore> existing;
  const std::optional<Mode> mode = study_mode(args, existing);
  if (args.items.empty()) {
    TINYGPT_CHECK(existing != nullptr, "the ratings database '", args.db.string(),
                  "' does not exist yet: give --items to start a study");
    const std::vector<human_eval::Item> items = existing->items();
    const std::string items_file = existing->items_file();
    existing.reset();
    return RatingStore::open_study(args.db, items, items_file, mode, args.seed);
  }
  const std::vector<human_eval::Item> items =
      human_eval::load_items(args.items, mode.value_or(Mode::kPairwise), truth_field);
  existing.reset();  // one connection at a time
  return RatingStore::open_study(args.db, items, args.items, mode, args.seed);
}

void add_study_options(CLI::App* command, StudyArgs& args, bool items_required) {
  command->add_option("--db", args.db, "The ratings database (SQLite; created when missing)")
      ->required();
  CLI::Option* items = command->add_option(
      "--items", args.items,
      "The items file (JSONL: id, prompt, answers [{system, text}], optional better)");
  if (items_required) items->required();
  command
      ->add_option("--mode", args.mode,
                   "pairwise (which of 2 answers is better) or scale (1-5 per answer); "
                   "default: the database's, or pairwise")
      ->check(CLI::IsMember({"pairwise", "scale"}));
}

void run_serve(const ServeArgs& args) {
  std::unique_ptr<RatingStore> store = open_study(args.study, "better");
  std::cout << "study: " << store->path().string() << " (mode "
            << human_eval::mode_name(store->mode()) << ", " << store->items().size()
            << " items from " << store->items_file() << ", " << store->raters().size()
            << " raters so far)" << std::endl;
  http::Server server(
      {.host = args.host, .port = args.port, .max_body_bytes = human_eval::kMaxRatingBody});
  human_eval::add_rating_routes(server, *store);
  server.run(std::cout, /*stop_on_signals=*/true);
  std::cout << "ratings are in " << store->path().string() << "; `tinygpt eval human report --db "
            << store->path().string() << "` sums them up" << std::endl;
}

void run_export(const std::filesystem::path& db, const std::string& format,
                const std::filesystem::path& out) {
  const std::unique_ptr<RatingStore> store = RatingStore::open_existing(db);
  const std::string text =
      format == "csv" ? human_eval::export_csv(*store) : human_eval::export_jsonl(*store);
  if (out.empty()) {
    std::cout << text << std::flush;
    return;
  }
  write_file_atomically(out, text);
  std::cerr << "wrote " << store->ratings().size() << " ratings to " << out.string() << "\n";
}

void run_simulate(const SimulateArgs& args) {
  std::unique_ptr<RatingStore> store = open_study(args.study, args.truth);
  const int written = human_eval::simulate_panel(*store, args.panel);
  std::cout << "simulated " << args.panel.raters << " raters (accuracy " << args.panel.accuracy
            << ", seed " << args.panel.seed << "): " << written << " new ratings in "
            << store->path().string() << "\n";
}

void register_serve(CLI::App& human) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* command = human.add_subcommand(
      "serve", "Run the rating page: blind, randomised, resumable; ratings go to the database");
  add_study_options(command, args->study, /*items_required=*/false);
  command->add_option("--host", args->host, "The address to listen on")->capture_default_str();
  command->add_option("--port", args->port, "The port; 0: a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command->add_option("--seed", args->study.seed,
                      "Seed of each rater's item and answer order (default: the database's, or 1)");
  command->callback([args] { run_serve(*args); });
}

void register_export(CLI::App& human) {
  auto db = std::make_shared<std::filesystem::path>();
  auto format = std::make_shared<std::string>();
  auto out = std::make_shared<std::filesystem::path>();
  CLI::App* command = human.add_subcommand(
      "export", "Write the ratings as CSV or JSONL (apps/human_eval/export.h)");
  command->add_option("--db", *db, "The ratings database")->required();
  command->add_option("--format", *format, "csv or jsonl")
      ->required()
      ->check(CLI::IsMember({"csv", "jsonl"}));
  command->add_option("--out", *out, "The file to write (atomically); default: standard output");
  command->callback([db, format, out] { run_export(*db, *format, *out); });
}

void register_report(CLI::App& human) {
  auto db = std::make_shared<std::filesystem::path>();
  auto options = std::make_shared<human_eval::ReportOptions>();
  CLI::App* command = human.add_subcommand(
      "report", "Agreement (Cohen, Fleiss, Krippendorff) and a Bradley-Terry ranking");
  command->add_option("--db", *db, "The ratings database")->required();
  command->add_option("--resamples", options->resamples, "Bootstrap resamples of the ranking")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  command->add_option("--seed", options->seed, "The bootstrap's seed")->capture_default_str();
  command->callback([db, options] {
    const std::unique_ptr<RatingStore> store = RatingStore::open_existing(*db);
    std::cout << human_eval::format_report(human_eval::make_report(*store, *options));
  });
}

void register_simulate(CLI::App& human) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* command = human.add_subcommand(
      "simulate", "Fill a database with a simulated panel of raters (eval/panel.h)");
  add_study_options(command, args->study, /*items_required=*/true);
  command->add_option("--raters", args->panel.raters, "How many simulated raters")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command
      ->add_option("--accuracy", args->panel.accuracy,
                   "Each rater's probability of reporting the truth (else: at random)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command->add_option("--truth", args->truth, "The items' field naming the better system")
      ->capture_default_str();
  command->add_option("--seed", args->panel.seed, "The panel's seed")->capture_default_str();
  command->callback([args] { run_simulate(*args); });
}

void register_items(CLI::App& human) {
  auto world = std::make_shared<std::filesystem::path>();
  auto out = std::make_shared<std::filesystem::path>();
  auto count = std::make_shared<int>(20);
  CLI::App* command = human.add_subcommand(
      "items", "Demo items from a generated world's preference pairs (test split)");
  command
      ->add_option("--data", *world,
                   "A world folder with preferences.jsonl (tinygpt data generate --kinds "
                   "preferences)")
      ->required();
  command->add_option("--out", *out, "The items file to write")->required();
  command->add_option("--count", *count, "How many items")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  command->callback([world, out, count] {
    const std::vector<human_eval::Item> items = human_eval::items_from_preferences(*world, *count);
    write_file_atomically(*out, human_eval::items_to_jsonl(items));
    std::cout << "wrote " << items.size() << " items (systems preferred and rejected) to "
              << out->string() << "\n";
  });
}

}  // namespace

void register_eval_human(CLI::App& eval) {
  CLI::App* human = eval.add_subcommand(
      "human", "Human evaluation: the rating page, its ratings, agreement and ranking");
  human->require_subcommand(1);
  register_serve(*human);
  register_export(*human);
  register_report(*human);
  register_simulate(*human);
  register_items(*human);
}

}  // namespace tinygpt::cli
