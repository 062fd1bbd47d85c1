// Token files (data/token_file.h): round trips in both dtypes, every bad file as a clear
// error, the tokenizer hash, and tokenising the generated world (load_world_corpus,
// data/corpus.h) into its two splits.
#include "tinygpt/data/token_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/corpus.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/char_tokenizer.h"

namespace fs = std::filesystem;
using tinygpt::Error;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;
namespace data = tinygpt::data;
namespace text = tinygpt::text;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void spit(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Little-endian u32 at an offset of a byte string, as the format says.
void put_u32(std::string& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

// Tokens and documents of a small hand-made file: three documents of lengths 4, 0 and 3.
const std::vector<std::int32_t> kTokens = {5, 0, 299, 17, 42, 42, 1};
const std::vector<std::int64_t> kStarts = {0, 4, 4};

}  // namespace

TEST_CASE("a uint16 token file reads back what was written", "[step03][token_file]") {
  TempDir dir("u16");
  const fs::path path = dir.path() / "small.tokens";
  data::write_token_file(path, kTokens, kStarts, 300, 0x0123456789abcdefull, 1);
  // 64-byte header + 3 document starts of 8 bytes + 7 tokens of 2 bytes.
  CHECK(fs::file_size(path) == 64 + 3 * 8 + 7 * 2);
  CHECK(slurp(path).substr(0, 8) == "TGTOKENS");

  const data::TokenFile file(path);
  CHECK(file.path() == path);
  CHECK(file.header().version == 1);
  CHECK(file.header().dtype == data::TokenDtype::kUint16);
  CHECK(file.size() == 7);
  CHECK(file.vocab_size() == 300);
  CHECK(file.header().separator == 1);
  CHECK(file.header().tokenizer_hash == 0x0123456789abcdefull);
  CHECK(file.tokens(0, 7) == kTokens);
  CHECK(file.tokens(2, 3) == std::vector<std::int32_t>{299, 17, 42});
  CHECK(file.token(6) == 1);
  const std::span<const std::uint16_t> in_place = file.tokens_u16();
  CHECK(std::vector<std::int32_t>(in_place.begin(), in_place.end()) == kTokens);
  CHECK_THROWS_WITH(file.tokens_u32(), contains("not uint32"));
  CHECK_THROWS_WITH(file.token(7), contains("outside [0, 7)"));
  CHECK_THROWS_WITH(file.tokens(5, 3), contains("outside"));

  CHECK(file.document_count() == 3);
  CHECK(file.document_start(0) == 0);
  CHECK(file.document_start(2) == 4);
  CHECK(file.document_start(3) == 7);
  CHECK(file.document_of(0) == 0);
  CHECK(file.document_of(3) == 0);
  CHECK(file.document_of(4) == 2);  // document 1 is empty: token 4 belongs to document 2
  CHECK(file.document_of(6) == 2);
}

TEST_CASE("a uint32 token file holds ids above 65535", "[step03][token_file]") {
  TempDir dir("u32");
  const fs::path path = dir.path() / "big.tokens";
  const std::vector<std::int32_t> tokens = {0, 65535, 65536, 69999, 7};
  data::write_token_file(path, tokens, {}, 70000, 99);
  CHECK(fs::file_size(path) == 64 + 5 * 4);
  data::TokenFile file(path);
  CHECK(file.header().dtype == data::TokenDtype::kUint32);
  CHECK(file.header().separator == -1);
  CHECK(file.document_count() == 0);
  CHECK(file.tokens(0, 5) == tokens);
  const std::span<const std::uint32_t> in_place = file.tokens_u32();
  CHECK(in_place[3] == 69999u);
  CHECK_THROWS_WITH(file.tokens_u16(), contains("not uint16"));

  // Moving keeps the mapping valid; the moved-from file is empty.
  data::TokenFile moved(std::move(file));
  CHECK(moved.tokens(0, 5) == tokens);
  CHECK(file.size() == 0);  // NOLINT(bugprone-use-after-move): documented state
  data::TokenFile other(path);
  other = std::move(moved);
  CHECK(other.token(2) == 65536);

  CHECK(data::token_dtype_for(65536) == data::TokenDtype::kUint16);
  CHECK(data::token_dtype_for(65537) == data::TokenDtype::kUint32);
}

TEST_CASE("replacing a token file leaves a reader of the old one intact", "[step03][token_file]") {
  // The write is atomic (a new file renamed over the name), so a mapped reader keeps the
  // old file's tokens and the next open sees the new ones.
  TempDir dir("atomic");
  const fs::path path = dir.path() / "replaced.tokens";
  data::write_token_file(path, kTokens, kStarts, 300, 1);
  const data::TokenFile old_file(path);
  data::write_token_file(path, std::vector<std::int32_t>{9, 8}, {}, 300, 2);
  CHECK(old_file.tokens(0, 7) == kTokens);
  const data::TokenFile new_file(path);
  CHECK(new_file.tokens(0, 2) == std::vector<std::int32_t>{9, 8});
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("bad token files are errors that name the file", "[step03][token_file]") {
  TempDir dir("bad");
  const fs::path good = dir.path() / "good.tokens";
  data::write_token_file(good, kTokens, kStarts, 300, 7);
  const std::string bytes = slurp(good);
  const fs::path bad = dir.path() / "bad.tokens";
  const std::string name = bad.string();

  SECTION("missing file") {
    CHECK_THROWS_WITH(data::TokenFile(dir.path() / "none.tokens"),
                      contains("no token file " + (dir.path() / "none.tokens").string()));
  }
  SECTION("shorter than the header") {
    spit(bad, bytes.substr(0, 20));
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("64-byte header"));
  }
  SECTION("wrong magic") {
    std::string changed = bytes;
    changed[0] = 'X';
    spit(bad, changed);
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("not a tinygpt token file"));
  }
  SECTION("unknown version") {
    std::string changed = bytes;
    put_u32(changed, 8, 7);
    spit(bad, changed);
    CHECK_THROWS_WITH(data::TokenFile(bad),
                      contains(name) && contains("version 7") && contains("reads version 1 only"));
  }
  SECTION("unknown dtype") {
    std::string changed = bytes;
    put_u32(changed, 12, 3);
    spit(bad, changed);
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("unknown dtype 3"));
  }
  SECTION("a vocabulary too large for uint16") {
    std::string changed = bytes;
    put_u32(changed, 24, 70000);
    spit(bad, changed);
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("vocabulary size 70000"));
  }
  SECTION("truncated by one byte") {
    spit(bad, bytes.substr(0, bytes.size() - 1));
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("truncated") &&
                                                contains("7 tokens of 2 bytes") &&
                                                contains("has 101 bytes"));
  }
  SECTION("one byte too many") {
    spit(bad, bytes + "x");
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("truncated or corrupt"));
  }
  SECTION("a token count far beyond the file") {
    std::string changed = bytes;
    for (int i = 16; i < 24; ++i) changed[i] = '\xff';
    spit(bad, changed);
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("far more"));
  }
  SECTION("a document table that goes backwards") {
    std::string changed = bytes;
    changed[64 + 8] = 6;  // document 1 starts at 6, document 2 at 4
    spit(bad, changed);
    CHECK_THROWS_WITH(data::TokenFile(bad), contains(name) && contains("document 2 starts at 4"));
  }
}

