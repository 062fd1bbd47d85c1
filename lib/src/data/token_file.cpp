// Token files: writing (atomically, checking every id), reading (mmap, checking the header
// and the size), the tokenizer's hash, and tokenising a corpus.
#include "tinygpt/data/token_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/char_tokenizer.h"

namespace tinygpt::data {

static_assert(std::endian::native == std::endian::little,
              "token files are mapped in place and are little-endian");

namespace fs = std::filesystem;

namespace {

// Header offsets (see the table in token_file.h).
constexpr std::size_t kVersionOffset = 8;
constexpr std::size_t kDtypeOffset = 12;
constexpr std::size_t kCountOffset = 16;
constexpr std::size_t kVocabOffset = 24;
constexpr std::size_t kSeparatorOffset = 28;
constexpr std::size_t kHashOffset = 32;
constexpr std::size_t kDocumentsOffset = 40;

// Little-endian integers into and out of a byte buffer, one byte at a time, so the code
// says what the format is rather than what this machine happens to be.
void put_le(std::string& out, std::size_t offset, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out[offset + static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFF);
  }
}

std::uint64_t get_le(const unsigned char* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | in[i];
  return value;
}

std::string hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 60; shift >= 0; shift -= 4) text += kDigits[(value >> shift) & 0xF];
  return text;
}

std::uint64_t hash_saved(const text::Tokenizer& tokenizer) {
  // A private name per call: several threads or processes may hash at once.
  static std::atomic<std::uint64_t> counter{0};
  const fs::path path =
      fs::temp_directory_path() /
      detail::concat("tinygpt-tokenizer-hash-", ::getpid(), "-", counter.fetch_add(1), ".txt");
  if (const auto* bpe = dynamic_cast<const text::BpeTokenizer*>(&tokenizer)) {
    bpe->save(path);
  } else if (const auto* chars = dynamic_cast<const text::CharTokenizer*>(&tokenizer)) {
    chars->save(path);
  } else {
    throw Error(detail::concat("tokenizer_hash: cannot hash '", tokenizer.describe(),
                               "': only BpeTokenizer and CharTokenizer can be saved"));
  }
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (...) {
    std::error_code ignored;
    fs::remove(path, ignored);
    throw;
  }
  std::error_code ignored;
  fs::remove(path, ignored);
  return fnv1a_64(bytes);
}

}  // namespace

TokenDtype token_dtype_for(std::int64_t vocab_size) {
  TINYGPT_CHECK(vocab_size >= 1, "token_dtype_for: vocabulary size must be at least 1, got ",
                vocab_size);
  return vocab_size <= 65536 ? TokenDtype::kUint16 : TokenDtype::kUint32;
}

std::uint64_t tokenizer_hash(const text::Tokenizer& tokenizer) {
  return hash_saved(tokenizer);
}

std::uint64_t tokenizer_file_hash(const fs::path& path) {
  return fnv1a_64(read_file(path));
}

std::int32_t end_of_text_id(const text::Tokenizer& tokenizer) {
  const auto* bpe = dynamic_cast<const text::BpeTokenizer*>(&tokenizer);
  if (bpe == nullptr) return -1;
  // BpeTokenizer has no "has special" query; special_id throws for an unknown special.
  try {
    return bpe->special_id("<|endoftext|>");
  } catch (const Error&) {
    return -1;
  }
}

// ---------------------------------------------------------------------------------------
// Writing

