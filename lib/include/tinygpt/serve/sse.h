/// @file sse.h
/// @brief Server-sent events (the WHATWG HTML standard, section 9.2): how a streaming answer
/// travels over one HTTP response, token by token.
///
/// The response has Content-Type text/event-stream and never announces its length. Each
/// event is one or more `data:` lines ended by an empty line; a client joins an event's data
/// lines with "\n" and hands the event over when the empty line arrives. OpenAI's API sends
/// one JSON chunk per event and ends the stream with the event `[DONE]`:
///
///     data: {"id":"cmpl-1","choices":[{"text":"Ossel","index":0}]}
///
///     data: [DONE]
///
/// A line of its own starting with ':' is a comment, which clients ignore: a server can send
/// one to keep a quiet connection alive, or to find out whether the client is still there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::serve {

/// @brief Frames one event (exercise 07.4): each line of `data` becomes a line
/// "data: LINE", and an empty line ends the event.
///
/// A line break inside the data is "\r\n", "\n" or "\r" (the standard accepts all three),
/// so "a\nb" becomes "data: a\ndata: b\n\n" and a client reads back "a\nb". Empty data is
/// the one line "data: ".
/// @param data the event's payload (a JSON chunk, "[DONE]").
/// @return the bytes to send.
std::string sse_event(std::string_view data);

/// @brief Reads a whole event stream the way a client does: `data:` lines joined by "\n",
/// events handed over at an empty line; comments and other fields (event:, id:, retry:) are
/// skipped, one space after the colon is dropped, and an unfinished event at the end is
/// discarded.
/// @param stream the response's body.
/// @return each event's data, in order.
std::vector<std::string> sse_data(std::string_view stream);

}  // namespace tinygpt::serve
