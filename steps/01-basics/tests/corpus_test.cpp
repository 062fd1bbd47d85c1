// Corpora: the cleaning of Debian's fortunes, the hash split, the user's own files.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/corpus.h"

namespace fs = std::filesystem;
using namespace tinygpt;
using namespace tinygpt::data;
using tinygpt::testing::contains;

namespace {

// A folder of its own for one test's files, deleted with them when the test ends.
struct ScratchDir {
  fs::path path =
      fs::temp_directory_path() / ("tinygpt-corpus-test-" + std::to_string(getpid()) + "-" +
                                   std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
    return path / name;
  }
};

// Every record of a corpus, training then validation.
std::vector<std::string> all_records(const Corpus& corpus) {
  std::vector<std::string> records = corpus.train;
  records.insert(records.end(), corpus.validation.begin(), corpus.validation.end());
  return records;
}

}  // namespace

TEST_CASE("overstrikes keep what was printed: bold, underline and accents", "[step01][corpus]") {
  CHECK(clean_fortune("whether I\bI win") == "whether I win");
  CHECK(clean_fortune("a _\bx b") == "a x b");
  CHECK(clean_fortune("it's *____\b\b\b\bonly* ones") == "it's *only* ones");
  CHECK(clean_fortune("*_\b_\b_\bthat*") == "*that*");  // one column underlined three times
  CHECK(clean_fortune("-- Honor'\be de Balzac") == "-- Honor\u00e9 de Balzac");
  CHECK(clean_fortune("Plus ,\bca change, la m^\beme") == "Plus \u00e7a change, la m\u00eame");
  CHECK(clean_fortune("\bstart") == "start");  // a backspace at column 0 stays there
  CHECK(clean_fortune("a/\b-b") == "a-b");     // no accent: the last character printed wins
}

TEST_CASE("control characters go, whitespace is normalised", "[step01][corpus]") {
  CHECK(clean_fortune("Ask not for whom the \a\a\abell tolls.\r") ==
        "Ask not for whom the bell tolls.");
  CHECK(clean_fortune("C1\u0085 and DEL\x7f gone") == "C1 and DEL gone");
  CHECK(clean_fortune("\t\t-- Mark   Twain \t ") == " -- Mark Twain");
  CHECK(clean_fortune("\n\n  \nfirst\n\n\n\nsecond\nthird\n\n") == "first\n\nsecond\nthird");
  CHECK(clean_fortune(" \t\a\n\n") == "");
  // "don't" with a curly apostrophe, encoded as UTF-8 three times (as in the file `law`).
  CHECK(clean_fortune("don\u00c3\u00a2\u00c2\u0080\u00c2\u0099t") == "don\u2019t");
  CHECK(clean_fortune("a fine of \u00c2\u00a35") == "a fine of \u00a35");
  CHECK(clean_fortune("coup d'\u00e9tat, \u00fcber") == "coup d'\u00e9tat, \u00fcber");
  REQUIRE_THROWS_WITH(clean_fortune("bad \xff byte"), contains("not valid UTF-8 at byte 4"));
}

TEST_CASE("a record is a drawing when under half its visible characters are letters",
          "[step01][corpus]") {
  CHECK(is_drawing("   /\\_/\\\n  ( o.o )\n   > ^ <"));
  CHECK(is_drawing("+--+\n|  |\n+--+"));
  CHECK(is_drawing("\u2554\u2550\u2550\u2557 box"));  // box drawing is not letters
  CHECK(is_drawing("42"));                            // the rule's price: a number-only quip goes
  CHECK(is_drawing(""));
  CHECK_FALSE(is_drawing("A celebrity is a person known for his well-knownness."));
  CHECK_FALSE(is_drawing("\u00e9t\u00e9 \u00fcber d\u00e9j\u00e0 vu"));
  CHECK_FALSE(is_drawing(":) ok"));  // 2 letters of 4 visible: exactly half is prose
}

TEST_CASE("load_fortunes splits on % lines, cleans, skips indexes, links and drawings",
          "[step01][corpus]") {
  ScratchDir dir;
  dir.write("quotes",
            "First fortune,\n\tindented.\n%\n%\nSecond *_\bi_\bs* here.\n%\n"
            "  __\n /  \\\n|    |\n \\__/\n%\n\n \n%\n% not a separator\n");
  dir.write("quotes.dat", "strfile index: must not be read\n");
  fs::create_symlink("quotes", dir.path / "quotes.u8");  // Debian's *.u8 are links
  dir.write("ascii-art", "Prose in a drawing file is skipped by the file's name.\n");
  dir.write("latin", "caf\xe9 au lait\n%\n");  // Latin-1: not valid UTF-8
  const Corpus corpus = load_fortunes(CorpusOptions{.validation_fraction = 0.0}, dir.path);
  CHECK(corpus.name == "fortunes");
  CHECK(corpus.train == std::vector<std::string>{"caf\u00e9 au lait", "First fortune,\n indented.",
                                                 "Second *is* here.", "% not a separator"});
  CHECK(corpus.validation.empty());
  CHECK(corpus.stats.files == 2);
  CHECK(corpus.stats.records == 4);
  CHECK(corpus.stats.bytes == static_cast<std::int64_t>(join_records(corpus.train, "").size()));
  CHECK(corpus.stats.characters == corpus.stats.bytes - 1);  // é is two bytes
}

TEST_CASE("a *.u8 that is a file, not a link, is read instead of its Latin-1 twin",
          "[step01][corpus]") {
  ScratchDir dir;
  dir.write("old", "caf\xe9\n");
  dir.write("old.u8", "caf\u00e9 (UTF-8)\n");
  const Corpus corpus = load_fortunes(CorpusOptions{.validation_fraction = 0.0}, dir.path);
  CHECK(corpus.stats.files == 1);
  CHECK(corpus.train == std::vector<std::string>{"caf\u00e9 (UTF-8)"});
}

