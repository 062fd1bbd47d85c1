/// @file git.h
/// @brief What the course asks git: which ref holds the shipped stubs, a file's content at
/// that ref, and which files the repository tracks.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tinygpt::course {

/// @brief Runs `git -C dir args...` and returns its standard output; an error quoting
/// git's own message when it fails.
std::string run_git(const std::filesystem::path& dir, const std::vector<std::string>& args);

/// @brief Runs `git -C dir args...`: its standard output, or nothing when it fails.
std::optional<std::string> try_git(const std::filesystem::path& dir,
                                   const std::vector<std::string>& args);

/// @brief The ref that holds the shipped stubs: `requested` when given (it must exist),
/// else the branch's upstream, else origin/HEAD, else origin/main; an error when none exists.
std::string resolve_upstream(const std::filesystem::path& root, const std::string& requested);

/// @brief The content of `path` (relative to `root`) at `ref`, or nothing when the ref
/// has no such file.
std::optional<std::string> file_at_ref(const std::filesystem::path& root, const std::string& ref,
                                       const std::string& path);

/// @brief The files git tracks below `root`, relative to it (`git ls-files`).
/// @param include_untracked also the files git does not track but does not ignore either.
std::vector<std::string> list_files(const std::filesystem::path& root, bool include_untracked);

}  // namespace tinygpt::course
