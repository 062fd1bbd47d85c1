// `tinygpt eval`: scoring outputs (step 06). `eval bleu` and `eval chrf` score a file of
// hypotheses against one or more files of references, one segment per line, and print the
// score with its signature as sacreBLEU's command line does (`sacrebleu -f text`, or its
// default JSON with --format json).
#include "eval_command.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/eval/bleu.h"
#include "tinygpt/eval/chrf.h"

namespace tinygpt::cli {
namespace {

// What `eval bleu` and `eval chrf` share.
struct TranslationArgs {
  std::vector<std::filesystem::path> refs;
  std::filesystem::path hyps;
  bool lowercase = false;
  bool sentence_level = false;
  std::string format = "text";
  int width = 1;
  bool score_only = false;
};

struct BleuArgs {
  TranslationArgs common;
  std::string tokenize = "13a";
  std::string smooth = "exp";
  double smooth_value = -1.0;  // < 0: the method's default
  int max_order = 4;
};

struct ChrfArgs {
  TranslationArgs common;
  int char_order = 6;
  int word_order = 0;
  int beta = 2;
  bool whitespace = false;
  bool eps_smoothing = false;
};

// The hypotheses and the reference streams, read and checked.
struct Segments {
  std::vector<std::string> hypotheses;
  std::vector<std::vector<std::string>> references;  // one stream per reference file

  // Sentence i's references, one per file.
  std::vector<std::string> references_of(std::size_t i) const {
    std::vector<std::string> refs;
    for (const std::vector<std::string>& stream : references) refs.push_back(stream[i]);
    return refs;
  }
};

Segments read_all(const TranslationArgs& args) {
  Segments segments;
  segments.hypotheses = read_segments(args.hyps, "hypothesis file");
  std::vector<std::filesystem::path> files = {args.hyps};
  std::vector<std::size_t> counts = {segments.hypotheses.size()};
  for (const std::filesystem::path& ref : args.refs) {
    segments.references.push_back(read_segments(ref, "reference file"));
    files.push_back(ref);
    counts.push_back(segments.references.back().size());
  }
  check_same_line_counts(files, counts);
  return segments;
}

std::string fixed(double x, int digits) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, x);
  return text;
}

// sacreBLEU's JSON (Score.format(is_json=True)): name, score rounded to the width, the
// signature, BLEU's verbose part, then each signature field.
std::string json_line(const std::string& name, double score, int width,
                      const std::string& signature, const std::string& verbose) {
  nlohmann::ordered_json out;
  out["name"] = name;
  out["score"] = std::stod(fixed(score, width));
  out["signature"] = signature;
  if (!verbose.empty()) out["verbose_score"] = verbose;
  std::size_t start = 0;
  while (start <= signature.size()) {
    const std::size_t end = std::min(signature.find('|', start), signature.size());
    const std::string field = signature.substr(start, end - start);
    const std::size_t colon = field.find(':');
    out[field.substr(0, colon)] = field.substr(colon + 1);
    start = end + 1;
  }
  return out.dump(1);
}

// One result as the options ask: the score alone, sacreBLEU's text line, or its JSON.
void print(const TranslationArgs& args, const std::string& name, double score,
           const std::string& signature, const std::string& text_line, const std::string& verbose) {
  if (args.score_only) {
    std::cout << fixed(score, args.width) << "\n";
  } else if (args.format == "json") {
    std::cout << json_line(name, score, args.width, signature, verbose) << "\n";
  } else {
    std::cout << text_line << "\n";
  }
}

void run_bleu(const BleuArgs& args) {
  const Segments segments = read_all(args.common);
  eval::BleuOptions options{.tokenizer = eval::parse_bleu_tokenizer(args.tokenize),
                            .smoothing = eval::parse_bleu_smoothing(args.smooth),
                            .lowercase = args.common.lowercase,
                            .max_order = args.max_order};
  if (args.smooth_value >= 0.0) options.smooth_value = args.smooth_value;
  const auto report = [&](const eval::BleuScore& score) {
    print(args.common, "BLEU", score.score, score.signature, score.format(args.common.width),
          score.verbose());
  };
  if (!args.common.sentence_level) {
    report(eval::corpus_bleu(segments.hypotheses, segments.references, options));
    return;
  }
  options.effective_order = true;  // as sacreBLEU's --sentence-level
  for (std::size_t i = 0; i < segments.hypotheses.size(); ++i) {
    report(eval::sentence_bleu(segments.hypotheses[i], segments.references_of(i), options));
  }
}

void run_chrf(const ChrfArgs& args) {
  const Segments segments = read_all(args.common);
  const eval::ChrfOptions options{.char_order = args.char_order,
                                  .word_order = args.word_order,
                                  .beta = args.beta,
                                  .lowercase = args.common.lowercase,
                                  .whitespace = args.whitespace,
                                  .eps_smoothing = args.eps_smoothing};
  const auto report = [&](const eval::ChrfScore& score) {
    print(args.common, score.name, score.score, score.signature, score.format(args.common.width),
          "");
  };
  if (!args.common.sentence_level) {
    report(eval::corpus_chrf(segments.hypotheses, segments.references, options));
    return;
  }
  for (std::size_t i = 0; i < segments.hypotheses.size(); ++i) {
    report(eval::sentence_chrf(segments.hypotheses[i], segments.references_of(i), options));
  }
}

