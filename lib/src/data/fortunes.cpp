// Debian's fortunes as a corpus of real English: the files, their records, the cleaning.
//
// A fortune file is plain text whose records are separated by lines holding exactly "%".
// The files were written for terminals and line printers, so some records carry
// overstrikes: a character, a backspace, another character printed on the same column.
// Underlined and bold words are written that way, and so are accents ("Honor'^He" is
// Honoré). The cleaning keeps what a reader saw on paper.
#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "corpus_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::data {

namespace {

// Letters with an accent typed over them: the accent, the plain letters, and the Latin-1
// letters they become, position by position.
struct Accent {
  char32_t mark;
  std::u32string_view plain;
  std::u32string_view accented;
};
constexpr std::array<Accent, 6> kAccents = {{
    {U'\'', U"aeiouyAEIOUY",
     U"\u00e1\u00e9\u00ed\u00f3\u00fa\u00fd\u00c1\u00c9\u00cd\u00d3\u00da\u00dd"},
    {U'`', U"aeiouAEIOU", U"\u00e0\u00e8\u00ec\u00f2\u00f9\u00c0\u00c8\u00cc\u00d2\u00d9"},
    {U'^', U"aeiouAEIOU", U"\u00e2\u00ea\u00ee\u00f4\u00fb\u00c2\u00ca\u00ce\u00d4\u00db"},
    {U'"', U"aeiouyAEIOU", U"\u00e4\u00eb\u00ef\u00f6\u00fc\u00ff\u00c4\u00cb\u00cf\u00d6\u00dc"},
    {U'~', U"anoANO", U"\u00e3\u00f1\u00f5\u00c3\u00d1\u00d5"},
    {U',', U"cC", U"\u00e7\u00c7"},
}};

// The accented letter of `mark` typed over `letter`, or 0 when there is none.
char32_t compose(char32_t mark, char32_t letter) {
  for (const Accent& accent : kAccents) {
    const std::size_t at = accent.plain.find(letter);
    if (accent.mark == mark && at != std::u32string_view::npos) return accent.accented[at];
  }
  return 0;
}

// What one column shows after everything typed on it. An underscore only underlines, and a
// repeated character only darkens; two different characters are an accent and its letter
// when they compose, and otherwise the last one printed wins (as on a screen).
char32_t resolve_column(std::u32string column) {
  if (column.size() == 1) return column[0];
  if (column.find_first_not_of(U'_') != std::u32string::npos) std::erase(column, U'_');
  column.erase(std::unique(column.begin(), column.end()), column.end());
  if (column.size() == 2) {
    if (const char32_t letter = compose(column[0], column[1])) return letter;
    if (const char32_t letter = compose(column[1], column[0])) return letter;
  }
  return column.back();
}

// Some records went through a Latin-1 editor once or twice after being written in UTF-8:
// "don't" with a curly apostrophe became "donÃ¢ÂÂt". A run of code points U+0080 to U+00FF
// whose values, taken as bytes, are valid UTF-8 is such a round trip and is decoded again,
// until nothing changes. Real Latin-1 words (état, über) are not valid UTF-8 as bytes and stay.
std::u32string repair_double_encoding(std::u32string text) {
  for (bool changed = true; changed;) {
    changed = false;
    std::u32string repaired;
    for (std::size_t i = 0; i < text.size();) {
      std::size_t end = i;
      std::string bytes;
      while (end < text.size() && text[end] >= 0x80 && text[end] <= 0xFF) {
        bytes.push_back(static_cast<char>(text[end++]));
      }
      if (end == i) {
        repaired.push_back(text[i++]);
      } else if (detail::utf8_error_offset(bytes) == std::string::npos) {
        repaired += detail::decode_utf8(bytes);
        changed = true;
        i = end;
      } else {
        repaired.append(text, i, end - i);
        i = end;
      }
    }
    text = std::move(repaired);
  }
  return text;
}

// C0 and C1 control characters and DEL; the caller has already handled '\n', '\t', '\b'.
bool is_control(char32_t code) {
  return code < 0x20 || (code >= 0x7F && code <= 0x9F);
}

// One line, printed as a teletype would: a backspace moves back one column and the next
// character lands on the same column. Tabs become one space (their width depended on the
// terminal), runs of spaces become one, trailing spaces go.
std::u32string clean_line(std::u32string_view line) {
  std::vector<std::u32string> columns;
  std::size_t column = 0;
  for (char32_t code : line) {
    if (code == U'\b') {
      if (column > 0) --column;
      continue;
    }
    if (code == U'\t') code = U' ';
    if (is_control(code)) continue;  // the bell (^G) and the like: nothing to see
    if (column == columns.size()) columns.emplace_back();
    columns[column++].push_back(code);
  }
  std::u32string cleaned;
  for (std::u32string& typed : columns) {
    const char32_t shown = resolve_column(std::move(typed));
    // A run of spaces becomes one; indentation too, which is kept because it marks a new
    // paragraph or an attribution ("\t\t-- Mark Twain").
    if (shown != U' ' || cleaned.empty() || cleaned.back() != U' ') cleaned.push_back(shown);
  }
  while (!cleaned.empty() && cleaned.back() == U' ') cleaned.pop_back();
  return cleaned;
}

// Letters for is_drawing: ASCII and Latin-1 letters, and every code point above Latin-1
// except the symbol blocks U+2000 to U+2BFF (punctuation, arrows, box drawing, shapes).
bool is_letter(char32_t code) {
  if ((code | 0x20) >= U'a' && (code | 0x20) <= U'z') return true;
  if (code >= 0xC0 && code <= 0xFF) return code != 0xD7 && code != 0xF7;  // not × and ÷
  return code > 0xFF && (code < 0x2000 || code > 0x2BFF);
}

// The cleaned, kept records of one fortune file's UTF-8 text, in file order.
std::vector<std::string> fortune_records(std::string_view text) {
  std::vector<std::string> records;
  std::string record;
  const auto finish = [&] {
    std::string cleaned = clean_fortune(record);
    if (!cleaned.empty() && !is_drawing(cleaned)) records.push_back(std::move(cleaned));
    record.clear();
  };
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (line == "%") {
      finish();
    } else {
      record.append(line).push_back('\n');
    }
    start = end + 1;
  }
  finish();
  return records;
}

