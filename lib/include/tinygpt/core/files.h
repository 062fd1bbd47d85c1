/// @file files.h
/// @brief Whole-file reads, atomic writes and a content hash: the file handling every
/// module and tool shares.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tinygpt {

/// @brief The bytes of a file.
///
/// Throws Error "no file PATH" when it does not exist (or is a folder) and "cannot read
/// PATH" when it cannot be opened.
/// @param path the file.
/// @return its content.
std::string read_file(const std::filesystem::path& path);

/// @brief Replaces `path` with `content` through a temporary file in the same folder,
/// flushed to disk and renamed over it: a reader, or a crash, sees the old file or the new
/// one, never half of one. Keeps the permissions of a file it replaces (new files get
/// rw-r--r--) and creates missing folders. Throws Error naming the file and the reason.
/// @param path the file to write.
/// @param content its new bytes.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// @brief The 64-bit FNV-1a hash: fast, simple and the same on every platform.
/// @param bytes the data.
/// @return its hash (not for security: anyone can forge a collision).
std::uint64_t fnv1a_64(std::string_view bytes);

}  // namespace tinygpt