// The options `eval bleu` and `eval chrf` share.
void add_translation_options(CLI::App* command, TranslationArgs& args) {
  command
      ->add_option("--refs", args.refs,
                   "Reference files, one segment per line; several give several references")
      ->required()
      ->expected(1, -1);
  command->add_option("--hyps", args.hyps, "The hypothesis file, one segment per line")->required();
  command->add_flag("--lowercase", args.lowercase, "Lowercase every segment first");
  command->add_flag("--sentence-level", args.sentence_level,
                    "One score per line instead of the corpus score");
  command->add_option("--format", args.format, "text (sacreBLEU's -f text) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->add_option("-w,--width", args.width, "Digits after the point of the score")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  command->add_flag("-b,--score-only", args.score_only, "Print the score alone");
}

}  // namespace

std::vector<std::string> read_segments(const std::filesystem::path& path, std::string_view role) {
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(std::string(role) + " '" + path.string() + "' does not exist");
  }
  // The whole file in one read (tinygpt::read_file grows a string stream: slower on the
  // megabytes of a test set).
  std::ifstream in(path, std::ios::binary);
  std::string bytes(std::filesystem::file_size(path), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    throw Error("cannot read " + std::string(role) + " '" + path.string() + "'");
  }
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const std::size_t end = std::min(bytes.find('\n', start), bytes.size());
    const std::string_view line = std::string_view(bytes).substr(start, end - start);
    // UTF-8: eight bytes at a time while they are all ASCII (most text), else a character.
    constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
    for (std::size_t i = 0; i < line.size();) {
      std::uint64_t eight = kHighBits;
      if (i + 8 <= line.size()) std::memcpy(&eight, line.data() + i, 8);
      if ((eight & kHighBits) == 0) {
        i += 8;
        continue;
      }
      if (static_cast<unsigned char>(line[i]) < 0x80) {
        ++i;
        continue;
      }
      const std::size_t at = i;
      if (next_code_point(line, i) < 0) {
        throw Error(std::string(role) + " '" + path.string() + "' line " +
                    std::to_string(segments.size() + 1) + ": invalid UTF-8 at byte " +
                    std::to_string(at + 1) + " of the line; the file must be UTF-8 text");
      }
    }
    segments.emplace_back(eval::python_rstrip(line));
    start = end + 1;
  }
  if (segments.empty()) {
    throw Error(std::string(role) + " '" + path.string() +
                "' has no lines: it needs one segment per line");
  }
  return segments;
}

void check_same_line_counts(const std::vector<std::filesystem::path>& files,
                            const std::vector<std::size_t>& counts) {
  for (std::size_t k = 1; k < files.size(); ++k) {
    if (counts[k] != counts[0]) {
      throw Error("'" + files[0].string() + "' has " + std::to_string(counts[0]) + " lines but '" +
                  files[k].string() + "' has " + std::to_string(counts[k]) +
                  ": every file needs one line per segment, the same number in each");
    }
  }
}

void register_eval_translation(CLI::App& eval) {
  auto bleu = std::make_shared<BleuArgs>();
  CLI::App* bleu_command = eval.add_subcommand(
      "bleu", "Corpus BLEU as sacreBLEU computes it (Papineni et al., 2002; Post, 2018)");
  add_translation_options(bleu_command, bleu->common);
  bleu_command->add_option("--tokenize", bleu->tokenize, "13a (mteval-v13a), none or char")
      ->check(CLI::IsMember({"13a", "none", "char"}))
      ->capture_default_str();
  bleu_command->add_option("--smooth", bleu->smooth, "exp, floor, add-k or none")
      ->check(CLI::IsMember({"exp", "floor", "add-k", "none"}))
      ->capture_default_str();
  bleu_command
      ->add_option("--smooth-value", bleu->smooth_value,
                   "floor's value (default 0.1) or add-k's k (default 1)")
      ->check(CLI::NonNegativeNumber);
  bleu_command->add_option("--max-order", bleu->max_order, "The highest n-gram order")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  bleu_command->callback([bleu] { run_bleu(*bleu); });

  auto chrf = std::make_shared<ChrfArgs>();
  CLI::App* chrf_command = eval.add_subcommand(
      "chrf", "Corpus chrF as sacreBLEU computes it (Popović, 2015); chrF++ with --word-order 2");
  add_translation_options(chrf_command, chrf->common);
  chrf_command->add_option("--char-order", chrf->char_order, "Character n-gram orders")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  chrf_command->add_option("--word-order", chrf->word_order, "Word n-gram orders (2: chrF++)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  chrf_command->add_option("--beta", chrf->beta, "Recall weighs beta times precision")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  chrf_command->add_flag("--whitespace", chrf->whitespace, "Keep white space in the n-grams");
  chrf_command->add_flag("--eps-smoothing", chrf->eps_smoothing,
                         "Average per-order F-scores (chrF++.py's, NLTK's way)");
  chrf_command->callback([chrf] { run_chrf(*chrf); });
}

void register_eval_command(CLI::App& app) {
  CLI::App* eval =
      app.add_subcommand("eval", "Evaluate models and score outputs: reports, BLEU, chrF, ...");
  eval->require_subcommand(1);
  // One line per metric family (see eval_command.h).
  register_eval_translation(*eval);
  register_eval_fairness(*eval);
  register_eval_run(*eval);
  register_eval_eda(*eval);
  register_eval_back_translation(*eval);
  register_eval_human(*eval);
  register_eval_robustness(*eval);
  register_eval_active_learning(*eval);
  register_eval_continual(*eval);
  register_eval_drift(*eval);
}

}  // namespace tinygpt::cli
