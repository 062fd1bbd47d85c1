// The split every corpus shares, the loaders of the user's own UTF-8 files and of the
// generated world, and the UTF-8 helpers of the loaders (on top of the text module's strict
// reader and writer).
#include "tinygpt/data/corpus.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "corpus_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/utf8.h"

namespace tinygpt::data {

namespace {

// Paragraphs of a text: runs of lines that hold more than spaces and tabs. A trailing '\r'
// (Windows line ends) is dropped so the same text gives the same records everywhere.
std::vector<std::string> split_paragraphs(std::string_view text) {
  std::vector<std::string> paragraphs;
  std::string paragraph;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      if (!paragraph.empty()) paragraphs.push_back(std::exchange(paragraph, {}));
    } else {
      if (!paragraph.empty()) paragraph += '\n';
      paragraph += line;
    }
    start = end + 1;
  }
  if (!paragraph.empty()) paragraphs.push_back(std::move(paragraph));
  return paragraphs;
}

}  // namespace

namespace detail {

std::size_t utf8_error_offset(std::string_view bytes) {
  for (std::size_t position = 0; position < bytes.size();) {
    const std::size_t start = position;
    if (next_code_point(bytes, position) < 0) return start;
  }
  return std::string_view::npos;
}

std::u32string decode_utf8(std::string_view bytes) {
  std::u32string text;
  text.reserve(bytes.size());
  for (std::size_t position = 0; position < bytes.size();) {
    text.push_back(static_cast<char32_t>(next_code_point(bytes, position)));
  }
  return text;
}

std::u32string decode_latin1(std::string_view bytes) {
  std::u32string text;
  text.reserve(bytes.size());
  for (const char byte : bytes) text.push_back(static_cast<unsigned char>(byte));
  return text;
}

std::string encode_utf8(std::u32string_view text) {
  std::string bytes;
  bytes.reserve(text.size());
  for (const char32_t code_point : text) append_utf8(bytes, code_point);
  return bytes;
}

std::int64_t count_code_points(std::string_view utf8) {
  std::int64_t count = 0;
  for (const char byte : utf8) count += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return count;
}

Corpus make_corpus(std::string name, std::vector<std::string> records, std::int64_t files,
                   const CorpusOptions& options) {
  Corpus corpus;
  corpus.name = std::move(name);
  corpus.stats.files = files;
  for (std::string& record : records) {
    corpus.stats.records += 1;
    corpus.stats.bytes += static_cast<std::int64_t>(record.size());
    corpus.stats.characters += count_code_points(record);
    auto& side = is_validation_record(record, options.validation_fraction) ? corpus.validation
                                                                           : corpus.train;
    side.push_back(std::move(record));
  }
  return corpus;
}

}  // namespace detail

bool is_validation_record(std::string_view record, double validation_fraction) {
  TINYGPT_CHECK(validation_fraction >= 0.0 && validation_fraction <= 1.0,
                "is_validation_record: validation_fraction must be in [0, 1], got ",
                validation_fraction);
  // 10000 buckets: fractions are honoured to 0.01%, and the bucket is the text's alone.
  const auto threshold = static_cast<std::uint64_t>(std::llround(validation_fraction * 10000.0));
  return fnv1a_64(record) % 10000 < threshold;
}

Corpus load_text_files(std::span<const std::filesystem::path> files, const CorpusOptions& options) {
  TINYGPT_CHECK(!files.empty(), "load_text_files: no files given");
  std::vector<std::string> records;
  std::string name;
  for (const std::filesystem::path& path : files) {
    const std::string bytes = read_file(path);
    const std::size_t offset = detail::utf8_error_offset(bytes);
    TINYGPT_CHECK(offset == std::string::npos, "load_text_files: ", path,
                  " is not valid UTF-8 at byte offset ", offset,
                  "; convert it first, e.g. iconv -f latin1 -t utf-8");
    std::vector<std::string> paragraphs = split_paragraphs(bytes);
    records.insert(records.end(), std::make_move_iterator(paragraphs.begin()),
                   std::make_move_iterator(paragraphs.end()));
    if (!name.empty()) name += ' ';
    name += path.filename().string();
  }
  return detail::make_corpus(std::move(name), std::move(records),
                             static_cast<std::int64_t>(files.size()), options);
}

Corpus load_world_corpus(const std::filesystem::path& dir, const CorpusOptions& options) {
  const std::filesystem::path stories = dir / "stories.txt";
  TINYGPT_CHECK(std::filesystem::is_regular_file(stories), "no file ", stories.string(),
                ": generate the world first (tinygpt data generate --out ", dir.string(), ")");
  std::vector<std::string> records;
  // Stories end with a blank line; facts are one per line. Blank pieces are no records.
  auto split = [&](const std::string& text, std::string_view delimiter) {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find(delimiter, start);
      if (end == std::string::npos) end = text.size();
      const std::string_view record = std::string_view(text).substr(start, end - start);
      if (record.find_first_not_of(" \t\n") != std::string_view::npos) records.emplace_back(record);
      start = end + delimiter.size();
    }
  };
  split(read_file(stories), "\n\n");
  std::int64_t files = 1;
  const std::filesystem::path facts = dir / "facts.txt";
  if (std::filesystem::is_regular_file(facts)) {
    split(read_file(facts), "\n");
    files = 2;
  }
  return detail::make_corpus("world", std::move(records), files, options);
}

std::string join_records(std::span<const std::string> records, std::string_view separator) {
  std::string text;
  for (const std::string& record : records) {
    text += record;
    text += separator;
  }
  return text;
}

}  // namespace tinygpt::data
