/// @file files.h
/// @brief Reading and writing the learner's files: whole-file reads, atomic writes (a
/// crash never leaves half a file), and the content hash that tells whether a file changed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "tinygpt/core/files.h"

namespace tinygpt::course {

using tinygpt::read_file;
using tinygpt::write_file_atomically;

/// @brief The bytes of a file, or nothing when it does not exist.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

/// @brief A 64-bit FNV-1a hash of `content`, as 16 hex digits. It only detects edits made
/// since a check; it is no protection against a learner who forges progress.json.
std::string content_hash(std::string_view content);

}  // namespace tinygpt::course