void write_token_file(const fs::path& path, std::span<const std::int32_t> tokens,
                      std::span<const std::int64_t> document_starts, std::int32_t vocab_size,
                      std::uint64_t tokenizer_hash, std::int32_t separator) {
  const std::string name = path.string();
  TINYGPT_CHECK(vocab_size >= 1, "write_token_file ", name,
                ": vocabulary size must be at least 1, got ", vocab_size);
  TINYGPT_CHECK(separator == -1 || (separator >= 0 && separator < vocab_size), "write_token_file ",
                name, ": separator ", separator, " is neither -1 nor in the vocabulary [0, ",
                vocab_size, ")");
  const auto count = static_cast<std::int64_t>(tokens.size());
  for (std::size_t d = 0; d < document_starts.size(); ++d) {
    const std::int64_t start = document_starts[d];
    const std::int64_t previous = d == 0 ? 0 : document_starts[d - 1];
    TINYGPT_CHECK((d > 0 || start == 0) && start >= previous && start <= count, "write_token_file ",
                  name, ": document ", d, " starts at ", start,
                  "; starts must begin at 0, never decrease and be at most the token count ",
                  count);
  }
  const TokenDtype dtype = token_dtype_for(vocab_size);
  const int width = static_cast<int>(dtype);
  const std::size_t tokens_offset = kTokenFileHeaderBytes + 8 * document_starts.size();
  std::string bytes(tokens_offset + tokens.size() * static_cast<std::size_t>(width), '\0');

  std::memcpy(bytes.data(), kTokenFileMagic.data(), kTokenFileMagic.size());
  put_le(bytes, kVersionOffset, kTokenFileVersion, 4);
  put_le(bytes, kDtypeOffset, static_cast<std::uint32_t>(dtype), 4);
  put_le(bytes, kCountOffset, static_cast<std::uint64_t>(count), 8);
  put_le(bytes, kVocabOffset, static_cast<std::uint32_t>(vocab_size), 4);
  put_le(bytes, kSeparatorOffset, static_cast<std::uint32_t>(separator), 4);
  put_le(bytes, kHashOffset, tokenizer_hash, 8);
  put_le(bytes, kDocumentsOffset, document_starts.size(), 8);
  for (std::size_t d = 0; d < document_starts.size(); ++d) {
    put_le(bytes, kTokenFileHeaderBytes + 8 * d, static_cast<std::uint64_t>(document_starts[d]), 8);
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::int32_t id = tokens[i];
    TINYGPT_CHECK(id >= 0 && id < vocab_size, "write_token_file ", name, ": token ", i, " is ", id,
                  ", outside the vocabulary [0, ", vocab_size,
                  "); was it made by another tokenizer?");
    put_le(bytes, tokens_offset + i * static_cast<std::size_t>(width),
           static_cast<std::uint32_t>(id), width);
  }
  write_file_atomically(path, bytes);
}

// ---------------------------------------------------------------------------------------
// Reading

