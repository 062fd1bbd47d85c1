/// @file char_tokenizer.h
/// @brief The simplest tokenizer: one token per Unicode character seen in training.
///
/// Id 0 is `<unk>`, for every character not seen in training and for every byte that is
/// not part of valid UTF-8; ids 1..V-1 are the training text's code points in increasing
/// order, so the same text always gives the same vocabulary. Decoding `<unk>` gives U+FFFD
/// (the replacement character "�"): unlike byte-level BPE, this tokenizer cannot give back
/// what it never saw.
///
/// ## The tinygpt-char file format (version 1)
///
///     tinygpt-char 1
///     characters <N>
///     <N lines: the code point of id 1, 2, ..., N in hex, e.g. "e9" for é, increasing>
///
/// Written atomically (temporary file, then rename); a truncated or corrupt file is an
/// Error naming the file and line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tinygpt/core/utf8.h"
#include "tinygpt/text/tokenizer.h"

namespace tinygpt::text {

/// @brief Character-level tokenizer over Unicode code points, with `<unk>` as id 0.
class CharTokenizer final : public Tokenizer {
 public:
  /// The id of `<unk>`.
  static constexpr std::int32_t kUnknownId = 0;

  /// @param code_points the vocabulary (without `<unk>`): strictly increasing, each a
  ///        Unicode scalar value (at most U+10FFFF, not a surrogate).
  explicit CharTokenizer(std::vector<char32_t> code_points);

  /// @param text training text; its valid UTF-8 characters form the vocabulary.
  /// @return the tokenizer.
  static CharTokenizer train(std::string_view text);
  /// @param path a file written by save().
  /// @return the tokenizer.
  static CharTokenizer load(const std::filesystem::path& path);
  /// @param path the file to create or replace, atomically.
  void save(const std::filesystem::path& path) const;

  /// @param text any bytes.
  /// @return one id per character; unseen characters and invalid bytes (one id per
  ///         byte) give kUnknownId.
  std::vector<std::int32_t> encode(std::string_view text) const override;
  /// @param ids token ids in [0, vocab_size()).
  /// @return UTF-8 text, with U+FFFD for each `<unk>`.
  std::string decode(std::span<const std::int32_t> ids) const override;
  /// @return the number of characters plus one for `<unk>`.
  std::int32_t vocab_size() const override;
  /// @return e.g. "characters, 80 tokens (79 code points + <unk>)".
  std::string describe() const override;

  /// @return the vocabulary's code points, in id order from id 1.
  const std::vector<char32_t>& code_points() const { return code_points_; }

 private:
  std::vector<char32_t> code_points_;  // id i + 1 -> code point, increasing
};

}  // namespace tinygpt::text
