// The one Catch2 include of every test: Catch2 v2 (Debian 12) and v3 (newer systems)
// give the same macros and matchers through it.
#pragma once

#include <string>

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

namespace tinygpt::testing {

/// Matches a string (an exception message, say) that contains `part`.
inline auto contains(const std::string& part) {
#if __has_include(<catch2/catch_all.hpp>)
  return Catch::Matchers::ContainsSubstring(part);
#else
  return Catch::Matchers::Contains(part);
#endif
}

}  // namespace tinygpt::testing
