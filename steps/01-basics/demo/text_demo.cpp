#include "text_demo.h"

#include <chrono>
#include <iomanip>

#include "tinygpt/core/check.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/models/bigram.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/char_tokenizer.h"

namespace tinygpt::demo {

namespace {
// Records are joined with a blank line, the way fortunes and paragraphs are separated.
constexpr std::string_view kSeparator = "\n\n";

}  // namespace

std::unique_ptr<text::Tokenizer> train_tokenizer(const std::string& kind, const std::string& text,
                                                 int vocab_size) {
  if (kind == "char")
    return std::make_unique<text::CharTokenizer>(text::CharTokenizer::train(text));
  TINYGPT_CHECK(kind == "bpe", "unknown tokenizer '", kind, "': use bpe or char");
  return std::make_unique<text::BpeTokenizer>(text::BpeTokenizer::train(text, vocab_size));
}

TextDemoResult run_text_demo(const TextDemoOptions& options, std::ostream& log) {
  const data::CorpusOptions corpus_options;
  const data::Corpus corpus = options.files.empty()
                                  ? data::load_fortunes(corpus_options)
                                  : data::load_text_files(options.files, corpus_options);
  TextDemoResult result;
  result.corpus = corpus.stats;
  result.train_records = static_cast<std::int64_t>(corpus.train.size());
  result.validation_records = static_cast<std::int64_t>(corpus.validation.size());
  const std::string train_text = data::join_records(corpus.train, kSeparator);
  const std::string validation_text = data::join_records(corpus.validation, kSeparator);
  log << "  corpus: " << corpus.name << ", " << corpus.stats.records << " records, "
      << corpus.stats.bytes << " bytes\n";

  auto start = std::chrono::steady_clock::now();
  const auto tokenizer = train_tokenizer(options.tokenizer, train_text, options.vocab_size);
  result.tokenizer_seconds = seconds_since(start);
  result.tokenizer = tokenizer->describe();
  log << "  tokenizer: " << result.tokenizer << ", trained in " << std::fixed
      << std::setprecision(2) << result.tokenizer_seconds << " s\n";

  const std::vector<std::int32_t> train_tokens = tokenizer->encode(train_text);
  const std::vector<std::int32_t> validation_tokens = tokenizer->encode(validation_text);
  result.bytes_per_token =
      static_cast<double>(validation_text.size()) / static_cast<double>(validation_tokens.size());

  train::BigramTrainOptions training = options.training;
  training.learning_rate =
      options.learning_rate.value_or(options.tokenizer == "char" ? 100.0f : 300.0f);
  models::BigramModel model(tokenizer->vocab_size());
  if (options.inspect) options.inspect("before", model, *tokenizer);
  result.bigram =
      train::train_bigram(model, train_tokens, validation_tokens,
                          static_cast<std::int64_t>(validation_text.size()), training, log);
  if (options.inspect) options.inspect("after", model, *tokenizer);
  result.count_bigram_loss =
      models::count_bigram_loss(train_tokens, validation_tokens, tokenizer->vocab_size(), 0.01);

  // Every sample starts where a record starts: after the separator.
  const std::vector<std::int32_t> prompt = tokenizer->encode(kSeparator);
  for (int i = 0; i < options.samples; ++i) {
    const std::vector<std::int32_t> tokens =
        model.generate({&prompt.back(), 1}, options.sample_tokens, options.temperature,
                       options.training.seed + static_cast<std::uint64_t>(i));
    result.samples.push_back(tokenizer->decode(std::span(tokens).subspan(1)));
  }
  return result;
}

void print_text_summary(const TextDemoResult& result, std::ostream& out) {
  out << std::fixed << std::setprecision(3) << "\n"
      << "  corpus              " << result.corpus.files << " files, " << result.train_records
      << " training and " << result.validation_records << " validation records, "
      << result.corpus.bytes << " bytes\n"
      << "  tokenizer           " << result.tokenizer << ", " << result.bytes_per_token
      << " bytes per token\n"
      << "  validation loss     " << result.bigram.initial_validation_loss << " -> "
      << result.bigram.validation_loss << " nats (count-based optimum " << result.count_bigram_loss
      << ")\n"
      << "  train loss          " << result.bigram.train_loss << "\n"
      << "  perplexity          " << result.bigram.validation_perplexity << "\n"
      << "  bits per byte       " << result.bigram.validation_bits_per_byte << "\n"
      << "  training            " << result.bigram.seconds << " s\n";
  for (const std::string& sample : result.samples) {
    out << "\n  --- sample ---\n" << sample << "\n";
  }
}

}  // namespace tinygpt::demo
