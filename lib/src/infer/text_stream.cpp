// A generation's text as it streams (infer/text_stream.h).
#include "tinygpt/infer/text_stream.h"

#include <algorithm>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/infer/stop_strings.h"

namespace tinygpt::infer {

TextStream::TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stops)
    : tokenizer_(&tokenizer), stops_(std::move(stops)) {
  for (std::size_t i = 0; i < stops_.size(); ++i) {
    TINYGPT_CHECK(!stops_[i].empty(), "stop string ", i, " is empty");
  }
}

TextStream::Delta TextStream::push(std::int32_t token) {
  pending_ += tokenizer_->decode({&token, 1});
  const StopScan scan = scan_stop_strings(pending_, stops_);
  // A stop string ends the text at its start; otherwise what may be shown also stops
  // short of a character that is not complete yet.
  const std::size_t show =
      scan.stopped ? scan.show : std::min(scan.show, complete_utf8_prefix(pending_));
  Delta delta{pending_.substr(0, show), scan.stopped};
  pending_.erase(0, scan.stopped ? pending_.size() : show);
  return delta;
}

std::string TextStream::finish() {
  std::string rest;
  rest.swap(pending_);
  return rest;
}

}  // namespace tinygpt::infer
