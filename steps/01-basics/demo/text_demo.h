// Step 01's language demo: a tokenizer and a bigram language model trained on real
// English text (Debian's fortunes, or the user's files). Used by `tinygpt bigram`,
// `tinygpt journey` and the step's tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/corpus.h"
#include "tinygpt/text/tokenizer.h"
#include "tinygpt/train/bigram_trainer.h"

namespace tinygpt::demo {

/// Settings of the language demo; the defaults take a few seconds.
struct TextDemoOptions {
  std::vector<std::filesystem::path> files;  ///< the user's text files; empty: fortunes
  std::string tokenizer = "bpe";             ///< "bpe" (byte-level BPE) or "char"
  int vocab_size = 1024;                     ///< BPE's vocabulary size (ignored for "char")
  train::BigramTrainOptions training;        ///< steps, batch, seed
  /// SGD step size; unset: 100 for characters and 300 for BPE, the fastest stable rates
  /// measured on fortunes (more tokens per row of the table need a smaller rate).
  std::optional<float> learning_rate;
  int samples = 3;           ///< texts to generate
  int sample_tokens = 60;    ///< tokens per generated text
  float temperature = 1.0f;  ///< sampling temperature
  /// Called with the bigram and its tokenizer just before training (moment "before") and
  /// just after (moment "after"), to look inside the model (`tinygpt figures` draws its
  /// next-token probabilities); empty: not called.
  std::function<void(std::string_view moment, models::BigramModel& model,
                     const text::Tokenizer& tokenizer)>
      inspect;
};

/// What the demo measured.
struct TextDemoResult {
  data::CorpusStats corpus;             ///< what was loaded
  std::int64_t train_records = 0;       ///< records in the training split
  std::int64_t validation_records = 0;  ///< records in the validation split
  std::string tokenizer;                ///< the tokenizer's description
  double tokenizer_seconds = 0.0;       ///< time to train the tokenizer
  double bytes_per_token = 0.0;         ///< validation bytes / validation tokens
  train::BigramReport bigram;           ///< losses, perplexity, bits per byte
  double count_bigram_loss = 0.0;       ///< the count-based optimum on the same split
  std::vector<std::string> samples;     ///< generated texts
};

/// Trains a tokenizer of the given kind on `text`.
std::unique_ptr<text::Tokenizer> train_tokenizer(const std::string& kind, const std::string& text,
                                                 int vocab_size);

/// Loads the corpus, trains the tokenizer and the bigram, samples; logs progress to `log`.
TextDemoResult run_text_demo(const TextDemoOptions& options, std::ostream& log);

/// Prints the result as a short table followed by the samples.
void print_text_summary(const TextDemoResult& result, std::ostream& out);

}  // namespace tinygpt::demo
