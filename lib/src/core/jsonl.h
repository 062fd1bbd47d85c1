// Reading JSON Lines files (one JSON object per line), as the generated world and the
// training runs write them: what every reader of a .jsonl file in the library shares.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::detail {

/// @brief Calls `use(record, where)` for each non-empty line of a JSONL file, parsed as an
/// object of type `Json` (nlohmann::json, or ordered_json to keep the fields in file order),
/// where `where` is "FILE:LINE" for the caller's own messages. A line that is not a JSON
/// object is an Error "FILE:LINE: not a JSON object".
/// @param path the file (read whole; Error naming it when it cannot be read).
/// @param use the callback.
template <typename Json, typename Use>
void for_each_jsonl_object(const std::filesystem::path& path, Use use) {
  const std::string text = read_file(path);
  std::size_t start = 0;
  for (std::int64_t number = 1; start < text.size(); ++number) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    const std::string where = path.string() + ":" + std::to_string(number);
    const Json record = Json::parse(line, nullptr, false);
    TINYGPT_CHECK(record.is_object(), where, ": not a JSON object");
    use(record, where);
  }
}

}  // namespace tinygpt::detail