TokenFile::TokenFile(const fs::path& path) : path_(path) {
  const std::string name = path.string();
  TINYGPT_CHECK(fs::is_regular_file(path), "no token file ", name,
                " (tokenise the corpus first; the trainer does it when the file is missing)");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  TINYGPT_CHECK(fd >= 0, "cannot read token file ", name, ": ", std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    throw Error(detail::concat("cannot read token file ", name, ": ", std::strerror(error)));
  }
  const auto file_bytes = static_cast<std::uint64_t>(info.st_size);
  if (file_bytes < static_cast<std::uint64_t>(kTokenFileHeaderBytes)) {
    ::close(fd);
    throw Error(detail::concat(name, " is not a token file or is truncated: ", file_bytes,
                               " bytes, fewer than the ", kTokenFileHeaderBytes,
                               "-byte header; tokenise the corpus again"));
  }
  void* mapping = ::mmap(nullptr, file_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_error = errno;
  ::close(fd);  // the mapping keeps the file open
  TINYGPT_CHECK(mapping != MAP_FAILED, "cannot map token file ", name, ": ",
                std::strerror(map_error));
  data_ = static_cast<const unsigned char*>(mapping);
  mapped_bytes_ = file_bytes;

  try {
    TINYGPT_CHECK(std::memcmp(data_, kTokenFileMagic.data(), kTokenFileMagic.size()) == 0, name,
                  " is not a tinygpt token file: its first 8 bytes are not '", kTokenFileMagic,
                  "'");
    header_.version = static_cast<std::uint32_t>(get_le(data_ + kVersionOffset, 4));
    TINYGPT_CHECK(header_.version == kTokenFileVersion, name, " is a token file of version ",
                  header_.version, ", but this build reads version ", kTokenFileVersion,
                  " only; tokenise the corpus again");
    const auto dtype = static_cast<std::uint32_t>(get_le(data_ + kDtypeOffset, 4));
    TINYGPT_CHECK(dtype == 2 || dtype == 4, name, " has unknown dtype ", dtype,
                  " (2 for uint16 or 4 for uint32 expected); the file is corrupt");
    header_.dtype = static_cast<TokenDtype>(dtype);
    const std::uint64_t count = get_le(data_ + kCountOffset, 8);
    const std::uint64_t vocab = get_le(data_ + kVocabOffset, 4);
    header_.separator = static_cast<std::int32_t>(get_le(data_ + kSeparatorOffset, 4));
    header_.tokenizer_hash = get_le(data_ + kHashOffset, 8);
    const std::uint64_t documents = get_le(data_ + kDocumentsOffset, 8);
    TINYGPT_CHECK(vocab >= 1 && vocab < (std::uint64_t{1} << 31) && (dtype == 4 || vocab <= 65536),
                  name, " has vocabulary size ", vocab, ", impossible for dtype ", dtype,
                  "; the file is corrupt");
    header_.vocab_size = static_cast<std::int32_t>(vocab);
    TINYGPT_CHECK(header_.separator >= -1 && header_.separator < header_.vocab_size, name,
                  " has separator ", header_.separator, " outside the vocabulary; corrupt file");
    // Sizes below 2^40 keep the products exact; anything larger cannot match the file size.
    constexpr std::uint64_t kLimit = std::uint64_t{1} << 40;
    const std::uint64_t expected =
        count < kLimit && documents < kLimit
            ? static_cast<std::uint64_t>(kTokenFileHeaderBytes) + 8 * documents + count * dtype
            : 0;
    TINYGPT_CHECK(expected == file_bytes, name, " is truncated or corrupt: its header promises ",
                  count, " tokens of ", dtype, " bytes and ", documents, " documents (",
                  expected == 0 ? std::string("far more") : std::to_string(expected),
                  " bytes in all) but the file has ", file_bytes,
                  " bytes; tokenise the corpus again");
    header_.token_count = static_cast<std::int64_t>(count);
    header_.document_count = static_cast<std::int64_t>(documents);
    document_starts_ = reinterpret_cast<const std::uint64_t*>(data_ + kTokenFileHeaderBytes);
    tokens_ = data_ + kTokenFileHeaderBytes + 8 * documents;
    for (std::uint64_t d = 0; d < documents; ++d) {
      const std::uint64_t start = document_starts_[d];
      const std::uint64_t previous = d == 0 ? 0 : document_starts_[d - 1];
      TINYGPT_CHECK((d > 0 || start == 0) && start >= previous && start <= count, name,
                    " is corrupt: document ", d, " starts at ", start,
                    " (starts must begin at 0, never decrease and stay within the ", count,
                    " tokens)");
    }
  } catch (...) {
    unmap();
    throw;
  }
}

TokenFile::~TokenFile() {
  unmap();
}

TokenFile::TokenFile(TokenFile&& other) noexcept
    : path_(std::move(other.path_)),
      header_(other.header_),
      data_(std::exchange(other.data_, nullptr)),
      mapped_bytes_(std::exchange(other.mapped_bytes_, 0)),
      document_starts_(std::exchange(other.document_starts_, nullptr)),
      tokens_(std::exchange(other.tokens_, nullptr)) {
  other.header_ = TokenFileHeader{};
}

TokenFile& TokenFile::operator=(TokenFile&& other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    header_ = std::exchange(other.header_, TokenFileHeader{});
    data_ = std::exchange(other.data_, nullptr);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
    document_starts_ = std::exchange(other.document_starts_, nullptr);
    tokens_ = std::exchange(other.tokens_, nullptr);
  }
  return *this;
}

void TokenFile::unmap() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), mapped_bytes_);
  data_ = nullptr;
  mapped_bytes_ = 0;
  document_starts_ = nullptr;
  tokens_ = nullptr;
}

std::int32_t TokenFile::token(std::int64_t position) const {
  TINYGPT_CHECK(position >= 0 && position < size(), "TokenFile ", path_.string(), ": position ",
                position, " is outside [0, ", size(), ")");
  if (header_.dtype == TokenDtype::kUint16) {
    return reinterpret_cast<const std::uint16_t*>(tokens_)[position];
  }
  return static_cast<std::int32_t>(reinterpret_cast<const std::uint32_t*>(tokens_)[position]);
}

void TokenFile::copy_tokens(std::int64_t start, std::span<std::int32_t> out) const {
  const auto count = static_cast<std::int64_t>(out.size());
  TINYGPT_CHECK(start >= 0 && count <= size() && start <= size() - count, "TokenFile ",
                path_.string(), ": tokens [", start, ", ", start + count, ") are outside [0, ",
                size(), ")");
  if (header_.dtype == TokenDtype::kUint16) {
    const std::uint16_t* in = reinterpret_cast<const std::uint16_t*>(tokens_) + start;
    for (std::int64_t i = 0; i < count; ++i) out[i] = in[i];
  } else {
    const std::uint32_t* in = reinterpret_cast<const std::uint32_t*>(tokens_) + start;
    for (std::int64_t i = 0; i < count; ++i) out[i] = static_cast<std::int32_t>(in[i]);
  }
}

