// Batching (data/batching.h): every family's batch is a pure function of (seed, step,
// global example index), shards are rows of the global batch, rows are well formed, and no
// validation example comes from a training record. nsp_batch draws its pairs with
// nsp_sample_pair (exercise 03.5) and the data come from a BPE (exercises 01.6-01.7), so the
// NSP tests carry no [ex] tag: with stubs they fail on whichever exercise runs first.
#include "tinygpt/data/batching.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/text/bpe.h"

namespace fs = std::filesystem;
using tinygpt::testing::contains;
namespace data = tinygpt::data;
namespace text = tinygpt::text;

namespace {

// A small generated world (20 kB of stories, facts, 300 translation pairs), its corpus, a
// small BPE trained on it with the specials of every family, and its two token files.
// Built once per process, removed at exit.
struct WorldFixture {
  fs::path dir;
  data::Corpus corpus;
  std::unique_ptr<text::BpeTokenizer> tokenizer;
  std::unique_ptr<data::TokenFile> train;
  std::unique_ptr<data::TokenFile> validation;
  data::NspSpecials nsp{};
  data::Seq2SeqSpecials seq2seq{};

  WorldFixture()
      : dir(fs::temp_directory_path() / ("tinygpt-batching-test-" + std::to_string(getpid()))) {
    fs::remove_all(dir);
    data::GenerateOptions options;
    options.size = 20'000;
    options.kinds = {"stories", "facts", "translation"};
    data::generate(options, dir / "world");
    corpus = data::load_world_corpus(dir / "world");
    std::string text;
    for (const std::string& record : corpus.train) text += record + "\n";
    const std::vector<std::string> specials = {"<|endoftext|>", "[CLS]", "[SEP]",
                                               "[PAD]",         "[BOS]", "[EOS]"};
    tokenizer =
        std::make_unique<text::BpeTokenizer>(text::BpeTokenizer::train(text, 330, specials));
    nsp = {tokenizer->special_id("[CLS]"), tokenizer->special_id("[SEP]"),
           tokenizer->special_id("[PAD]")};
    seq2seq = {tokenizer->special_id("[BOS]"), tokenizer->special_id("[EOS]"),
               tokenizer->special_id("[PAD]")};
    const data::CorpusTokenFiles files =
        data::write_corpus_token_files(corpus, *tokenizer, dir / "tokens");
    train = std::make_unique<data::TokenFile>(files.train.path);
    validation = std::make_unique<data::TokenFile>(files.validation.path);
  }
  ~WorldFixture() {
    train.reset();
    validation.reset();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

const WorldFixture& world() {
  static const WorldFixture fixture;
  return fixture;
}

// Row b of a flat (B*T) array.
template <typename T>
std::vector<T> row_of(const std::vector<T>& values, std::int64_t row, std::int64_t width) {
  return std::vector<T>(values.begin() + row * width, values.begin() + (row + 1) * width);
}

bool same_lm_rows(const data::LmBatch& part, const data::LmBatch& whole, std::int64_t first_row) {
  const std::int64_t t = whole.time;
  for (std::int64_t b = 0; b < part.batch; ++b) {
    if (row_of(part.inputs, b, t) != row_of(whole.inputs, first_row + b, t)) return false;
    if (row_of(part.targets, b, t) != row_of(whole.targets, first_row + b, t)) return false;
    if (part.starts[b] != whole.starts[first_row + b]) return false;
  }
  return true;
}

std::vector<std::string> file_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Causal language modelling

TEST_CASE("causal LM batches are a pure function of seed, step and example", "[step03][batching]") {
  const data::TokenFile& file = *world().train;
  const data::LmBatch a = data::causal_lm_batch(file, {7, 3, 0, 8}, 16);
  const data::LmBatch b = data::causal_lm_batch(file, {7, 3, 0, 8}, 16);
  CHECK(a.inputs == b.inputs);
  CHECK(a.targets == b.targets);
  CHECK(a.starts == b.starts);
  CHECK(data::causal_lm_batch(file, {7, 4, 0, 8}, 16).starts != a.starts);
  CHECK(data::causal_lm_batch(file, {8, 3, 0, 8}, 16).starts != a.starts);
  // Row b is example b: its start is causal_lm_window_start of that example alone.
  for (std::int64_t row = 0; row < 8; ++row) {
    CHECK(a.starts[row] == data::causal_lm_window_start(file.size(), 16, 7, 3, row));
  }
}

TEST_CASE("a shard of a causal LM batch is the same rows of the global batch",
          "[step03][batching]") {
  const data::TokenFile& file = *world().train;
  const data::LmBatch whole = data::causal_lm_batch(file, {11, 5, 0, 12}, 10);
  // Three processes holding examples [0, 5), [5, 9) and [9, 12).
  CHECK(same_lm_rows(data::causal_lm_batch(file, {11, 5, 0, 5}, 10), whole, 0));
  CHECK(same_lm_rows(data::causal_lm_batch(file, {11, 5, 5, 4}, 10), whole, 5));
  CHECK(same_lm_rows(data::causal_lm_batch(file, {11, 5, 9, 3}, 10), whole, 9));
}

TEST_CASE("causal LM windows lie inside the file and targets are inputs shifted by one",
          "[step03][batching]") {
  const data::TokenFile& file = *world().train;
  const std::int64_t time = 32;
  const data::LmBatch batch = data::causal_lm_batch(file, {1, 0, 0, 200}, time);
  REQUIRE(batch.inputs.size() == 200 * time);
  std::set<std::int64_t> starts;
  for (std::int64_t b = 0; b < batch.batch; ++b) {
    const std::int64_t start = batch.starts[b];
    REQUIRE(start >= 0);
    REQUIRE(start + time + 1 <= file.size());
    starts.insert(start);
    const std::vector<std::int32_t> window = file.tokens(start, time + 1);
    CHECK(row_of(batch.inputs, b, time) == std::vector(window.begin(), window.end() - 1));
    CHECK(row_of(batch.targets, b, time) == std::vector(window.begin() + 1, window.end()));
  }
  CHECK(starts.size() > 190);  // random starts over thousands of positions rarely repeat

  // The last possible start is reachable: a file of exactly T + 1 tokens has one window.
  CHECK(data::causal_lm_window_start(time + 1, time, 1, 0, 5) == 0);
  CHECK_THROWS_WITH(data::causal_lm_batch(file, {1, 0, 0, 1}, file.size()),
                    contains("fewer than one window"));
  CHECK_THROWS_WITH(data::causal_lm_window_start(100, 0, 1, 0, 0), contains("at least 1"));
}

TEST_CASE("causal LM validation batches are consecutive windows", "[step03][batching]") {
  const data::TokenFile& file = *world().validation;
  const std::int64_t time = 16;
  const std::int64_t windows = data::causal_lm_validation_windows(file.size(), time);
  CHECK(windows == (file.size() - 1) / time);
  REQUIRE(windows >= 4);
  const data::LmBatch batch = data::causal_lm_validation_batch(file, windows - 2, 4, time);
  CHECK(batch.starts ==
        std::vector<std::int64_t>{(windows - 2) * time, (windows - 1) * time, 0, time});
  CHECK(row_of(batch.targets, 1, time) == file.tokens((windows - 1) * time + 1, time));
  const data::LmBatch again = data::causal_lm_validation_batch(file, windows - 2, 4, time);
  CHECK(again.inputs == batch.inputs);
  CHECK(data::causal_lm_validation_windows(0, time) == 0);
}

// ---------------------------------------------------------------------------------------
// Next-sentence prediction

TEST_CASE("documents split into sentences at full stops", "[step03][batching]") {
  CHECK(
      data::split_sentences("Ana lives in Ossel. She keeps a cat! Does it purr? Yes") ==
      std::vector<std::string>{"Ana lives in Ossel.", "She keeps a cat!", "Does it purr?", "Yes"});
  CHECK(data::split_sentences("  It cost 4.5 crowns.  ") ==
        std::vector<std::string>{"It cost 4.5 crowns."});
  CHECK(data::split_sentences(" \n ").empty());
  const text::BpeTokenizer bytes = text::BpeTokenizer::train("a b", 256);
  const std::vector<std::string> documents = {"One. Two.", "  ", "Three."};
  CHECK_THROWS_WITH(data::make_sentence_corpus(documents, bytes),
                    contains("document 1 has no sentence"));
}

TEST_CASE("NSP pairs are half next sentences, and next pairs are consecutive",
          "[step03][batching]") {
  const WorldFixture& w = world();
  const data::SentenceCorpus corpus = data::make_sentence_corpus(w.corpus.train, *w.tokenizer);
  REQUIRE(corpus.document_count() == static_cast<std::int64_t>(w.corpus.train.size()));
  const std::int64_t rows = 2000;
  const std::int64_t time = 64;
  const data::NspBatch batch = data::nsp_batch(corpus, w.nsp, {3, 1, 0, rows}, time);

  // Under a fair coin the number of "is next" rows is Binomial(2000, 1/2): mean 1000,
  // standard deviation sqrt(500) = 22.4. Allow 4 standard deviations (90).
  std::int64_t next = 0;
  for (const std::int32_t label : batch.labels) next += label == 0;
  CHECK(std::abs(next - rows / 2) <= 90);

  for (std::int64_t b = 0; b < rows; ++b) {
    const std::int64_t first = batch.first[b];
    const std::int64_t second = batch.second[b];
    if (batch.labels[b] == 0) {
      CHECK(second == first + 1);
      CHECK(corpus.document_of(first) == corpus.document_of(second));
    } else {
      CHECK(corpus.document_of(first) != corpus.document_of(second));
    }
  }
}

TEST_CASE("NSP rows are CLS, A, SEP, B, SEP with segments and padding", "[step03][batching]") {
  const WorldFixture& w = world();
  const data::SentenceCorpus corpus = data::make_sentence_corpus(w.corpus.train, *w.tokenizer);
  const std::int64_t time = 24;  // short, so some pairs are cut
  const data::NspBatch batch = data::nsp_batch(corpus, w.nsp, {5, 2, 0, 50}, time);
  std::int64_t cut = 0;
  for (std::int64_t b = 0; b < batch.batch; ++b) {
    const std::vector<std::int32_t> ids = row_of(batch.ids, b, time);
    const std::vector<std::int32_t> types = row_of(batch.type_ids, b, time);
    const std::vector<std::uint8_t> mask = row_of(batch.mask, b, time);
    const std::span<const std::int32_t> a = corpus.sentence(batch.first[b]);
    const std::span<const std::int32_t> s = corpus.sentence(batch.second[b]);
    // Find the two [SEP]s: the first ends A, the second ends B.
    std::vector<std::int64_t> seps;
    for (std::int64_t t = 0; t < time; ++t) {
      if (ids[t] == w.nsp.sep) seps.push_back(t);
    }
    REQUIRE(seps.size() == 2);
    const std::int64_t a_length = seps[0] - 1;
    const std::int64_t b_length = seps[1] - seps[0] - 1;
    CHECK(ids[0] == w.nsp.cls);
    CHECK(a_length >= 1);
    CHECK(b_length >= 1);
    CHECK(std::equal(ids.begin() + 1, ids.begin() + seps[0], a.begin()));
    CHECK(std::equal(ids.begin() + seps[0] + 1, ids.begin() + seps[1], s.begin()));
    cut += a_length < static_cast<std::int64_t>(a.size()) ||
           b_length < static_cast<std::int64_t>(s.size());
    for (std::int64_t t = 0; t < time; ++t) {
      const bool token = t <= seps[1];
      CHECK(mask[t] == (token ? 1 : 0));
      CHECK(types[t] == (t > seps[0] && token ? 1 : 0));
      if (!token) CHECK(ids[t] == w.nsp.pad);
    }
  }
  CHECK(cut > 0);
}

TEST_CASE("NSP batches refuse rows too short for a pair and corpora without pairs",
          "[step03][batching]") {
  const WorldFixture& w = world();
  const data::SentenceCorpus corpus = data::make_sentence_corpus(w.corpus.train, *w.tokenizer);
  CHECK_THROWS_WITH(data::nsp_batch(corpus, w.nsp, {5, 2, 0, 1}, 4), contains("at least 5"));
  CHECK_THROWS_WITH(data::nsp_batch(data::SentenceCorpus{}, w.nsp, {5, 2, 0, 1}, 16),
                    contains("two sentences"));
}

TEST_CASE("NSP batches are deterministic and shard by example", "[step03][batching]") {
  const WorldFixture& w = world();
  const data::SentenceCorpus corpus = data::make_sentence_corpus(w.corpus.train, *w.tokenizer);
  const data::NspBatch whole = data::nsp_batch(corpus, w.nsp, {9, 4, 0, 10}, 32);
  const data::NspBatch again = data::nsp_batch(corpus, w.nsp, {9, 4, 0, 10}, 32);
  CHECK(again.ids == whole.ids);
  CHECK(again.labels == whole.labels);
  const data::NspBatch later = data::nsp_batch(corpus, w.nsp, {9, 5, 0, 10}, 32);
  CHECK(later.first != whole.first);
  const data::NspBatch shard = data::nsp_batch(corpus, w.nsp, {9, 4, 6, 4}, 32);
  CHECK(shard.ids == std::vector(whole.ids.begin() + 6 * 32, whole.ids.end()));
  CHECK(shard.type_ids == std::vector(whole.type_ids.begin() + 6 * 32, whole.type_ids.end()));
  CHECK(shard.labels == std::vector(whole.labels.begin() + 6, whole.labels.end()));
  // Rows are nsp_sample_pair's pairs (exercise 03.5): its documented draws, recomputed here
  // from the SentenceCorpus's own tables.
  for (std::int64_t b = 0; b < whole.batch; ++b) {
    tinygpt::CounterRng rng(9, tinygpt::RngStream::kData, 4, static_cast<std::uint64_t>(b));
    const auto starts = static_cast<std::uint32_t>(corpus.pair_starts.size());
    const std::int64_t first = corpus.pair_starts[rng.below(starts)];
    CHECK(whole.first[b] == first);
    if (rng.below(2) == 0) {
      CHECK(whole.labels[b] == 0);
      continue;
    }
    const std::int64_t own = corpus.document_of(first);
    std::int64_t other = rng.below(static_cast<std::uint32_t>(corpus.document_count() - 1));
    if (other >= own) ++other;
    const std::int64_t begin = corpus.document_starts[other];
    const auto count = static_cast<std::uint32_t>(corpus.document_starts[other + 1] - begin);
    CHECK(whole.second[b] == begin + rng.below(count));
  }
  const data::NspBatch validation = data::nsp_validation_batch(corpus, w.nsp, 9, 0, 10, 32);
  CHECK(validation.ids == data::nsp_validation_batch(corpus, w.nsp, 9, 0, 10, 32).ids);
}

// ---------------------------------------------------------------------------------------
// Sequence to sequence

TEST_CASE("translation pairs are read from the file in order", "[step03][batching]") {
  const fs::path dir = world().dir / "world";
  const std::vector<data::TranslationPair> from_text =
      data::load_translation_pairs(dir / "translation.txt");
  const std::vector<data::TranslationPair> from_json =
      data::load_translation_pairs(dir / "translation.jsonl");
  const std::vector<std::string> lines = file_lines(dir / "translation.txt");
  REQUIRE(from_text.size() == lines.size());
  REQUIRE(from_json.size() == lines.size());
  CHECK(lines.size() >= 300);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CHECK(from_text[i].source + "\t" + from_text[i].target == lines[i]);
    CHECK(from_json[i].source == from_text[i].source);
    CHECK(from_json[i].target == from_text[i].target);
  }

  const fs::path bad = world().dir / "bad_translation.txt";
  std::ofstream(bad) << "The dog slept.\tTova paiza.\nno tab here\n";
  CHECK_THROWS_WITH(data::load_translation_pairs(bad),
                    contains(bad.string()) && contains("line 2"));
  CHECK_THROWS_WITH(data::load_translation_pairs(dir / "stories.jsonl"), contains("line 1"));
  CHECK_THROWS_WITH(data::load_translation_pairs(dir / "catalogue.json"), contains(".jsonl"));
}

TEST_CASE("seq2seq rows are the pair's source, BOS + target and target + EOS",
          "[step03][batching]") {
  const WorldFixture& w = world();
  const std::vector<data::TranslationPair> pairs =
      data::load_translation_pairs(w.dir / "world" / "translation.txt");
  const std::vector<data::EncodedPair> encoded =
      data::encode_translation_pairs(pairs, *w.tokenizer);
  const std::int64_t source_time = 64;
  const std::int64_t target_time = 64;
  const data::Seq2SeqBatch batch =
      data::seq2seq_batch(encoded, w.seq2seq, {2, 7, 0, 30}, source_time, target_time);
  const data::Seq2SeqSpecials& sp = w.seq2seq;
  for (std::int64_t b = 0; b < batch.batch; ++b) {
    const std::int64_t pair = batch.pairs[b];
    REQUIRE(pair >= 0);
    REQUIRE(pair < static_cast<std::int64_t>(pairs.size()));
    // Aligned with the file: the row's source decodes to the pair's English.
    const std::vector<std::int32_t> source = w.tokenizer->encode(pairs[pair].source);
    const std::vector<std::int32_t> target = w.tokenizer->encode(pairs[pair].target);
    REQUIRE(static_cast<std::int64_t>(source.size()) <= source_time);
    REQUIRE(static_cast<std::int64_t>(target.size()) < target_time);
    const std::vector<std::int32_t> ids = row_of(batch.source_ids, b, source_time);
    const std::vector<std::uint8_t> source_mask = row_of(batch.source_mask, b, source_time);
    CHECK(w.tokenizer->decode(std::span(ids).first(source.size())) == pairs[pair].source);
    for (std::int64_t s = 0; s < source_time; ++s) {
      const bool token = s < static_cast<std::int64_t>(source.size());
      CHECK(source_mask[s] == (token ? 1 : 0));
      CHECK(ids[s] == (token ? source[s] : sp.pad));
    }
    const std::vector<std::int32_t> inputs = row_of(batch.target_inputs, b, target_time);
    const std::vector<std::int32_t> labels = row_of(batch.target_labels, b, target_time);
    const std::vector<std::uint8_t> mask = row_of(batch.target_mask, b, target_time);
    const auto length = static_cast<std::int64_t>(target.size()) + 1;
    CHECK(inputs[0] == sp.bos);
    CHECK(labels[length - 1] == sp.eos);
    for (std::int64_t t = 0; t < target_time; ++t) {
      CHECK(mask[t] == (t < length ? 1 : 0));
      if (t < length - 1) CHECK(labels[t] == target[t]);
      if (t < length - 1) CHECK(inputs[t + 1] == labels[t]);  // teacher forcing
      if (t >= length) CHECK(labels[t] == data::kIgnoreTarget);
      if (t >= length) CHECK(inputs[t] == sp.pad);
    }
  }

  // Long sequences are cut; the shift relation still holds.
  const data::Seq2SeqBatch cut = data::seq2seq_batch(encoded, w.seq2seq, {2, 7, 0, 30}, 3, 4);
  for (std::int64_t b = 0; b < cut.batch; ++b) {
    CHECK(row_of(cut.source_mask, b, 3) == std::vector<std::uint8_t>{1, 1, 1});
    const std::vector<std::int32_t> inputs = row_of(cut.target_inputs, b, 4);
    const std::vector<std::int32_t> labels = row_of(cut.target_labels, b, 4);
    for (int t = 0; t < 3; ++t) CHECK(inputs[t + 1] == labels[t]);
  }
}

TEST_CASE("seq2seq batches are deterministic by key and shard by example", "[step03][batching]") {
  const WorldFixture& w = world();
  const std::vector<data::EncodedPair> encoded = data::encode_translation_pairs(
      data::load_translation_pairs(w.dir / "world" / "translation.txt"), *w.tokenizer);
  const data::Seq2SeqBatch whole = data::seq2seq_batch(encoded, w.seq2seq, {4, 9, 0, 8}, 24, 24);
  CHECK(data::seq2seq_batch(encoded, w.seq2seq, {4, 9, 0, 8}, 24, 24).target_inputs ==
        whole.target_inputs);
  CHECK(data::seq2seq_batch(encoded, w.seq2seq, {4, 10, 0, 8}, 24, 24).pairs != whole.pairs);
  const data::Seq2SeqBatch shard = data::seq2seq_batch(encoded, w.seq2seq, {4, 9, 3, 5}, 24, 24);
  CHECK(shard.pairs == std::vector(whole.pairs.begin() + 3, whole.pairs.end()));
  CHECK(shard.source_ids == std::vector(whole.source_ids.begin() + 3 * 24, whole.source_ids.end()));
  CHECK(shard.target_labels ==
        std::vector(whole.target_labels.begin() + 3 * 24, whole.target_labels.end()));

  const auto count = static_cast<std::int64_t>(encoded.size());
  const data::Seq2SeqBatch validation =
      data::seq2seq_validation_batch(encoded, w.seq2seq, count - 1, 3, 24, 24);
  CHECK(validation.pairs == std::vector<std::int64_t>{count - 1, 0, 1});
  CHECK_THROWS_WITH(data::seq2seq_batch({}, w.seq2seq, {4, 9, 0, 8}, 24, 24),
                    contains("no translation pairs"));
}

// ---------------------------------------------------------------------------------------
// The split

TEST_CASE("no validation window or translation pair comes from training data",
          "[step03][batching]") {
  const WorldFixture& w = world();
  const std::set<std::string> train(w.corpus.train.begin(), w.corpus.train.end());
  const std::set<std::string> validation(w.corpus.validation.begin(), w.corpus.validation.end());
  for (const std::string& record : validation) CHECK(train.count(record) == 0);

  // Causal LM: every document a window touches is a record of its own side, by identity:
  // document d of a side's file decodes to record d of that side.
  const std::int64_t time = 32;
  auto check_windows = [&](const data::TokenFile& file, const std::vector<std::string>& records,
                           const std::set<std::string>& other_side,
                           const std::vector<std::int64_t>& starts) {
    for (const std::int64_t start : starts) {
      const std::int64_t first = file.document_of(start);
      const std::int64_t last = file.document_of(start + time);
      for (std::int64_t d = first; d <= last; ++d) {
        const std::int64_t begin = file.document_start(d);
        const std::vector<std::int32_t> ids =
            file.tokens(begin, file.document_start(d + 1) - begin - 1);  // without separator
        REQUIRE(w.tokenizer->decode(ids) == records[d]);
        CHECK(other_side.count(records[d]) == 0);
      }
    }
  };
  const std::int64_t windows = data::causal_lm_validation_windows(w.validation->size(), time);
  check_windows(*w.validation, w.corpus.validation, train,
                data::causal_lm_validation_batch(*w.validation, 0, windows, time).starts);
  check_windows(*w.train, w.corpus.train, validation,
                data::causal_lm_batch(*w.train, {1, 0, 0, 64}, time).starts);

  // Translation: a validation pair is never a training pair.
  const data::TranslationSplit split = data::split_translation_pairs(
      data::load_translation_pairs(w.dir / "world" / "translation.txt"), 0.1);
  REQUIRE(!split.validation.empty());
  std::set<std::string> train_pairs;
  for (const auto& pair : split.train) train_pairs.insert(pair.source + "\t" + pair.target);
  const std::vector<data::EncodedPair> encoded =
      data::encode_translation_pairs(split.validation, *w.tokenizer);
  const data::Seq2SeqBatch batch = data::seq2seq_validation_batch(
      encoded, w.seq2seq, 0, static_cast<std::int64_t>(encoded.size()), 32, 32);
  for (const std::int64_t pair : batch.pairs) {
    const data::TranslationPair& p = split.validation[pair];
    CHECK(train_pairs.count(p.source + "\t" + p.target) == 0);
  }
}

TEST_CASE("no validation sentence pair comes from training data", "[step03][batching]") {
  const WorldFixture& w = world();
  const std::set<std::string> train(w.corpus.train.begin(), w.corpus.train.end());
  // Both sentences of a validation pair come from validation records.
  const data::SentenceCorpus sentences =
      data::make_sentence_corpus(w.corpus.validation, *w.tokenizer);
  const data::NspBatch pairs = data::nsp_validation_batch(sentences, w.nsp, 1, 0, 200, 64);
  for (std::int64_t b = 0; b < pairs.batch; ++b) {
    for (const std::int64_t s : {pairs.first[b], pairs.second[b]}) {
      const std::string& record = w.corpus.validation[sentences.document_of(s)];
      CHECK(train.count(record) == 0);
      CHECK(record.find(w.tokenizer->decode(sentences.sentence(s))) != std::string::npos);
    }
  }
}
