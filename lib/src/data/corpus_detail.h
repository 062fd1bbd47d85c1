// Helpers shared by the corpus loaders (corpus.cpp, fortunes.cpp): UTF-8 and the split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/corpus.h"

namespace tinygpt::data::detail {

/// Offset of the first byte that is not part of a valid UTF-8 sequence (strictly, as
/// next_code_point reads it), or npos when all are valid.
std::size_t utf8_error_offset(std::string_view bytes);

/// Code points of valid UTF-8 (check with utf8_error_offset first).
std::u32string decode_utf8(std::string_view bytes);

/// Code points of Latin-1 text: each byte is the code point of the same value.
std::u32string decode_latin1(std::string_view bytes);

/// UTF-8 of code points.
std::string encode_utf8(std::u32string_view text);

/// Number of code points in valid UTF-8: the bytes that do not continue a sequence.
std::int64_t count_code_points(std::string_view utf8);

/// Splits cleaned records into training and validation (is_validation_record) and counts
/// them; `files` is how many files they came from.
Corpus make_corpus(std::string name, std::vector<std::string> records, std::int64_t files,
                   const CorpusOptions& options);

}  // namespace tinygpt::data::detail
