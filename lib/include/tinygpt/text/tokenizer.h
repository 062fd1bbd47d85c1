/// @file tokenizer.h
/// @brief The interface every tokenizer implements: text to token ids and back.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::text {

/// @brief Turns text into token ids in [0, vocab_size()) and back.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  /// @param text UTF-8 (or any bytes, for byte-level tokenizers).
  /// @return its token ids.
  virtual std::vector<std::int32_t> encode(std::string_view text) const = 0;
  /// @param ids token ids in [0, vocab_size()); anything else throws Error naming the id.
  /// @return the text they stand for.
  virtual std::string decode(std::span<const std::int32_t> ids) const = 0;
  /// @return the number of distinct ids.
  virtual std::int32_t vocab_size() const = 0;
  /// @return a short description for logs, e.g. "byte-level BPE, 4096 tokens".
  virtual std::string describe() const = 0;
};

}  // namespace tinygpt::text
