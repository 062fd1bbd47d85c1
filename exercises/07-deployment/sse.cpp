// Exercise 07.4: framing a server-sent event.
// Lesson: steps/07-deployment/README.md, "Streaming: server-sent events".
// Check your work: tinygpt course check 07        Stuck? tinygpt course hint 07.4
#include "tinygpt/serve/sse.h"
#include "tinygpt/core/check.h"

namespace tinygpt::serve {

std::string sse_event(std::string_view data) {
  // Start with "data: ", copy the characters, and start a new "data: " line at every line
  // break ("\r\n" counts once). End with the empty line that completes the event.
  throw NotImplemented("exercise 07.4 (sse_event)");
}

}  // namespace tinygpt::serve