TEST_CASE("writing refuses ids outside the vocabulary and bad document tables",
          "[step03][token_file]") {
  TempDir dir("write");
  const fs::path path = dir.path() / "refused.tokens";
  CHECK_THROWS_WITH(data::write_token_file(path, std::vector<std::int32_t>{1, 300, 2}, {}, 300, 0),
                    contains(path.string()) && contains("token 1 is 300") && contains("[0, 300)"));
  CHECK_THROWS_WITH(data::write_token_file(path, std::vector<std::int32_t>{1, -1}, {}, 300, 0),
                    contains("token 1 is -1"));
  CHECK_THROWS_WITH(data::write_token_file(path, kTokens, std::vector<std::int64_t>{1, 4}, 300, 0),
                    contains("document 0 starts at 1"));
  CHECK_THROWS_WITH(data::write_token_file(path, kTokens, std::vector<std::int64_t>{0, 8}, 300, 0),
                    contains("document 1 starts at 8"));
  CHECK_THROWS_WITH(data::write_token_file(path, kTokens, {}, 300, 0, 300),
                    contains("separator 300"));
  CHECK_FALSE(fs::exists(path));  // nothing half-written
}

TEST_CASE("a token file made by another tokenizer is refused", "[step03][token_file]") {
  TempDir dir("hash");
  const std::string sample = "the cat sat on the mat. the dog sat on the log. ";
  std::string corpus;
  for (int i = 0; i < 20; ++i) corpus += sample;
  const text::BpeTokenizer small = text::BpeTokenizer::train(corpus, 270);
  const text::BpeTokenizer large = text::BpeTokenizer::train(corpus, 280);
  const std::uint64_t small_hash = data::tokenizer_hash(small);
  const std::uint64_t large_hash = data::tokenizer_hash(large);
  CHECK(small_hash != large_hash);
  CHECK(data::tokenizer_hash(small) == small_hash);  // a pure function of the tokenizer

  // The hash is the saved file's; loading and hashing again gives the same value.
  const fs::path saved = dir.path() / "small.bpe";
  small.save(saved);
  CHECK(data::tokenizer_file_hash(saved) == small_hash);
  CHECK(data::tokenizer_hash(text::BpeTokenizer::load(saved)) == small_hash);
  CHECK(data::tokenizer_hash(text::CharTokenizer::train(corpus)) != small_hash);

  const fs::path path = dir.path() / "cat.tokens";
  const std::vector<std::string> records = {sample, "the mat sat on the cat."};
  const data::TokenFileInfo info = data::write_records_token_file(path, records, small, -1);
  CHECK(info.documents == 2);
  const data::TokenFile file(path);
  CHECK(file.header().tokenizer_hash == small_hash);
  CHECK_NOTHROW(file.check_tokenizer(small_hash));
  CHECK_THROWS_WITH(file.check_tokenizer(large_hash), contains(path.string()) &&
                                                          contains("another tokenizer") &&
                                                          contains("tokenise the corpus again"));
}

