// `tinygpt tokenizer`: train a byte-level BPE tokenizer, encode and decode with it, and
// time it (steps/01-basics/bench/compare_sentencepiece.py compares it with SentencePiece).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/text/bpe.h"

namespace tinygpt::cli {
namespace {

std::string read_text(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  TINYGPT_CHECK(file != nullptr, "tokenizer: cannot open '", path, "'");
  std::string text;
  char buffer[1 << 16];
  std::size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, read);
  std::fclose(file);
  return text;
}

std::string read_inputs(const std::vector<std::string>& paths) {
  std::string text;
  for (const std::string& path : paths) text += read_text(path);
  return text;
}

struct TrainOptions {
  std::vector<std::string> inputs;
  std::int32_t vocab = 4096;
  std::vector<std::string> specials;
  std::string out;
};

void add_train(CLI::App& parent) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* train = parent.add_subcommand("train", "Train byte-level BPE on text files");
  train->add_option("--input", options->inputs, "Training text files (concatenated)")
      ->required()
      ->check(CLI::ExistingFile);
  train->add_option("--vocab", options->vocab, "Vocabulary size (256 bytes + merges + specials)")
      ->capture_default_str();
  train->add_option("--special", options->specials, "Special token, e.g. <|endoftext|>");
  train->add_option("--out", options->out, "Tokenizer file to write")->required();
  train->callback([options] {
    const std::string text = read_inputs(options->inputs);
    const auto start = std::chrono::steady_clock::now();
    const text::BpeTokenizer tokenizer =
        text::BpeTokenizer::train(text, options->vocab, options->specials);
    const double seconds = seconds_since(start);
    tokenizer.save(options->out);
    std::cout << tokenizer.describe() << ", trained on " << text.size() << " bytes in " << seconds
              << " s, saved to " << options->out << "\n";
  });
}

void add_encode_decode(CLI::App& parent) {
  auto path = std::make_shared<std::string>();
  CLI::App* encode = parent.add_subcommand("encode", "Standard input to token ids, one line");
  encode->add_option("--tokenizer", *path, "Tokenizer file")->required()->check(CLI::ExistingFile);
  encode->callback([path] {
    const text::BpeTokenizer tokenizer = text::BpeTokenizer::load(*path);
    const std::string text((std::istreambuf_iterator<char>(std::cin)),
                           std::istreambuf_iterator<char>());
    const std::vector<std::int32_t> ids = tokenizer.encode(text);
    for (std::size_t i = 0; i < ids.size(); ++i) std::cout << (i > 0 ? " " : "") << ids[i];
    std::cout << "\n";
  });

  auto decode_path = std::make_shared<std::string>();
  CLI::App* decode =
      parent.add_subcommand("decode", "Token ids (whitespace-separated) on standard input to text");
  decode->add_option("--tokenizer", *decode_path, "Tokenizer file")
      ->required()
      ->check(CLI::ExistingFile);
  decode->callback([decode_path] {
    const text::BpeTokenizer tokenizer = text::BpeTokenizer::load(*decode_path);
    std::vector<std::int32_t> ids;
    std::int32_t id = 0;
    while (std::cin >> id) ids.push_back(id);
    TINYGPT_CHECK(std::cin.eof(),
                  "tokenizer decode: standard input has something that is not a token id");
    std::cout << tokenizer.decode(ids);
  });
}

struct BenchOptions {
  std::string input;
  std::int32_t vocab = 4096;
};

void add_bench(CLI::App& parent) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* bench = parent.add_subcommand(
      "bench", "Time training, then single-thread encoding of the file's lines; prints JSON");
  bench->add_option("--input", options->input, "Text file")->required()->check(CLI::ExistingFile);
  bench->add_option("--vocab", options->vocab, "Vocabulary size")->capture_default_str();
  bench->callback([options] {
    const std::string text = read_text(options->input);
    auto start = std::chrono::steady_clock::now();
    const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(text, options->vocab);
    const double train_seconds = seconds_since(start);

    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::size_t bytes = 0;
    std::size_t tokens = 0;
    start = std::chrono::steady_clock::now();
    for (const std::string& line : lines) {
      tokens += tokenizer.encode(line).size();
      bytes += line.size();
    }
    const double encode_seconds = seconds_since(start);
    std::cout << "{\"train_seconds\": " << train_seconds
              << ", \"encode_seconds\": " << encode_seconds << ", \"bytes\": " << bytes
              << ", \"tokens\": " << tokens << ", \"lines\": " << lines.size()
              << ", \"vocab_size\": " << tokenizer.vocab_size() << "}\n";
  });
}

}  // namespace

void register_tokenizer_command(CLI::App& app) {
  CLI::App* tokenizer = app.add_subcommand("tokenizer", "Byte-level BPE: train, encode, decode");
  tokenizer->require_subcommand(1);
  add_train(*tokenizer);
  add_encode_decode(*tokenizer);
  add_bench(*tokenizer);
}

}  // namespace tinygpt::cli
