// Made-up sentences with structure to learn ("the red cat sees the big dog."), and the tiny
// GPT set-up built on them, shared by the trainer tests and the MPI test program: small
// corpora that train in seconds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tinygpt/core/files.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/text/bpe.h"

namespace tinygpt::testing {

// `count` sentences, the same for the same seed (a linear congruential generator, so the
// corpus never depends on the library's RNG under test).
inline std::vector<std::string> toy_sentences(std::uint32_t seed, int count) {
  const char* adjectives[] = {"red", "big", "old", "shy"};
  const char* nouns[] = {"cat", "dog", "fox", "owl"};
  const char* verbs[] = {"sees", "likes", "finds"};
  std::vector<std::string> records;
  std::uint32_t x = seed;
  const auto next = [&x](std::uint32_t n) {
    x = x * 1664525u + 1013904223u;
    return (x >> 16) % n;
  };
  for (int i = 0; i < count; ++i) {
    records.push_back(std::string("the ") + adjectives[next(4)] + " " + nouns[next(4)] + " " +
                      verbs[next(3)] + " the " + adjectives[next(4)] + " " + nouns[next(4)] + ".");
  }
  return records;
}

// Token files of toy sentences and their BPE of 300 tokens into `data_dir`, and at
// `model_json` a one-layer GPT config for them (dropout on, so the masks must follow the
// global example index too).
inline void write_tiny_gpt_setup(const std::filesystem::path& data_dir,
                                 const std::filesystem::path& model_json) {
  data::Corpus corpus;
  corpus.name = "tiny";
  corpus.train = toy_sentences(1, 300);
  corpus.validation = toy_sentences(2, 40);
  const std::vector<std::string> specials = {"<|endoftext|>"};
  const text::BpeTokenizer tokenizer =
      text::BpeTokenizer::train(data::join_records(corpus.train, "\n"), 300, specials);
  data::write_corpus_token_files(corpus, tokenizer, data_dir);
  tokenizer.save(data_dir / "tokenizer.bpe");
  write_file_atomically(model_json,
                        R"({"family": "gpt", "vocab_size": 300, "context_length": 16, )"
                        R"("width": 32, "layers": 1, "heads": 2, "dropout": 0.1, "bias": true})");
}

}  // namespace tinygpt::testing
