/// @file page_files.h
/// @brief The chat page of `tinygpt serve` (apps/serve/page/: index.html, chat.css, chat.js),
/// embedded in the program at build time (apps/serve/CMakeLists.txt) and served at / without
/// an API key; the page's own API calls carry the key.
#pragma once

#include <span>

#include "http/server.h"

namespace tinygpt::serve {

/// @return the page's files (index.html, chat.css, chat.js), embedded at build time.
std::span<const http::EmbeddedFile> page_files();

}  // namespace tinygpt::serve
