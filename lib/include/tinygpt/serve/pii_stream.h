/// @file pii_stream.h
/// @brief A generated answer released as it streams, with its personal data redacted.
///
/// Redacting a whole text is find_pii() and redact_spans() (pii.h). A stream is harder: the
/// first half of an e-mail address may be ready to send before its second half is
/// generated, and once sent it cannot be taken back. So the stream holds its last kHold
/// characters back (no personal data the scanners know is longer) and never cuts inside a
/// span it has found; what it releases, joined, is the redaction of the whole text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tinygpt::serve {

/// @brief One answer's text, released piece by piece.
class PiiStream {
 public:
  /// Characters held back while the text may still grow.
  static constexpr std::size_t kHold = 64;

  /// @param redact whether to redact; false: every piece is released at once, unchanged.
  explicit PiiStream(bool redact) : redact_(redact) {}

  /// @brief Appends newly generated text.
  /// @param text the text.
  void add(std::string_view text) { raw_ += text; }

  /// @return everything added so far, unredacted (for checks that must see it).
  const std::string& raw() const { return raw_; }

  /// @brief What may be sent now.
  /// @param final whether the text is complete (then everything left is released).
  /// @return the next piece, redacted (possibly empty).
  std::string release(bool final);

 private:
  bool redact_;
  std::string raw_;
  std::size_t sent_ = 0;  // bytes of raw_ released so far
};

}  // namespace tinygpt::serve
