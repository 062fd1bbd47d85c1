// Reading server-sent events (sse.h); framing them is exercise 07.4
// (solutions/07-deployment/sse.cpp).
#include "tinygpt/serve/sse.h"

namespace tinygpt::serve {

std::vector<std::string> sse_data(std::string_view stream) {
  std::vector<std::string> events;
  std::string data;
  bool has_data = false;
  std::size_t start = 0;
  while (start < stream.size()) {
    const std::size_t end = stream.find_first_of("\r\n", start);
    if (end == std::string_view::npos) break;  // a line without its end: not finished
    const std::string_view line = stream.substr(start, end - start);
    start = end + 1;
    if (stream[end] == '\r' && start < stream.size() && stream[start] == '\n') ++start;
    if (line.empty()) {  // the end of an event
      if (has_data) events.push_back(data);
      data.clear();
      has_data = false;
      continue;
    }
    if (line.front() == ':') continue;  // a comment
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    if (field != "data") continue;
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (has_data) data += '\n';
    data += value;
    has_data = true;
  }
  return events;
}

}  // namespace tinygpt::serve
