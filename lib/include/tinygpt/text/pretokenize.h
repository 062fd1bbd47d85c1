/// @file pretokenize.h
/// @brief GPT-2's pre-tokenisation: split text into words before BPE runs inside each.
///
/// BPE never merges across a word boundary, so "dog." and "dog!" share the token " dog".
/// GPT-2 draws the boundaries with one regular expression:
///
/// @verbatim
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// @endverbatim
///
/// English contractions, then a run of letters, of digits or of other symbols, each with
/// at most one leading space (" world"), then whitespace. The lookahead keeps the last space
/// of a run for the next word: "a   b" splits as "a", "  ", " b". Letters and digits are
/// Unicode classes (`\p{L}`, `\p{N}`), so "naïve" and "日本" are one word each.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

namespace tinygpt::text {

/// @brief The GPT-2 pattern compiled once with PCRE2 (UTF and Unicode properties, JIT).
///
/// Any bytes are accepted: a byte sequence that is not valid UTF-8 never matches the
/// pattern (PCRE2_MATCH_INVALID_UTF) and becomes a piece of its own, so the pieces always
/// concatenate back to the input. Matching is read-only: one Pretokenizer may split in
/// several threads at once.
class Pretokenizer {
 public:
  /// @brief Compiles GPT-2's pattern; throws Error if PCRE2 refuses it.
  Pretokenizer();
  ~Pretokenizer();
  /// @param other the pretokenizer to take over.
  Pretokenizer(Pretokenizer&& other) noexcept;
  /// @param other the pretokenizer to take over.
  /// @return this.
  Pretokenizer& operator=(Pretokenizer&& other) noexcept;

  /// @brief Splits text into pieces and calls `piece` for each, in order.
  /// @param text any bytes.
  /// @param piece called with views into `text`; together they cover it exactly.
  template <typename Callback>
  void split(std::string_view text, Callback&& piece) const {
    std::size_t begin = 0;
    while (begin < text.size()) {
      const std::size_t end = next_piece_end(text, begin);
      piece(text.substr(begin, end - begin));
      begin = end;
    }
  }

  /// @param text any bytes.
  /// @return the pieces, views into `text`.
  std::vector<std::string_view> split(std::string_view text) const;

  /// @param text any bytes.
  /// @param begin offset of the next piece, below text.size().
  /// @return the offset just past that piece (always > begin).
  std::size_t next_piece_end(std::string_view text, std::size_t begin) const;

 private:
  struct Compiled;  // PCRE2's code and match data, hidden so headers need no pcre2.h
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace tinygpt::text
