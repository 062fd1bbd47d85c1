// `tinygpt privacy`: the redactor of serve/pii.h from the command line. `privacy redact`
// replaces e-mail addresses, phone numbers, card numbers, IBANs and IP addresses by
// placeholders, line by line, as the server does before it logs; `privacy evaluate` scores
// it on the generated labelled set of serve/pii_examples.h, per kind, and lists what it
// misses and what it mistakes for personal data.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/serve/pii.h"
#include "tinygpt/serve/pii_examples.h"

namespace tinygpt::cli {

namespace {

struct PrivacyOptions {
  std::filesystem::path in;   // redact: the file to read ("" = standard input)
  std::filesystem::path out;  // evaluate: the labelled set as JSONL
  std::int64_t examples = 2000;
  std::uint64_t seed = 7;
  std::int64_t show_errors = 5;
};

// Line by line, so that a log piped through `tinygpt privacy redact` comes out as it goes in
// (no match spans a line break: separators inside a match are spaces, never newlines).
void redact_stream(std::istream& in) {
  std::string line;
  while (std::getline(in, line)) {
    std::cout << serve::redact_pii(line);
    if (!in.eof()) std::cout << '\n';
    std::cout.flush();
  }
}

void run_redact(const PrivacyOptions& options) {
  if (options.in.empty()) {
    redact_stream(std::cin);
    return;
  }
  std::ifstream file(options.in, std::ios::binary);
  TINYGPT_CHECK(file.good(), "cannot read ", options.in.string(),
                ": no such file, or no permission to read it");
  redact_stream(file);
}

std::string percent(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * value;
  return out.str();
}

void print_row(const std::string& name, const serve::PiiCounts& counts) {
  std::cout << std::left << std::setw(7) << name << std::right << std::setw(10)
            << counts.true_positives + counts.false_negatives << std::setw(7)
            << counts.true_positives + counts.false_positives << std::setw(7)
            << counts.true_positives << std::setw(6) << counts.false_positives << std::setw(6)
            << counts.false_negatives << std::setw(11) << percent(counts.precision())
            << std::setw(8) << percent(counts.recall()) << std::setw(8) << percent(counts.f1())
            << "\n";
}

nlohmann::ordered_json to_json(const serve::PiiExample& example) {
  nlohmann::ordered_json labels = nlohmann::ordered_json::array();
  for (const serve::PiiLabel& label : example.labels) {
    labels.push_back({{"kind", serve::pii_kind_name(label.span.kind)},
                      {"begin", label.span.begin},
                      {"end", label.span.end},
                      {"format", label.format}});
  }
  nlohmann::ordered_json decoys = nlohmann::ordered_json::array();
  for (const serve::PiiDecoy& decoy : example.decoys) {
    decoys.push_back({{"what", decoy.what}, {"begin", decoy.begin}, {"end", decoy.end}});
  }
  return {{"text", example.text}, {"labels", labels}, {"decoys", decoys}};
}

void run_evaluate(const PrivacyOptions& options) {
  const std::vector<serve::PiiExample> examples =
      serve::make_pii_examples(options.examples, options.seed);
  if (!options.out.empty()) {
    std::string jsonl;
    for (const serve::PiiExample& example : examples) jsonl += to_json(example).dump() + "\n";
    write_file_atomically(options.out, jsonl);
    std::cout << "wrote " << examples.size() << " labelled examples to " << options.out.string()
              << "\n";
  }
  const serve::PiiScores scores = serve::evaluate_pii(examples);
  std::cout << examples.size() << " generated examples (seed " << options.seed
            << "), exact spans:\n"
            << "kind    labelled  found     TP    FP    FN  precision  recall      F1\n";
  for (std::size_t k = 0; k < serve::kPiiKindCount; ++k) {
    print_row(serve::pii_kind_name(static_cast<serve::PiiKind>(k)), scores.per_kind[k]);
  }
  print_row("all", scores.overall);

  // What goes wrong, grouped: the formats missed and the look-alikes taken for data.
  const std::vector<serve::PiiError> errors = serve::pii_errors(examples);
  std::map<std::string, std::int64_t> missed;
  std::map<std::string, std::int64_t> false_alarms;
  for (const serve::PiiError& error : errors) {
    ++(error.missed ? missed : false_alarms)[error.label];
  }
  const auto print_counts = [](const char* title, const std::map<std::string, std::int64_t>& map) {
    std::cout << title << (map.empty() ? " none\n" : "\n");
    for (const auto& [what, count] : map) {
      std::cout << "  " << std::left << std::setw(34) << what << std::right << std::setw(6) << count
                << "\n";
    }
  };
  print_counts("missed, by format:", missed);
  print_counts("false alarms, by what they hit:", false_alarms);
  std::int64_t shown = 0;
  for (const serve::PiiError& error : errors) {
    if (shown++ >= options.show_errors) break;
    const std::string& text = examples[error.example].text;
    std::cout << (error.missed ? "missed " : "false alarm ")
              << serve::pii_kind_name(error.span.kind) << " \""
              << text.substr(error.span.begin, error.span.end - error.span.begin)
              << "\" in: " << text << "\n";
  }
}

}  // namespace

void register_privacy_command(CLI::App& app) {
  CLI::App* privacy = app.add_subcommand(
      "privacy", "Personal data in text: redact it, or score the redactor on a labelled set");
  privacy->require_subcommand(1);
  auto options = std::make_shared<PrivacyOptions>();

  CLI::App* redact = privacy->add_subcommand(
      "redact",
      "Replace e-mail addresses, phone numbers, card numbers, IBANs and IP addresses by "
      "[EMAIL], [PHONE], [CARD], [IBAN], [IP], line by line, to standard output");
  redact->add_option("--in", options->in, "The file to redact (default: standard input)")
      ->check(CLI::ExistingFile);
  redact->callback([options] { run_redact(*options); });

  CLI::App* evaluate = privacy->add_subcommand(
      "evaluate",
      "Precision, recall and F1 per kind (exact spans) on generated sentences with known "
      "personal data and look-alikes");
  evaluate->add_option("--examples", options->examples, "How many examples to generate")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}));
  evaluate->add_option("--seed", options->seed, "The generator's seed")->capture_default_str();
  evaluate->add_option("--out", options->out, "Also write the labelled set here as JSONL");
  evaluate
      ->add_option("--show-errors", options->show_errors,
                   "How many mistakes to print with their sentence")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  evaluate->callback([options] { run_evaluate(*options); });
}

}  // namespace tinygpt::cli
