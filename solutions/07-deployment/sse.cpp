// Exercise 07.4: framing a server-sent event. Reference solution.
#include "tinygpt/serve/sse.h"

namespace tinygpt::serve {

std::string sse_event(std::string_view data) {
  std::string event = "data: ";
  for (std::size_t k = 0; k < data.size(); ++k) {
    const char c = data[k];
    if (c == '\r' || c == '\n') {
      // "\r\n" is one line break, not two: skip the '\n' that follows a '\r'.
      if (c == '\r' && k + 1 < data.size() && data[k + 1] == '\n') ++k;
      event += "\ndata: ";
    } else {
      event += c;
    }
  }
  event += "\n\n";  // the empty line that hands the event to the client
  return event;
}

}  // namespace tinygpt::serve
