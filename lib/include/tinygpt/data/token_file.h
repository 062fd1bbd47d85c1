/// @file token_file.h
/// @brief Token files: a corpus tokenised once into a binary file, then read memory-mapped
/// by every step of training, so no step ever tokenises text again.
///
/// ## The tinygpt token file format (version 1)
///
/// All integers are little-endian. The header is 64 bytes:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic: the ASCII bytes `TGTOKENS` |
/// | 8 | 4 | format version, u32: 1 |
/// | 12 | 4 | dtype, u32: bytes per token, 2 (uint16) or 4 (uint32) |
/// | 16 | 8 | token count N, u64 |
/// | 24 | 4 | vocabulary size V, u32: every token is below it; uint16 needs V <= 65536 |
/// | 28 | 4 | separator token id, i32: the id that ends every document, or -1 for none |
/// | 32 | 8 | tokenizer hash, u64 (tokenizer_hash()) |
/// | 40 | 8 | document count D, u64 |
/// | 48 | 16 | reserved, zero |
///
/// Then D document starts (u64 each, at offset 64): the token position where each document
/// (a record of the corpus, with its separator) begins; the first is 0 and they never
/// decrease, and none exceeds N. Then the N tokens (at offset 64 + 8 D), each of `dtype`
/// bytes. Nothing follows: a file of any other size than 64 + 8 D + N * dtype is
/// truncated or corrupt. Both tables start at multiples of 8 bytes, so the mapped file can
/// be read in place as arrays of u64 and u16/u32.
///
/// A document is what the split and the leak test reason about: every record of the corpus
/// is one document, encoded on its own (its tokens never depend on its neighbours) and
/// followed by the separator when there is one. Files are written atomically (a reader sees
/// the old file or the new one) and read with mmap, read-only: opening a 1 GB file reads
/// only its header and document table, and the kernel pages tokens in as windows touch them.
///
/// Machines whose native byte order is big-endian are not supported (the reader maps the
/// tokens in place); the library refuses to compile there.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/corpus.h"
#include "tinygpt/text/tokenizer.h"

namespace tinygpt::data {

/// The first 8 bytes of every token file.
inline constexpr std::string_view kTokenFileMagic = "TGTOKENS";
/// The format version this library writes and reads.
inline constexpr std::uint32_t kTokenFileVersion = 1;
/// Size of the fixed header in bytes.
inline constexpr std::int64_t kTokenFileHeaderBytes = 64;

/// @brief How tokens are stored: the value is the number of bytes per token.
enum class TokenDtype : std::uint32_t {
  kUint16 = 2,  ///< vocabularies of at most 65536 tokens
  kUint32 = 4,  ///< larger vocabularies
};

/// @brief The smallest dtype that holds every id of a vocabulary.
/// @param vocab_size V, at least 1.
/// @return kUint16 when V <= 65536, else kUint32.
TokenDtype token_dtype_for(std::int64_t vocab_size);

/// @brief The header of a token file, as read or to be written.
struct TokenFileHeader {
  std::uint32_t version = kTokenFileVersion;  ///< format version
  TokenDtype dtype = TokenDtype::kUint16;     ///< bytes per token
  std::int64_t token_count = 0;               ///< N
  std::int32_t vocab_size = 0;                ///< V
  std::int32_t separator = -1;                ///< id ending each document, or -1
  std::uint64_t tokenizer_hash = 0;           ///< tokenizer_hash() of the tokenizer used
  std::int64_t document_count = 0;            ///< D
};

/// @brief The hash that ties a token file to its tokenizer: FNV-1a 64 of the bytes the
/// tokenizer's save() writes (the tinygpt-bpe or tinygpt-char file), so it equals
/// tokenizer_file_hash() of a file written by save(). Works for text::BpeTokenizer and
/// text::CharTokenizer; any other tokenizer is an Error. Saves into a private temporary
/// file, which is removed.
/// @param tokenizer the tokenizer.
/// @return its hash.
std::uint64_t tokenizer_hash(const text::Tokenizer& tokenizer);

/// @brief FNV-1a 64 of a tokenizer file's bytes; equal to tokenizer_hash() of the tokenizer
/// it holds when the file was written by save().
/// @param path the tokenizer file (Error "no file PATH" when missing).
/// @return its hash.
std::uint64_t tokenizer_file_hash(const std::filesystem::path& path);

/// @brief The id of the end-of-text special token "<|endoftext|>", if the tokenizer is a
/// text::BpeTokenizer that has it.
/// @param tokenizer the tokenizer.
/// @return the id, or -1 when there is none.
std::int32_t end_of_text_id(const text::Tokenizer& tokenizer);

/// @brief Writes a token file atomically.
///
/// Throws Error naming the file when a token is outside [0, vocab_size) (with its position
/// and value), the document starts are not 0, non-decreasing and at most tokens.size(),
/// or the separator is not -1 or inside the vocabulary.
/// @param path the file to create or replace.
/// @param tokens the N tokens.
/// @param document_starts D positions where documents begin (empty: no documents).
/// @param vocab_size V, in [1, 2^31).
/// @param tokenizer_hash tokenizer_hash() of the tokenizer that made the tokens.
/// @param separator the id that ends each document, or -1.
void write_token_file(const std::filesystem::path& path, std::span<const std::int32_t> tokens,
                      std::span<const std::int64_t> document_starts, std::int32_t vocab_size,
                      std::uint64_t tokenizer_hash, std::int32_t separator = -1);

/// @brief A token file, memory-mapped read-only; unmapped when it goes. Move-only.
///
/// Opening checks everything that can be checked without reading the tokens: the magic,
/// the version, the dtype, the vocabulary size against the dtype, the exact file size and
/// the document table. Each failure is an Error naming the file and what to do.
class TokenFile {
 public:
  /// @brief Maps the file and checks its header.
  /// @param path a file written by write_token_file().
  explicit TokenFile(const std::filesystem::path& path);
  /// @brief Unmaps the file.
  ~TokenFile();
  /// Not copyable: the mapping has one owner.
  TokenFile(const TokenFile&) = delete;
  /// Not copyable: the mapping has one owner.
  TokenFile& operator=(const TokenFile&) = delete;
  /// @param other the file to take over; it is left empty.
  TokenFile(TokenFile&& other) noexcept;
  /// @param other the file to take over; it is left empty.
  /// @return this.
  TokenFile& operator=(TokenFile&& other) noexcept;