TEST_CASE("the generated world is tokenised into a training and a validation file",
          "[step03][token_file]") {
  TempDir dir("world");
  data::GenerateOptions options;
  options.size = 20'000;
  options.kinds = {"stories", "facts"};
  data::generate(options, dir.path() / "world");
  const data::Corpus corpus = data::load_world_corpus(dir.path() / "world");
  CHECK(corpus.name == "world");
  CHECK(corpus.stats.files == 2);
  REQUIRE(corpus.validation.size() >= 5);
  REQUIRE(corpus.train.size() > 5 * corpus.validation.size());
  CHECK(corpus.stats.records ==
        static_cast<std::int64_t>(corpus.train.size() + corpus.validation.size()));
  for (const std::string& record : corpus.validation) {
    CHECK(data::is_validation_record(record, 0.1));
  }

  std::string text;
  for (const std::string& record : corpus.train) text += record + "\n";
  const std::vector<std::string> specials = {"<|endoftext|>"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(text, 320, specials);
  const std::int32_t separator = data::end_of_text_id(tokenizer);
  CHECK(separator == tokenizer.special_id("<|endoftext|>"));
  CHECK(data::end_of_text_id(text::BpeTokenizer::train(text, 260)) == -1);

  const data::CorpusTokenFiles files =
      data::write_corpus_token_files(corpus, tokenizer, dir.path() / "tokens");
  CHECK(files.train.path == dir.path() / "tokens" / "train.tokens");
  CHECK(files.train.documents == static_cast<std::int64_t>(corpus.train.size()));
  CHECK(files.validation.documents == static_cast<std::int64_t>(corpus.validation.size()));

  // Document d of each file is record d of its side, followed by the separator.
  for (const auto& [info, records] :
       {std::pair{files.train, corpus.train}, std::pair{files.validation, corpus.validation}}) {
    const data::TokenFile file(info.path);
    CHECK_NOTHROW(file.check_tokenizer(data::tokenizer_hash(tokenizer)));
    CHECK(file.size() == info.tokens);
    CHECK(file.header().separator == separator);
    REQUIRE(file.document_count() == static_cast<std::int64_t>(records.size()));
    for (std::int64_t d = 0; d < file.document_count(); ++d) {
      const std::int64_t start = file.document_start(d);
      const std::int64_t end = file.document_start(d + 1);
      REQUIRE(end - start >= 2);
      const std::vector<std::int32_t> ids = file.tokens(start, end - start);
      CHECK(ids.back() == separator);
      CHECK(tokenizer.decode(std::span(ids).first(ids.size() - 1)) == records[d]);
    }
  }
}

TEST_CASE("a missing world folder says how to generate it", "[step03][token_file]") {
  TempDir dir("no-world");
  CHECK_THROWS_WITH(data::load_world_corpus(dir.path()),
                    contains("stories.txt") && contains("tinygpt data generate"));
}
