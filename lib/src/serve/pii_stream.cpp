// A streamed answer's text with its personal data redacted (pii_stream.h).
#include "tinygpt/serve/pii_stream.h"

#include <vector>

#include "tinygpt/serve/pii.h"

namespace tinygpt::serve {

std::string PiiStream::release(bool final) {
  if (!redact_) {
    std::string piece = raw_.substr(sent_);
    sent_ = raw_.size();
    return piece;
  }
  std::size_t cut = final ? raw_.size() : (raw_.size() > kHold ? raw_.size() - kHold : 0);
  // Only the text not sent yet is scanned (the cut never falls inside a span found, so no
  // span straddles sent_), which keeps a long answer linear rather than quadratic.
  const std::string_view unsent = std::string_view(raw_).substr(sent_);
  const std::vector<PiiSpan> spans = find_pii(unsent);
  for (const PiiSpan& span : spans) {
    if (sent_ + span.begin < cut && sent_ + span.end > cut) cut = sent_ + span.begin;
  }
  if (cut <= sent_) return "";
  std::vector<PiiSpan> inside;
  for (const PiiSpan& span : spans) {
    if (sent_ + span.end <= cut) inside.push_back(span);
  }
  std::string piece = redact_spans(unsent.substr(0, cut - sent_), inside);
  sent_ = cut;
  return piece;
}

}  // namespace tinygpt::serve
