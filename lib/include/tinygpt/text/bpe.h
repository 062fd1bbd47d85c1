/// @file bpe.h
/// @brief Byte-level BPE exactly like GPT-2: training, encoding, decoding, the project's
/// own file format, and GPT-2's vocab.json + merges.txt.
///
/// Byte-level BPE starts from the 256 byte values, so every string of bytes can be encoded
/// and nothing is ever unknown. Training repeatedly merges the most frequent adjacent pair
/// of tokens into a new token; the list of merges, in the order they were learnt (their
/// *rank*), is the whole model. Encoding first splits the text into words (pretokenize.h),
/// then inside each word applies the merges again, lowest rank first, until none applies.
///
/// Special tokens such as "<|endoftext|>" are matched in the text before anything else and
/// become their own id; BPE never produces them from ordinary text.
///
/// ## The tinygpt-bpe file format (version 1)
///
/// A text file, one record per line, '\n' line ends:
///
///     tinygpt-bpe 1
///     tokens <V>
///     <V lines: line i is token id i: its bytes in lowercase hex, e.g. "20746865" for " the";
///      a special token is written "special <hex>">
///     merges <M>
///     <M lines in rank order: "<left id> <right id> <merged id>">
///
/// Every byte value must have exactly one one-byte token that is not special, and a merge's
/// token must be the concatenation of its two parts. Hex makes any byte (a newline, invalid
/// UTF-8) safe on a line of its own. Files are written atomically (temporary file, then
/// rename), and a truncated or corrupt file is an Error naming the file and line.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/text/bpe_pairs.h"
#include "tinygpt/text/pretokenize.h"
#include "tinygpt/text/tokenizer.h"

namespace tinygpt::text {

/// @brief GPT-2's printable spelling of bytes, used in its vocab.json and merges.txt.
///
/// Bytes that are printable and not white space (33-126, 161-172, 174-255) stand for
/// themselves; the other 68 bytes are numbered in order and shifted to U+0100 onwards, so
/// the space 0x20 is written "Ġ" (U+0120) and the newline 0x0A "Ċ" (U+010A).
/// @param bytes any bytes.
/// @return the UTF-8 text of the code points standing for them.
std::string gpt2_bytes_to_unicode(std::string_view bytes);

/// @brief The inverse of gpt2_bytes_to_unicode().
/// @param text UTF-8 text made only of code points that stand for bytes.
/// @param bytes receives the bytes (cleared first).
/// @return false if the text is not valid UTF-8 or has a code point that stands for no byte.
bool gpt2_unicode_to_bytes(std::string_view text, std::string& bytes);

/// @brief A byte-level BPE tokenizer: 256 byte tokens, the learnt merges, special tokens.
///
/// encode() keeps a cache word -> ids, so each distinct word is merged only once. The cache
/// sits behind a mutex that encode() only tries to take: threads that find it busy encode
/// with a private cache for that call, so encoding from several threads is safe.
class BpeTokenizer final : public Tokenizer {
 public:
  /// @brief Learns merges from text until the vocabulary has vocab_size tokens.
  ///
  /// Ids: 0-255 are the bytes, then one id per merge in the order learnt, then the specials
  /// in the order given. Special tokens in the text are cut out before counting. Ties
  /// between equally frequent pairs go to the smallest (left id, right id), so training is
  /// deterministic. When no pair is left to merge the vocabulary stays smaller.
  /// @param text the training corpus, any bytes, not empty.
  /// @param vocab_size wanted number of tokens, at least 256 + specials.size().
  /// @param specials special tokens, e.g. {"<|endoftext|>"}: distinct and not empty.
  /// @return the trained tokenizer.
  static BpeTokenizer train(std::string_view text, std::int32_t vocab_size,
                            std::span<const std::string> specials = {});

  /// @brief Reads a tokenizer saved by save() (the format is in this file's description).
  /// @param path the file.
  /// @return the tokenizer.
  static BpeTokenizer load(const std::filesystem::path& path);

  /// @brief Reads GPT-2's files. Ids are those of vocab.json; a token that is neither a
  /// byte nor made by a merge (GPT-2's "<|endoftext|>") is a special token.
  /// @param vocab_json JSON object token -> id, tokens spelt with gpt2_bytes_to_unicode().
  /// @param merges_txt one merge "left right" per line in rank order; a first line
  ///        starting with "#version" is skipped.
  /// @return the tokenizer.
  static BpeTokenizer load_gpt2(const std::filesystem::path& vocab_json,
                                const std::filesystem::path& merges_txt);

  /// @brief The same tokenizer with more special tokens: those it lacks get the next ids
  /// (vocab_size(), vocab_size() + 1, ...), in the order given; ids it had stay as they were,
  /// so a model trained with it keeps every row it learnt (fine-tuning adds chat markers).
  /// @param added special tokens, not empty strings.
  /// @return the extended tokenizer.
  BpeTokenizer with_specials(std::span<const std::string> added) const;
  /// @param special a text.
  /// @return whether it is one of this tokenizer's special tokens.
  bool has_special(std::string_view special) const;
  /// @brief Writes the tokenizer in the tinygpt-bpe format, atomically.
  /// @param path the file to create or replace.
  void save(const std::filesystem::path& path) const;

  ~BpeTokenizer() override;
  /// @param other the tokenizer to take over.
  BpeTokenizer(BpeTokenizer&& other) noexcept;
  /// @param other the tokenizer to take over.
  /// @return this.
  BpeTokenizer& operator=(BpeTokenizer&& other) noexcept;

  /// @param text any bytes.
  /// @return its token ids; decode() gives the same bytes back.
  std::vector<std::int32_t> encode(std::string_view text) const override;
  /// @param ids token ids in [0, vocab_size()).
  /// @return the bytes they stand for (invalid UTF-8 exactly when the encoded text was).
  std::string decode(std::span<const std::int32_t> ids) const override;
  /// @return the number of tokens: bytes, merges and specials.
  std::int32_t vocab_size() const override;
  /// @return e.g. "byte-level BPE, 4096 tokens (256 bytes, 3839 merges, 1 special)".
  std::string describe() const override;

  /// @param special a special token's text.
  /// @return its id; throws Error if it is not a special token of this tokenizer.
  TokenId special_id(std::string_view special) const;
  /// @param id a token id in [0, vocab_size()).
  /// @return the bytes the token stands for.
  const std::string& token_bytes(TokenId id) const;
  /// @return the number of merges.
  std::int32_t merge_count() const;

 private:
  struct Merge {
    TokenPair pair;  // the two tokens merged
    TokenId merged;  // the token they become
  };
  struct State;  // ranks, specials and the word cache; defined in bpe.cpp

  BpeTokenizer(std::vector<std::string> tokens, std::vector<Merge> merges,
               std::vector<TokenId> specials, const std::string& source);
  std::vector<TokenId> merge_word(std::string_view word) const;

  std::vector<std::string> tokens_;      // id -> bytes
  std::vector<Merge> merges_;            // in rank order
  std::vector<TokenId> specials_;        // ids of the special tokens
  std::array<TokenId, 256> byte_ids_{};  // byte value -> id of its one-byte token
  Pretokenizer pretokenizer_;
  std::unique_ptr<State> state_;
};

}  // namespace tinygpt::text
