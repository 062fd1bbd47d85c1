/// @file corpus.h
/// @brief Text corpora: Debian's fortunes, the user's own UTF-8 files or the generated
/// world's stories and facts, split into training and validation records deterministically.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::data {

/// @brief What a loader read.
struct CorpusStats {
  std::int64_t files = 0;       ///< text files read
  std::int64_t records = 0;     ///< records kept (fortunes, or paragraphs of a user's file)
  std::int64_t bytes = 0;       ///< UTF-8 bytes in the kept records
  std::int64_t characters = 0;  ///< Unicode code points in the kept records
};

/// @brief A corpus split into training and validation records.
struct Corpus {
  std::string name;                     ///< "fortunes", or the files' names
  std::vector<std::string> train;       ///< training records, in file order
  std::vector<std::string> validation;  ///< validation records, in file order
  CorpusStats stats;                    ///< of all kept records
};

/// @brief How to load and split.
struct CorpusOptions {
  /// Share of records that go to validation. A record's side is a pure function of its
  /// text (a hash), so the split never changes when files are added, and a record that
  /// appears twice never lands on both sides.
  double validation_fraction = 0.1;
};

/// Where Debian's fortunes package puts its text files.
inline const std::filesystem::path kFortunesDir = "/usr/share/games/fortunes";

/// @brief Loads Debian's fortunes (package `fortunes`): records split on `%` lines,
/// overstrikes and control characters removed, ASCII-art files skipped, whitespace
/// normalised. Throws Error naming the folder when it is missing (install `fortunes`).
/// @param options the split.
/// @param dir the fortunes folder.
/// @return the corpus.
Corpus load_fortunes(const CorpusOptions& options, const std::filesystem::path& dir = kFortunesDir);

/// @brief Loads the user's UTF-8 text files; records are paragraphs (blank-line separated).
/// Throws Error naming a file that is missing, unreadable or not valid UTF-8 (with the
/// byte offset).
/// @param files the files.
/// @param options the split.
/// @return the corpus.
Corpus load_text_files(std::span<const std::filesystem::path> files, const CorpusOptions& options);

/// @brief The generated world's pre-training corpus (datasets/README.md): every story of
/// `dir`/stories.txt (blank-line separated) and every line of `dir`/facts.txt (when
/// present) is a record, split by is_validation_record(). Throws Error naming stories.txt
/// when it is missing, and says how to generate it.
/// @param dir a folder written by `tinygpt data generate`.
/// @param options the split.
/// @return the corpus, named "world".
Corpus load_world_corpus(const std::filesystem::path& dir, const CorpusOptions& options = {});

/// Fortune files skipped by name because they hold drawings, not prose. (`art` is kept:
/// despite its name it holds quotations about the arts, not pictures.)
inline constexpr std::array<std::string_view, 1> kFortunesDrawingFiles = {"ascii-art"};

/// A record is a drawing when fewer than this share of its visible (non-space) characters
/// are letters; prose is above 0.6 almost always, ASCII art below 0.35.
inline constexpr double kDrawingLetterShare = 0.5;

/// @brief Cleans one fortune as load_fortunes does. Text encoded as UTF-8 twice (through a
/// Latin-1 editor: "Â£" for "£") is decoded back. Overstrikes (a character, backspace,
/// another character, as printed on a teletype) keep what was visible: X over X (bold) and
/// an underscore under X (underline) give X, an accent over a letter (' over e) gives the
/// accented letter (é). Other control characters are removed, tabs become spaces, runs of
/// spaces become one, trailing spaces go, at most one blank line in a row, none at the ends.
/// @param record one record's text, UTF-8, without the `%` lines around it.
/// @return the cleaned text (empty when nothing visible is left).
std::string clean_fortune(std::string_view record);

/// @brief Whether a record is a drawing (ASCII art) rather than prose: fewer than
/// kDrawingLetterShare of its non-space characters are letters.
/// @param record a cleaned record, UTF-8.
/// @return true for a drawing (and for a record without visible characters).
bool is_drawing(std::string_view record);

/// @brief Whether a record goes to validation: fnv1a_64(record) % 10000 below
/// fraction * 10000, so the side depends on the text alone.
/// @param record the cleaned record.
/// @param validation_fraction in [0, 1].
/// @return true for validation, false for training.
bool is_validation_record(std::string_view record, double validation_fraction);

/// @brief Joins records into one training text, each record followed by `separator`.
/// @param records the records.
/// @param separator e.g. "\n\n".
/// @return the text.
std::string join_records(std::span<const std::string> records, std::string_view separator);

}  // namespace tinygpt::data
