/// @file files.h
/// @brief Reading and writing the learner's files: whole-file reads, atomic writes (a
/// crash never leaves half a file), and the content hash that tells whether a file changed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tinygpt::course {

/// @brief The bytes of a file; an error naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// @brief The bytes of a file, or nothing when it does not exist.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

/// @brief Replaces `path` with `content` through a temporary file in the same folder and a
/// rename, so readers see the old file or the new one, never a mix. Keeps the permissions
/// of the file it replaces (new files get rw-r--r--); creates missing folders.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// @brief A 64-bit FNV-1a hash of `content`, as 16 hex digits. It only detects edits made
/// since a check; it is no protection against a learner who forges progress.json.
std::string content_hash(std::string_view content);

}  // namespace tinygpt::course