TEST_CASE("load_fortunes names a missing folder and the package", "[step01][corpus]") {
  ScratchDir dir;
  REQUIRE_THROWS_WITH(load_fortunes({}, dir.path / "none"),
                      contains("tinygpt-corpus-test-") && contains("none") &&
                          contains("install Debian's package fortunes"));
  REQUIRE_THROWS_WITH(load_fortunes({}, dir.path), contains("no fortunes in"));
}

TEST_CASE("the split is FNV-1a of the text against fraction * 10000", "[step01][corpus]") {
  // Published FNV-1a 64 test vectors.
  CHECK(fnv1a_64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a_64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a_64("foobar") == 0x85944171f73967e8ull);
  for (const std::string text : {"a", "foobar", "It is a lovely day."}) {
    for (const double fraction : {0.05, 0.1, 0.5}) {
      CHECK(is_validation_record(text, fraction) ==
            (fnv1a_64(text) % 10000 < static_cast<std::uint64_t>(fraction * 10000)));
    }
    CHECK_FALSE(is_validation_record(text, 0.0));
    CHECK(is_validation_record(text, 1.0));
  }
  REQUIRE_THROWS_WITH(is_validation_record("a", 1.5), contains("in [0, 1], got 1.5"));
}

TEST_CASE("user files: paragraphs, and a repeated paragraph stays on one side",
          "[step01][corpus]") {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "Paragraph " + std::to_string(i) + ",\r\nline two.\r\n\r\n \t\n";
  const fs::path first = dir.write("first.txt", text);
  const fs::path second = dir.write("second.txt", "Paragraph 7,\nline two.\n\n\nLast one.");
  const std::vector<fs::path> files = {first, second};
  const Corpus corpus = load_text_files(files, CorpusOptions{.validation_fraction = 0.25});
  CHECK(corpus.name == "first.txt second.txt");
  CHECK(corpus.stats.files == 2);
  CHECK(corpus.stats.records == 202);
  CHECK(corpus.train.size() + corpus.validation.size() == 202);
  const std::vector<std::string> records = all_records(corpus);
  CHECK(std::ranges::count(records, "Paragraph 7,\nline two.") == 2);
  CHECK(std::ranges::count(records, "Last one.") == 1);
  const std::set<std::string> train(corpus.train.begin(), corpus.train.end());
  for (const std::string& record : corpus.validation) CHECK(train.count(record) == 0);
  CHECK(corpus.validation.size() > 25);  // about 50 of 202
  CHECK(corpus.validation.size() < 80);
}

TEST_CASE("user files: invalid UTF-8 and missing files are named", "[step01][corpus]") {
  ScratchDir dir;
  const std::vector<fs::path> latin = {dir.write("latin.txt", "Hello\ncaf\xe9!\n")};
  REQUIRE_THROWS_WITH(load_text_files(latin, {}),
                      contains("latin.txt") && contains("not valid UTF-8 at byte offset 9"));
  const std::vector<fs::path> overlong = {dir.write("overlong.txt", "ab\xc0\xaf")};
  REQUIRE_THROWS_WITH(load_text_files(overlong, {}), contains("at byte offset 2"));
  const std::vector<fs::path> truncated = {dir.write("cut.txt", "abc\xe2\x82")};
  REQUIRE_THROWS_WITH(load_text_files(truncated, {}), contains("at byte offset 3"));
  const std::vector<fs::path> missing = {dir.path / "missing.txt"};
  REQUIRE_THROWS_WITH(load_text_files(missing, {}), contains("no file") && contains("missing.txt"));
}

TEST_CASE("join_records follows each record with the separator", "[step01][corpus]") {
  const std::vector<std::string> records = {"one", "two"};
  CHECK(join_records(records, "\n\n") == "one\n\ntwo\n\n");
  CHECK(join_records({}, "\n").empty());
}

TEST_CASE("Debian's fortunes: plausible counts, clean text, a leak-free 10% split",
          "[step01][corpus]") {
  const Corpus corpus = load_fortunes(CorpusOptions{.validation_fraction = 0.1});
  const CorpusStats& stats = corpus.stats;
  CHECK(stats.files >= 30);  // Debian 12: 42 of the 43 text files (ascii-art is skipped)
  CHECK(stats.files <= 60);
  CHECK(stats.records >= 10000);  // Debian 12: 15195
  CHECK(stats.records <= 25000);
  CHECK(stats.bytes >= 1500000);  // Debian 12: 2.5 MB
  CHECK(stats.characters <= stats.bytes);
  CHECK(stats.characters > stats.bytes - 1000);  // almost all ASCII
  const double share =
      static_cast<double>(corpus.validation.size()) / static_cast<double>(stats.records);
  CHECK(share > 0.09);
  CHECK(share < 0.11);
  const std::set<std::string> train(corpus.train.begin(), corpus.train.end());
  std::size_t leaks = 0;
  for (const std::string& record : corpus.validation) leaks += train.count(record);
  CHECK(leaks == 0);
  std::size_t dirty = 0;
  for (const std::string& record : all_records(corpus)) {
    dirty += std::ranges::any_of(record, [](char c) {
      return (static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f;
    });
    dirty += record.find("  ") != std::string::npos || record.find("\n\n\n") != std::string::npos;
  }
  CHECK(dirty == 0);
  // Loading again gives the same split, record for record.
  const Corpus again = load_fortunes(CorpusOptions{.validation_fraction = 0.1});
  CHECK(again.train == corpus.train);
  CHECK(again.validation == corpus.validation);
}