  /// @return the file's path.
  const std::filesystem::path& path() const { return path_; }
  /// @return its header.
  const TokenFileHeader& header() const { return header_; }
  /// @return N, the number of tokens.
  std::int64_t size() const { return header_.token_count; }
  /// @return V, the vocabulary size.
  std::int32_t vocab_size() const { return header_.vocab_size; }

  /// @param position in [0, N).
  /// @return the token there.
  std::int32_t token(std::int64_t position) const;
  /// @brief Copies tokens [start, start + out.size()) into out (Error when out of range).
  /// @param start first position.
  /// @param out receives the tokens.
  void copy_tokens(std::int64_t start, std::span<std::int32_t> out) const;
  /// @param start first position.
  /// @param count number of tokens; start + count <= N.
  /// @return tokens [start, start + count).
  std::vector<std::int32_t> tokens(std::int64_t start, std::int64_t count) const;
  /// @return the tokens in place when the dtype is uint16 (Error otherwise).
  std::span<const std::uint16_t> tokens_u16() const;
  /// @return the tokens in place when the dtype is uint32 (Error otherwise).
  std::span<const std::uint32_t> tokens_u32() const;

  /// @return D, the number of documents.
  std::int64_t document_count() const { return header_.document_count; }
  /// @param document in [0, D]; D gives N.
  /// @return the position of its first token.
  std::int64_t document_start(std::int64_t document) const;
  /// @param position in [0, N); requires at least one document.
  /// @return the document that holds it.
  std::int64_t document_of(std::int64_t position) const;

  /// @brief Throws Error naming the file when it was not made with the expected tokenizer,
  /// and says to tokenise the corpus again.
  /// @param expected_hash tokenizer_hash() of the tokenizer about to be used.
  void check_tokenizer(std::uint64_t expected_hash) const;

 private:
  void unmap() noexcept;

  std::filesystem::path path_;
  TokenFileHeader header_;
  const unsigned char* data_ = nullptr;  // the mapping, or nullptr
  std::size_t mapped_bytes_ = 0;
  const std::uint64_t* document_starts_ = nullptr;  // (D) in the mapping
  const unsigned char* tokens_ = nullptr;           // (N * dtype bytes) in the mapping
};

/// @brief What write_records_token_file() wrote.
struct TokenFileInfo {
  std::filesystem::path path;  ///< the file
  std::int64_t tokens = 0;     ///< N
  std::int64_t documents = 0;  ///< D: one per record
  std::int64_t bytes = 0;      ///< UTF-8 bytes of the records' text
};

/// @brief Tokenises records into one token file: each record encoded on its own, followed
/// by `separator` when it is not -1; each record is one document.
/// @param path the file to write, atomically.
/// @param records the records.
/// @param tokenizer the tokenizer.
/// @param separator the id ending each record (end_of_text_id()), or -1.
/// @return what was written.
TokenFileInfo write_records_token_file(const std::filesystem::path& path,
                                       std::span<const std::string> records,
                                       const text::Tokenizer& tokenizer, std::int32_t separator);

/// @brief The two token files of a corpus.
struct CorpusTokenFiles {
  TokenFileInfo train;       ///< train.tokens
  TokenFileInfo validation;  ///< validation.tokens
};

/// @brief Tokenises a corpus's two sides into `dir`/train.tokens and
/// `dir`/validation.tokens, records joined by end_of_text_id(tokenizer) when it has one.
/// @param corpus the corpus, already split (corpus.h: by is_validation_record()).
/// @param tokenizer the tokenizer.
/// @param dir the folder (created if missing).
/// @return what was written.
CorpusTokenFiles write_corpus_token_files(const Corpus& corpus, const text::Tokenizer& tokenizer,
                                          const std::filesystem::path& dir);

}  // namespace tinygpt::data
