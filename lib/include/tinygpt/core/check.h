/// @file check.h
/// @brief Errors of the library and TINYGPT_CHECK, the precondition check every public
/// function runs on entry.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace tinygpt {

/// @brief Every error the library reports: a bad shape, a bad value, a bad file.
///
/// The message (what()) names the operation, the shapes involved and the offending value:
/// everything a user needs. A failed TINYGPT_CHECK also keeps its condition and source
/// location (check()), for developers: front-ends show it in debug builds or when asked
/// (`tinygpt --verbose`), not to every user.
class Error : public std::runtime_error {
 public:
  /// @param message what went wrong, for a human.
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  /// @param message what went wrong, for a human.
  /// @param check the failed condition and where it is ("a == b at matmul.cpp:23").
  Error(const std::string& message, std::string check)
      : std::runtime_error(message), check_(std::move(check)) {}
  /// @return the failed check's condition and source location, or "" when the error did
  /// not come from TINYGPT_CHECK.
  const std::string& check() const { return check_; }

 private:
  std::string check_;
};

/// The words every NotImplemented message carries after "exercise NN.M (...)"; the course
/// tools look for them to tell a stub's failure from any other.
inline constexpr std::string_view kNotImplementedMarker = " is not implemented yet";

/// @brief Thrown by a learner's exercise stub that has not been written yet.
///
/// The message starts with "exercise NN.M", which is how the course tools tell which
/// exercise a failing test is waiting for.
class NotImplemented : public Error {
 public:
  /// @param what "exercise NN.M (title)": the id and what to write; see
  ///             exercises/NN-name/manifest.json.
  explicit NotImplemented(const std::string& what);
};

namespace detail {

/// @brief Builds the message of a failed check and throws Error.
/// @param file source file of the check.
/// @param line source line of the check.
/// @param condition the condition that was false, as written.
/// @param message the explanation built by TINYGPT_CHECK.
[[noreturn]] void throw_check_failure(const char* file, int line, const char* condition,
                                      const std::string& message);

/// @brief Streams all arguments into one string (an empty pack gives "").
/// @param parts values with an operator<<.
/// @return the concatenation.
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

}  // namespace detail
}  // namespace tinygpt

/// @brief Throws tinygpt::Error when `condition` is false.
///
/// The remaining arguments are streamed into the message, so name the op, the shapes and
/// the offending value: `TINYGPT_CHECK(a.cols() == b.rows(), "matmul: a is ", shape(a),
/// " but b is ", shape(b))`. A macro (not a function) because the message is built only
/// when the check fails and the file and line come from the call site.
#define TINYGPT_CHECK(condition, ...)                                                 \
  do {                                                                                \
    if (!(condition)) {                                                               \
      ::tinygpt::detail::throw_check_failure(__FILE__, __LINE__, #condition,          \
                                             ::tinygpt::detail::concat(__VA_ARGS__)); \
    }                                                                                 \
  } while (false)