// The files to read, by name: regular files only (the *.u8 symbolic links point at the
// plain files and would read them twice), no *.dat (strfile's binary indexes), no drawing
// files. Where a *.u8 is a real file (older packages shipped Latin-1 plain files with UTF-8
// copies), the copy is read instead of its plain file.
std::vector<std::filesystem::path> fortune_files(const std::filesystem::path& dir) {
  std::map<std::string, std::filesystem::path> files;  // sorted: the same order everywhere
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_symlink() || !entry.is_regular_file()) continue;
    const std::filesystem::path& path = entry.path();
    if (path.extension() == ".dat") continue;
    const std::string name = (path.extension() == ".u8" ? path.stem() : path.filename()).string();
    if (std::ranges::find(kFortunesDrawingFiles, name) != kFortunesDrawingFiles.end()) continue;
    if (path.extension() == ".u8" || !files.contains(name)) files[name] = path;
  }
  std::vector<std::filesystem::path> paths;
  for (auto& [name, path] : files) paths.push_back(std::move(path));
  return paths;
}

}  // namespace

std::string clean_fortune(std::string_view record) {
  const std::size_t offset = detail::utf8_error_offset(record);
  TINYGPT_CHECK(offset == std::string_view::npos, "clean_fortune: not valid UTF-8 at byte ",
                offset);
  std::u32string cleaned;
  std::size_t blank_lines = 0;
  const std::u32string text = repair_double_encoding(detail::decode_utf8(record));
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(U'\n', start);
    if (end == std::u32string::npos) end = text.size();
    const std::u32string line = clean_line(std::u32string_view(text).substr(start, end - start));
    start = end + 1;
    if (line.empty()) {
      ++blank_lines;
      continue;
    }
    // Blank lines separate stanzas and speakers, so one is kept; more say nothing more.
    if (!cleaned.empty()) cleaned += blank_lines > 0 ? U"\n\n" : U"\n";
    cleaned += line;
    blank_lines = 0;
  }
  return detail::encode_utf8(cleaned);
}

bool is_drawing(std::string_view record) {
  const std::size_t offset = detail::utf8_error_offset(record);
  TINYGPT_CHECK(offset == std::string_view::npos, "is_drawing: not valid UTF-8 at byte ", offset);
  std::int64_t visible = 0;
  std::int64_t letters = 0;
  for (const char32_t code : detail::decode_utf8(record)) {
    if (code == U' ' || code == U'\n' || code == U'\t') continue;
    ++visible;
    letters += is_letter(code);
  }
  return visible == 0 ||
         static_cast<double>(letters) < kDrawingLetterShare * static_cast<double>(visible);
}

Corpus load_fortunes(const CorpusOptions& options, const std::filesystem::path& dir) {
  TINYGPT_CHECK(std::filesystem::is_directory(dir), "load_fortunes: no folder ", dir,
                "; install Debian's package fortunes (scripts/setup.sh does)");
  std::vector<std::string> records;
  const std::vector<std::filesystem::path> files = fortune_files(dir);
  for (const std::filesystem::path& path : files) {
    const std::string bytes = read_file(path);
    // Debian 12's files are all valid UTF-8 (checked); a file that is not is taken as
    // Latin-1, the encoding fortune files used before UTF-8, and converted.
    const bool utf8 = detail::utf8_error_offset(bytes) == std::string::npos;
    const std::string text = utf8 ? bytes : detail::encode_utf8(detail::decode_latin1(bytes));
    for (std::string& record : fortune_records(text)) records.push_back(std::move(record));
  }
  TINYGPT_CHECK(!records.empty(), "load_fortunes: no fortunes in ", dir,
                "; install Debian's package fortunes (scripts/setup.sh does)");
  return detail::make_corpus("fortunes", std::move(records),
                             static_cast<std::int64_t>(files.size()), options);
}

}  // namespace tinygpt::data
