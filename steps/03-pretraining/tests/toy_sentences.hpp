// Made-up sentences with structure to learn ("the red cat sees the big dog."), shared by the
// trainer tests and the MPI test program: small corpora that train in seconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinygpt::testing {

// `count` sentences, the same for the same seed (a linear congruential generator, so the
// corpus never depends on the library's RNG under test).
inline std::vector<std::string> toy_sentences(std::uint32_t seed, int count) {
  const char* adjectives[] = {"red", "big", "old", "shy"};
  const char* nouns[] = {"cat", "dog", "fox", "owl"};
  const char* verbs[] = {"sees", "likes", "finds"};
  std::vector<std::string> records;
  std::uint32_t x = seed;
  const auto next = [&x](std::uint32_t n) {
    x = x * 1664525u + 1013904223u;
    return (x >> 16) % n;
  };
  for (int i = 0; i < count; ++i) {
    records.push_back(std::string("the ") + adjectives[next(4)] + " " + nouns[next(4)] + " " +
                      verbs[next(3)] + " the " + adjectives[next(4)] + " " + nouns[next(4)] + ".");
  }
  return records;
}

}  // namespace tinygpt::testing
