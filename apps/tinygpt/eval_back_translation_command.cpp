// `tinygpt eval back-translate`: world copies for back-translation (eval/back_translation.h):
// the first N real training pairs, turned around for the reverse model or with synthetic
// pairs that a reverse model translated from the monolingual conlang sentences. And
// `tinygpt eval translate`: a seq2seq model's translations of a split, scored with BLEU and
// chrF, and compared with another model's by the paired bootstrap.
#include <cstdio>
#include <iostream>
#include <memory>

#include "eval_command.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/eval/back_translation.h"
#include "tinygpt/eval/bleu.h"
#include "tinygpt/eval/chrf.h"

namespace tinygpt::cli {

namespace {

namespace fs = std::filesystem;

struct BackTranslateArgs {
  fs::path data;
  fs::path out;
  fs::path reverse_model;
  std::int64_t real = 0;
  std::int64_t synthetic = -1;
  bool reverse = false;
  std::int64_t batch = 32;
};

void run_back_translate(const BackTranslateArgs& args) {
  TINYGPT_CHECK(!(args.reverse && !args.reverse_model.empty()),
                "back-translate: --reverse writes the reverse model's training data; it takes "
                "no --reverse-model");
  TINYGPT_CHECK(args.reverse_model.empty() == (args.synthetic < 0),
                "back-translate: give --reverse-model and --synthetic together (or neither, for "
                "the real pairs alone)");
  const eval::BackTranslationData data = eval::read_back_translation_data(args.data, args.real);
  eval::BackTranslationCopy copy;
  copy.reverse = args.reverse;
  if (!args.reverse_model.empty()) {
    const auto wanted =
        args.synthetic == 0 ? data.monolingual.size() : static_cast<std::size_t>(args.synthetic);
    TINYGPT_CHECK(wanted <= data.monolingual.size(), "back-translate: --synthetic ", wanted,
                  " is more than the ", data.monolingual.size(), " monolingual sentences of ",
                  args.data.string(), " (with --real ", args.real, ")");
    models::ModelFolder reverse = models::load_model_folder(args.reverse_model);
    const std::span<const std::string> sources(data.monolingual.data(), wanted);
    std::cerr << "back-translating " << wanted << " conlang sentences with "
              << args.reverse_model.string() << "\n";
    copy.synthetic = eval::translate_greedy(reverse, args.reverse_model, sources, args.batch);
  }
  const eval::BackTranslationWorld written =
      eval::write_back_translation_world(args.data, data, copy, args.out);
  std::cout << args.out.string() << ": " << written.real << " real training pairs"
            << (args.reverse ? " (conlang -> English)" : "") << ", " << written.synthetic
            << " synthetic"
            << (written.empty > 0
                    ? " (" + std::to_string(written.empty) + " empty back-translations left out)"
                    : std::string())
            << ", " << written.held_out << " dev and test pairs as they were\n";
}

struct TranslateArgs {
  fs::path model;
  fs::path compare;
  fs::path data;
  std::string split = "test";
  fs::path hyps;
  fs::path report;
  bool reverse = false;
  std::int64_t batch = 32;
  eval::BootstrapOptions bootstrap;
};

// One model's translations of the split's sources, written to `hyps` when asked.
std::vector<std::string> translate_file(const fs::path& model_dir,
                                        const std::vector<std::string>& sources,
                                        const fs::path& hyps, std::int64_t batch) {
  models::ModelFolder model = models::load_model_folder(model_dir);
  std::vector<std::string> translations = eval::translate_greedy(model, model_dir, sources, batch);
  if (!hyps.empty()) {
    std::string text;
    for (const std::string& line : translations) text += line + "\n";
    write_file_atomically(hyps, text);
  }
  return translations;
}

void run_translate(const TranslateArgs& args) {
  const auto pairs = eval::translation_split(args.data, args.split);
  TINYGPT_CHECK(!pairs.empty(), args.data.string(), "/translation.jsonl has no ", args.split,
                " pairs to translate");
  std::vector<std::string> sources;
  std::vector<std::string> references;
  for (const auto& [english, conlang] : pairs) {
    sources.push_back(args.reverse ? conlang : english);
    references.push_back(args.reverse ? english : conlang);
  }
  const std::vector<std::vector<std::string>> streams = {references};
  const std::vector<std::string> a = translate_file(args.model, sources, args.hyps, args.batch);
  const eval::BleuScore bleu = eval::corpus_bleu(a, streams);
  const eval::ChrfScore chrf = eval::corpus_chrf(a, streams);
  std::cout << args.model.string() << " on " << pairs.size() << " " << args.split << " pairs:\n  "
            << bleu.format() << "\n  " << chrf.format() << "\n";
  nlohmann::ordered_json report = {
      {"model", args.model.string()},
      {"split", args.split},
      {"direction", args.reverse ? "conlang->english" : "english->conlang"},
      {"pairs", pairs.size()},
      {"bleu", bleu.score},
      {"chrf", chrf.score}};
  if (!args.compare.empty()) {
    const std::vector<std::string> b = translate_file(args.compare, sources, {}, args.batch);
    const eval::TranslationComparison test =
        eval::compare_translations(a, b, references, args.bootstrap);
    char line[160];
    std::snprintf(line, sizeof line, "%.2f - %.2f = %+.2f [%.2f, %.2f], p = %.3f",
                  test.bleu.score_a, test.bleu.score_b, test.bleu.difference, test.bleu.low,
                  test.bleu.high, test.bleu.p_value);
    std::cout << args.compare.string() << ": BLEU " << test.bleu.score_b << ", chrF2 "
              << test.chrf.score_b << "\npaired bootstrap (" << test.bleu.samples
              << " resamples), this model minus the other:\n  BLEU  " << line << "\n";
    std::snprintf(line, sizeof line, "%.2f - %.2f = %+.2f [%.2f, %.2f], p = %.3f",
                  test.chrf.score_a, test.chrf.score_b, test.chrf.difference, test.chrf.low,
                  test.chrf.high, test.chrf.p_value);
    std::cout << "  chrF2 " << line << "\n";
    report["compare"] = {{"model", args.compare.string()},
                         {"bleu", test.bleu.score_b},
                         {"chrf", test.chrf.score_b},
                         {"bleu_difference", eval::to_json(test.bleu)},
                         {"chrf_difference", eval::to_json(test.chrf)}};
  }
  if (!args.report.empty()) write_file_atomically(args.report, report.dump(2) + "\n");
}

}  // namespace

void register_eval_back_translation(CLI::App& eval) {
  auto args = std::make_shared<BackTranslateArgs>();
  CLI::App* command = eval.add_subcommand(
      "back-translate",
      "Write a world copy with the first N real translation pairs, reversed for a reverse "
      "model or with synthetic pairs back-translated by one");
  command->add_option("--data", args->data, "The world folder (read only)")->required();
  command->add_option("--out", args->out, "The world copy: a new or empty folder")->required();
  command->add_option("--real", args->real, "Real training pairs kept, the first ones")->required();
  command->add_flag("--reverse", args->reverse,
                    "Write translation.txt as conlang<TAB>English: the reverse model's data");
  command->add_option("--reverse-model", args->reverse_model,
                      "A conlang -> English seq2seq model folder that back-translates");
  command->add_option("--synthetic", args->synthetic,
                      "Monolingual conlang sentences back-translated into synthetic pairs (0: "
                      "all of them)");
  command->add_option("--batch", args->batch, "Sentences per forward pass")->capture_default_str();
  command->callback([args] { run_back_translate(*args); });

  auto translate = std::make_shared<TranslateArgs>();
  CLI::App* score = eval.add_subcommand(
      "translate",
      "Translate a split's pairs with a seq2seq model (greedy), print BLEU and chrF, and "
      "compare with another model by the paired bootstrap");
  score->add_option("--model", translate->model, "A seq2seq model folder (English -> conlang)")
      ->required();
  score->add_option("--data", translate->data, "The world folder with translation.jsonl")
      ->required();
  score->add_option("--split", translate->split, "train, dev or test")->capture_default_str();
  score->add_flag("--reverse", translate->reverse,
                  "Translate the conlang side into English (a reverse model's direction)");
  score->add_option("--compare", translate->compare,
                    "Another model folder, scored on the same pairs and tested against --model");
  score->add_option("--hyps", translate->hyps, "Write --model's translations here, one a line");
  score->add_option("--report", translate->report, "Write the scores here (JSON)");
  score->add_option("--batch", translate->batch, "Sentences per forward pass")
      ->capture_default_str();
  score->add_option("--samples", translate->bootstrap.samples, "Bootstrap resamples")
      ->capture_default_str();
  score->add_option("--seed", translate->bootstrap.seed, "The bootstrap's seed")
      ->capture_default_str();
  score->callback([translate] { run_translate(*translate); });
}

}  // namespace tinygpt::cli