std::vector<std::int32_t> TokenFile::tokens(std::int64_t start, std::int64_t count) const {
  TINYGPT_CHECK(count >= 0, "TokenFile ", path_.string(), ": negative count ", count);
  std::vector<std::int32_t> out(static_cast<std::size_t>(count));
  copy_tokens(start, out);
  return out;
}

std::span<const std::uint16_t> TokenFile::tokens_u16() const {
  TINYGPT_CHECK(header_.dtype == TokenDtype::kUint16, "TokenFile ", path_.string(),
                " holds uint32 tokens, not uint16");
  return {reinterpret_cast<const std::uint16_t*>(tokens_), static_cast<std::size_t>(size())};
}

std::span<const std::uint32_t> TokenFile::tokens_u32() const {
  TINYGPT_CHECK(header_.dtype == TokenDtype::kUint32, "TokenFile ", path_.string(),
                " holds uint16 tokens, not uint32");
  return {reinterpret_cast<const std::uint32_t*>(tokens_), static_cast<std::size_t>(size())};
}

std::int64_t TokenFile::document_start(std::int64_t document) const {
  TINYGPT_CHECK(document >= 0 && document <= document_count(), "TokenFile ", path_.string(),
                ": document ", document, " is outside [0, ", document_count(), "]");
  if (document == document_count()) return size();
  return static_cast<std::int64_t>(document_starts_[document]);
}

std::int64_t TokenFile::document_of(std::int64_t position) const {
  TINYGPT_CHECK(position >= 0 && position < size(), "TokenFile ", path_.string(), ": position ",
                position, " is outside [0, ", size(), ")");
  TINYGPT_CHECK(document_count() > 0, "TokenFile ", path_.string(), " has no document table");
  // The last document whose start is <= position (empty documents share a start; the
  // last of them is the one that holds the token).
  const std::uint64_t* end = document_starts_ + document_count();
  const std::uint64_t* after =
      std::upper_bound(document_starts_, end, static_cast<std::uint64_t>(position));
  return (after - document_starts_) - 1;
}

void TokenFile::check_tokenizer(std::uint64_t expected_hash) const {
  TINYGPT_CHECK(header_.tokenizer_hash == expected_hash, path_.string(),
                " was tokenised with another tokenizer (hash ", hex(header_.tokenizer_hash),
                ", this tokenizer's is ", hex(expected_hash),
                "); delete it and tokenise the corpus again with this tokenizer");
}

// ---------------------------------------------------------------------------------------
// Tokenising corpora

TokenFileInfo write_records_token_file(const fs::path& path, std::span<const std::string> records,
                                       const text::Tokenizer& tokenizer, std::int32_t separator) {
  TokenFileInfo info;
  info.path = path;
  std::vector<std::int32_t> tokens;
  std::vector<std::int64_t> starts;
  starts.reserve(records.size());
  for (const std::string& record : records) {
    starts.push_back(static_cast<std::int64_t>(tokens.size()));
    const std::vector<std::int32_t> ids = tokenizer.encode(record);
    tokens.insert(tokens.end(), ids.begin(), ids.end());
    if (separator >= 0) tokens.push_back(separator);
    info.bytes += static_cast<std::int64_t>(record.size());
  }
  write_token_file(path, tokens, starts, tokenizer.vocab_size(), tokenizer_hash(tokenizer),
                   separator);
  info.tokens = static_cast<std::int64_t>(tokens.size());
  info.documents = static_cast<std::int64_t>(starts.size());
  return info;
}

CorpusTokenFiles write_corpus_token_files(const Corpus& corpus, const text::Tokenizer& tokenizer,
                                          const fs::path& dir) {
  const std::int32_t separator = end_of_text_id(tokenizer);
  CorpusTokenFiles files;
  files.train = write_records_token_file(dir / "train.tokens", corpus.train, tokenizer, separator);
  files.validation =
      write_records_token_file(dir / "validation.tokens", corpus.validation, tokenizer, separator);
  return files;
}

}  // namespace tinygpt::data
