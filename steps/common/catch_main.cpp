// Catch2's main, compiled once for all test executables (see steps/common/CMakeLists.txt).
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>  // Catch2 v3
#else
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>  // Catch2 v2
#endif

#if __has_include(<catch2/catch_session.hpp>)
int main(int argc, char* argv[]) {
  return Catch::Session().run(argc, argv);
}
#endif
