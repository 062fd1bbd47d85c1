/// @file api_keys.h
/// @brief The API keys a server accepts, read from a file, and the comparison that does not
/// tell an attacker how much of a guess was right.
///
/// An ordinary string comparison returns at the first byte that differs, so the time it
/// takes reveals how long the matching start of a guess is; measured over many requests,
/// that is enough to recover a key byte by byte. constant_time_equal() looks at every byte
/// of the stored key whatever the guess, and ApiKeys::find() compares the guess with every
/// key, so neither where a guess goes wrong nor which key it resembles changes the time.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::serve {

/// @brief Compares a presented secret with a stored one in a time that depends only on the
/// stored one's length.
/// @param presented what the client sent.
/// @param stored the secret.
/// @return whether they are equal.
bool constant_time_equal(std::string_view presented, std::string_view stored);

/// @brief The keys a server accepts, each with a name for logs and rate limits (the key
/// itself is never logged).
class ApiKeys {
 public:
  /// @brief Reads a keys file: one key per line, optionally "NAME KEY" (a name without
  /// spaces, then the key); empty lines and lines starting with '#' are skipped; an
  /// unnamed key is named "key-N" after its line. Error naming the file and line for a key
  /// shorter than 16 characters, a key with spaces, a repeated key or name, or a file
  /// without keys.
  /// @param file the file.
  /// @return the keys.
  static ApiKeys read(const std::filesystem::path& file);

  /// @brief Finds the key a client presented, comparing it with every key in constant time.
  /// @param presented the bearer token of the request.
  /// @return the key's name, or nothing when no key matches.
  std::optional<std::string> find(std::string_view presented) const;

  /// @return how many keys there are.
  std::size_t size() const { return keys_.size(); }

 private:
  struct Key {
    std::string name;
    std::string secret;
  };
  std::vector<Key> keys_;
};

}  // namespace tinygpt::serve
