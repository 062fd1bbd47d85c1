// Batches of the three families, each row a pure function of (seed, step, global example
// index): see batching.h for the contract and the shapes.
#include "tinygpt/data/batching.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "batching_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/corpus.h"

namespace tinygpt::data {

namespace {

void check_key(const BatchKey& key, const char* op) {
  TINYGPT_CHECK(key.batch >= 0 && key.first_example >= 0, op, ": first_example ", key.first_example,
                " and batch ", key.batch, " must not be negative");
  TINYGPT_CHECK(key.first_example + key.batch <= (std::int64_t{1} << 48), op,
                ": example indices must stay below 2^48, got up to ",
                key.first_example + key.batch);
  TINYGPT_CHECK(key.step <= kValidationStep, op, ": step ", key.step, " is not below 2^32");
}

CounterRng example_rng(const BatchKey& key, std::int64_t row) {
  return CounterRng(key.seed, RngStream::kData, key.step,
                    static_cast<std::uint64_t>(key.first_example + row));
}

// Window [start, start + T + 1) of the file: inputs are its first T tokens, targets its last T.
void fill_window(const TokenFile& file, std::int64_t start, std::int64_t row, LmBatch& batch,
                 std::vector<std::int32_t>& window) {
  file.copy_tokens(start, window);
  const std::int64_t time = batch.time;
  std::copy(window.begin(), window.end() - 1, batch.inputs.begin() + row * time);
  std::copy(window.begin() + 1, window.end(), batch.targets.begin() + row * time);
  batch.starts[static_cast<std::size_t>(row)] = start;
}

LmBatch empty_lm_batch(std::int64_t batch, std::int64_t time) {
  LmBatch result;
  result.batch = batch;
  result.time = time;
  result.inputs.resize(static_cast<std::size_t>(batch * time));
  result.targets.resize(static_cast<std::size_t>(batch * time));
  result.starts.resize(static_cast<std::size_t>(batch));
  return result;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Row b of an NSP batch: [CLS] A [SEP] B [SEP] [PAD]..., the longer part cut at its end
// until both fit.
void fill_nsp_row(const SentenceCorpus& corpus, const NspSpecials& specials, const NspPair& pair,
                  std::int64_t row, NspBatch& batch) {
  const std::span<const std::int32_t> a = corpus.sentence(pair.first);
  const std::span<const std::int32_t> b = corpus.sentence(pair.second);
  auto a_length = static_cast<std::int64_t>(a.size());
  auto b_length = static_cast<std::int64_t>(b.size());
  while (a_length + b_length > batch.time - 3) {
    if (a_length >= b_length) {
      --a_length;
    } else {
      --b_length;
    }
  }
  const std::int64_t offset = row * batch.time;
  std::int64_t t = 0;
  auto put = [&](std::int32_t id, std::int32_t type) {
    batch.ids[offset + t] = id;
    batch.type_ids[offset + t] = type;
    batch.mask[offset + t] = 1;
    ++t;
  };
  put(specials.cls, 0);
  for (std::int64_t i = 0; i < a_length; ++i) put(a[i], 0);
  put(specials.sep, 0);
  for (std::int64_t i = 0; i < b_length; ++i) put(b[i], 1);
  put(specials.sep, 1);
  for (; t < batch.time; ++t) {
    batch.ids[offset + t] = specials.pad;
    batch.type_ids[offset + t] = 0;
    batch.mask[offset + t] = 0;
  }
  batch.labels[row] = pair.label;
  batch.first[row] = pair.first;
  batch.second[row] = pair.second;
}

Seq2SeqBatch empty_seq2seq_batch(std::int64_t batch, std::int64_t source_time,
                                 std::int64_t target_time) {
  Seq2SeqBatch result;
  result.batch = batch;
  result.source_time = source_time;
  result.target_time = target_time;
  const auto sources = static_cast<std::size_t>(batch * source_time);
  const auto targets = static_cast<std::size_t>(batch * target_time);
  result.source_ids.resize(sources);
  result.source_mask.resize(sources);
  result.target_inputs.resize(targets);
  result.target_labels.resize(targets);
  result.target_mask.resize(targets);
  result.pairs.resize(static_cast<std::size_t>(batch));
  return result;
}

// Row b of a seq2seq batch. Inputs are BOS + target and labels target + EOS, each cut to
// T, so labels[t] == inputs[t + 1] wherever both are tokens.
void fill_seq2seq_row(std::span<const EncodedPair> pairs, const Seq2SeqSpecials& specials,
                      std::int64_t pair, std::int64_t row, Seq2SeqBatch& batch) {
  const EncodedPair& encoded = pairs[static_cast<std::size_t>(pair)];
  const std::int64_t source_offset = row * batch.source_time;
  const auto source_length =
      std::min(static_cast<std::int64_t>(encoded.source.size()), batch.source_time);
  for (std::int64_t s = 0; s < batch.source_time; ++s) {
    const bool token = s < source_length;
    batch.source_ids[source_offset + s] = token ? encoded.source[s] : specials.pad;
    batch.source_mask[source_offset + s] = token ? 1 : 0;
  }
  const std::int64_t target_offset = row * batch.target_time;
  const auto target_length = static_cast<std::int64_t>(encoded.target.size());
  const std::int64_t length = std::min(target_length + 1, batch.target_time);
  for (std::int64_t t = 0; t < batch.target_time; ++t) {
    const bool token = t < length;
    std::int32_t input = specials.pad;
    std::int32_t label = kIgnoreTarget;
    if (token) {
      input = t == 0 ? specials.bos : encoded.target[t - 1];
      label = t < target_length ? encoded.target[t] : specials.eos;
    }
    batch.target_inputs[target_offset + t] = input;
    batch.target_labels[target_offset + t] = label;
    batch.target_mask[target_offset + t] = token ? 1 : 0;
  }
  batch.pairs[row] = pair;
}

void check_seq2seq_arguments(std::span<const EncodedPair> pairs, std::int64_t source_time,
                             std::int64_t target_time, const char* op) {
  TINYGPT_CHECK(!pairs.empty(), op, ": no translation pairs");
  TINYGPT_CHECK(source_time >= 1 && target_time >= 1, op, ": source_time ", source_time,
                " and target_time ", target_time, " must be at least 1");
}

}  // namespace

// ---------------------------------------------------------------------------------------
// detail

std::uint64_t detail::draw_below(CounterRng& rng, std::uint64_t bound) {
  TINYGPT_CHECK(bound >= 1, "draw_below: bound must be at least 1");
  if (bound <= std::numeric_limits<std::uint32_t>::max()) {
    return rng.below(static_cast<std::uint32_t>(bound));
  }
  // 2^64 mod bound values at the bottom would make small results likelier; reject them.
  const std::uint64_t reject_below = (0 - bound) % bound;
  while (true) {
    const std::uint64_t high = rng.next_u32();
    const std::uint64_t value = (high << 32) | rng.next_u32();
    if (value >= reject_below) return value % bound;
  }
}

// ---------------------------------------------------------------------------------------
// Causal language modelling

std::int64_t causal_lm_window_start(std::int64_t token_count, std::int64_t time, std::uint64_t seed,
                                    std::uint64_t step, std::int64_t example) {
  TINYGPT_CHECK(time >= 1, "causal_lm_window_start: time must be at least 1, got ", time);
  TINYGPT_CHECK(token_count >= time + 1,
                "causal_lm_window_start: a window needs T + 1 = ", time + 1,
                " tokens but the file has ", token_count, "; use a shorter context or more text");
  CounterRng rng(seed, RngStream::kData, step, static_cast<std::uint64_t>(example));
  return static_cast<std::int64_t>(
      detail::draw_below(rng, static_cast<std::uint64_t>(token_count - time)));
}

LmBatch causal_lm_batch(const TokenFile& file, const BatchKey& key, std::int64_t time) {
  check_key(key, "causal_lm_batch");
  TINYGPT_CHECK(time >= 1, "causal_lm_batch: time must be at least 1, got ", time);
  TINYGPT_CHECK(file.size() >= time + 1, "causal_lm_batch: ", file.path().string(), " has ",
                file.size(), " tokens, fewer than one window of T + 1 = ", time + 1);
  LmBatch batch = empty_lm_batch(key.batch, time);
  std::vector<std::int32_t> window(static_cast<std::size_t>(time + 1));
  for (std::int64_t row = 0; row < key.batch; ++row) {
    const std::int64_t start =
        causal_lm_window_start(file.size(), time, key.seed, key.step, key.first_example + row);
    fill_window(file, start, row, batch, window);
  }
  return batch;
}

std::int64_t causal_lm_validation_windows(std::int64_t token_count, std::int64_t time) {
  TINYGPT_CHECK(time >= 1, "causal_lm_validation_windows: time must be at least 1, got ", time);
  return token_count <= 1 ? 0 : (token_count - 1) / time;
}

LmBatch causal_lm_validation_batch(const TokenFile& file, std::int64_t first_window,
                                   std::int64_t batch, std::int64_t time) {
  TINYGPT_CHECK(first_window >= 0 && batch >= 0, "causal_lm_validation_batch: first_window ",
                first_window, " and batch ", batch, " must not be negative");
  const std::int64_t windows = causal_lm_validation_windows(file.size(), time);
  TINYGPT_CHECK(windows >= 1, "causal_lm_validation_batch: ", file.path().string(), " has ",
                file.size(), " tokens, fewer than one window of T + 1 = ", time + 1);
  LmBatch result = empty_lm_batch(batch, time);
  std::vector<std::int32_t> window(static_cast<std::size_t>(time + 1));
  for (std::int64_t row = 0; row < batch; ++row) {
    fill_window(file, ((first_window + row) % windows) * time, row, result, window);
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Next-sentence prediction

std::vector<std::string> split_sentences(std::string_view text) {
  std::vector<std::string> sentences;
  std::size_t start = 0;
  auto add = [&](std::size_t end) {
    std::size_t first = start;
    while (first < end && is_space(text[first])) ++first;
    std::size_t last = end;
    while (last > first && is_space(text[last - 1])) --last;
    if (last > first) sentences.emplace_back(text.substr(first, last - first));
    start = end;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '.' || c == '?' || c == '!') && (i + 1 == text.size() || is_space(text[i + 1]))) {
      add(i + 1);
    }
  }
  add(text.size());
  return sentences;
}

std::int64_t SentenceCorpus::sentence_count() const {
  return sentence_starts.empty() ? 0 : static_cast<std::int64_t>(sentence_starts.size()) - 1;
}

std::int64_t SentenceCorpus::document_count() const {
  return document_starts.empty() ? 0 : static_cast<std::int64_t>(document_starts.size()) - 1;
}

std::span<const std::int32_t> SentenceCorpus::sentence(std::int64_t index) const {
  TINYGPT_CHECK(index >= 0 && index < sentence_count(), "SentenceCorpus: sentence ", index,
                " is outside [0, ", sentence_count(), ")");
  const std::int64_t start = sentence_starts[index];
  return std::span<const std::int32_t>(tokens).subspan(
      static_cast<std::size_t>(start),
      static_cast<std::size_t>(sentence_starts[index + 1] - start));
}

std::int64_t SentenceCorpus::document_of(std::int64_t index) const {
  TINYGPT_CHECK(index >= 0 && index < sentence_count(), "SentenceCorpus: sentence ", index,
                " is outside [0, ", sentence_count(), ")");
  // The last document starting at or before the sentence (empty documents share starts).
  const auto after = std::upper_bound(document_starts.begin(), document_starts.end(), index);
  return (after - document_starts.begin()) - 1;
}

SentenceCorpus make_sentence_corpus(std::span<const std::string> documents,
                                    const text::Tokenizer& tokenizer) {
  SentenceCorpus corpus;
  corpus.sentence_starts.push_back(0);
  corpus.document_starts.push_back(0);
  for (const std::string& document : documents) {
    const std::vector<std::string> sentences = split_sentences(document);
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      if (i + 1 < sentences.size()) corpus.pair_starts.push_back(corpus.sentence_count());
      const std::vector<std::int32_t> ids = tokenizer.encode(sentences[i]);
      corpus.tokens.insert(corpus.tokens.end(), ids.begin(), ids.end());
      corpus.sentence_starts.push_back(static_cast<std::int64_t>(corpus.tokens.size()));
    }
    corpus.document_starts.push_back(corpus.sentence_count());
    TINYGPT_CHECK(!sentences.empty(), "make_sentence_corpus: document ",
                  corpus.document_count() - 1, " has no sentence; drop empty records first");
  }
  return corpus;
}

NspBatch nsp_batch(const SentenceCorpus& corpus, const NspSpecials& specials, const BatchKey& key,
                   std::int64_t time) {
  check_key(key, "nsp_batch");
  TINYGPT_CHECK(time >= 5, "nsp_batch: time must be at least 5 ([CLS] A [SEP] B [SEP]), got ",
                time);
  TINYGPT_CHECK(!corpus.pair_starts.empty(), "nsp_batch: no document has two sentences");
  TINYGPT_CHECK(corpus.document_count() >= 2,
                "nsp_batch: random pairs need two documents, the corpus has ",
                corpus.document_count());
  NspBatch batch;
  batch.batch = key.batch;
  batch.time = time;
  const auto cells = static_cast<std::size_t>(key.batch * time);
  batch.ids.resize(cells);
  batch.type_ids.resize(cells);
  batch.mask.resize(cells);
  batch.labels.resize(static_cast<std::size_t>(key.batch));
  batch.first.resize(static_cast<std::size_t>(key.batch));
  batch.second.resize(static_cast<std::size_t>(key.batch));
  // The sentences per document, for exercise 03.5's sampler (objectives.h): its sentence
  // and document indices are the corpus's, and its k-th pair start is pair_starts[k].
  std::vector<std::int64_t> counts(static_cast<std::size_t>(corpus.document_count()));
  for (std::int64_t d = 0; d < corpus.document_count(); ++d) {
    counts[static_cast<std::size_t>(d)] = corpus.document_starts[d + 1] - corpus.document_starts[d];
  }
  const SentenceDocuments documents(counts);
  for (std::int64_t row = 0; row < key.batch; ++row) {
    const ExampleKey example{key.seed, key.step,
                             static_cast<std::uint64_t>(key.first_example + row)};
    fill_nsp_row(corpus, specials, nsp_sample_pair(documents, example), row, batch);
  }
  return batch;
}

NspBatch nsp_validation_batch(const SentenceCorpus& corpus, const NspSpecials& specials,
                              std::uint64_t seed, std::int64_t first_example, std::int64_t batch,
                              std::int64_t time) {
  return nsp_batch(corpus, specials, BatchKey{seed, kValidationStep, first_example, batch}, time);
}

// ---------------------------------------------------------------------------------------
// Sequence to sequence

std::vector<TranslationPair> load_translation_pairs(const std::filesystem::path& path) {
  const std::string name = path.string();
  const std::string extension = path.extension().string();
  TINYGPT_CHECK(extension == ".txt" || extension == ".jsonl", "load_translation_pairs: ", name,
                " is neither .txt (English<TAB>conlang lines) nor .jsonl");
  const std::string text = read_file(path);
  std::vector<TranslationPair> pairs;
  std::size_t start = 0;
  for (std::int64_t line_number = 1; start < text.size(); ++line_number) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line = std::string_view(text).substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    TranslationPair pair;
    if (extension == ".txt") {
      const std::size_t tab = line.find('\t');
      TINYGPT_CHECK(tab != std::string_view::npos && tab > 0 && tab + 1 < line.size(), name,
                    " line ", line_number, ": expected 'English<TAB>conlang', got '", line, "'");
      pair.source = line.substr(0, tab);
      pair.target = line.substr(tab + 1);
    } else {
      const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
      TINYGPT_CHECK(record.is_object() && record.contains("english") &&
                        record["english"].is_string() && record.contains("conlang") &&
                        record["conlang"].is_string(),
                    name, " line ", line_number,
                    ": expected a JSON object with strings 'english' and 'conlang'");
      pair.source = record["english"].get<std::string>();
      pair.target = record["conlang"].get<std::string>();
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

TranslationSplit split_translation_pairs(std::span<const TranslationPair> pairs,
                                         double validation_fraction) {
  TranslationSplit split;
  for (const TranslationPair& pair : pairs) {
    const bool validation =
        is_validation_record(pair.source + "\t" + pair.target, validation_fraction);
    (validation ? split.validation : split.train).push_back(pair);
  }
  return split;
}

std::vector<EncodedPair> encode_translation_pairs(std::span<const TranslationPair> pairs,
                                                  const text::Tokenizer& tokenizer) {
  std::vector<EncodedPair> encoded;
  encoded.reserve(pairs.size());
  for (const TranslationPair& pair : pairs) {
    encoded.push_back({tokenizer.encode(pair.source), tokenizer.encode(pair.target)});
  }
  return encoded;
}

Seq2SeqBatch seq2seq_batch(std::span<const EncodedPair> pairs, const Seq2SeqSpecials& specials,
                           const BatchKey& key, std::int64_t source_time,
                           std::int64_t target_time) {
  check_key(key, "seq2seq_batch");
  check_seq2seq_arguments(pairs, source_time, target_time, "seq2seq_batch");
  Seq2SeqBatch batch = empty_seq2seq_batch(key.batch, source_time, target_time);
  for (std::int64_t row = 0; row < key.batch; ++row) {
    CounterRng rng = example_rng(key, row);
    const auto pair = static_cast<std::int64_t>(detail::draw_below(rng, pairs.size()));
    fill_seq2seq_row(pairs, specials, pair, row, batch);
  }
  return batch;
}

Seq2SeqBatch seq2seq_validation_batch(std::span<const EncodedPair> pairs,
                                      const Seq2SeqSpecials& specials, std::int64_t first_pair,
                                      std::int64_t batch, std::int64_t source_time,
                                      std::int64_t target_time) {
  check_seq2seq_arguments(pairs, source_time, target_time, "seq2seq_validation_batch");
  TINYGPT_CHECK(first_pair >= 0 && batch >= 0, "seq2seq_validation_batch: first_pair ", first_pair,
                " and batch ", batch, " must not be negative");
  Seq2SeqBatch result = empty_seq2seq_batch(batch, source_time, target_time);
  const auto count = static_cast<std::int64_t>(pairs.size());
  for (std::int64_t row = 0; row < batch; ++row) {
    fill_seq2seq_row(pairs, specials, (first_pair + row) % count, row, result);
  }
  return result;
}

}  // namespace tinygpt::data
