// Helpers shared by the tests of every step.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/gradcheck.h"
#include "tinygpt/core/parameters.h"
#include "tinygpt/core/rng.h"
#include "tinygpt_catch.hpp"

namespace tinygpt::testing {

/// Finite-difference step and relative-error bound of every gradient check in the course:
/// with float32 values of size ~1 the central difference at h = 1e-2 is accurate to about
/// 1e-4 (truncation h^2 f''' / 6, rounding 1e-7 / h), and a backward off by 1% (the negative
/// control) shows up as about 5e-3.
/// max |actual - expected| / max |expected| (the absolute difference when expected is all
/// zeros): the measure of every parity test.
inline double relative_error(std::span<const float> actual, std::span<const float> expected) {
  REQUIRE(actual.size() == expected.size());
  double difference = 0.0;
  double scale = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    difference = std::max(difference, std::abs(static_cast<double>(actual[i]) - expected[i]));
    scale = std::max(scale, std::abs(static_cast<double>(expected[i])));
  }
  return scale == 0.0 ? difference : difference / scale;
}

inline constexpr float kGradStep = 1e-2f;
inline constexpr double kGradTolerance = 1e-3;

/// A parameter filled with normal values (mean 0, stddev 1) from the given seed. With
/// min_magnitude > 0, values are pushed away from 0 (for ops with a kink there, like ReLU).
inline Tensor random_parameter(ParameterSet& parameters, const std::string& name,
                               const Shape& shape, std::uint64_t seed, float min_magnitude = 0.0f) {
  Tensor tensor = parameters.add(name, shape);
  Parameter& parameter = parameters.at(name);
  fill_normal(parameter.value, seed, RngStream::kDemo, parameters.size(), 0.0f, 1.0f);
  for (float& value : parameter.value) {
    if (std::abs(value) < min_magnitude) value = value < 0.0f ? -min_magnitude : min_magnitude;
  }
  return tensor;
}

/// A row-major matrix from rows of values, for known-value tests.
inline Matrix matrix_of(std::initializer_list<std::initializer_list<float>> rows) {
  Matrix result(static_cast<Eigen::Index>(rows.size()),
                static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : rows) {
    Eigen::Index j = 0;
    for (float value : row) result(i, j++) = value;
    ++i;
  }
  return result;
}

/// A fresh folder under the temporary folder, removed with everything in it when it goes.
/// The name holds the process id and a per-process counter, so two folders never meet, even
/// with the same label in two test files of one program.
class TempDir {
 public:
  explicit TempDir(const std::string& label)
      : path_(std::filesystem::temp_directory_path() /
              ("tinygpt-test-" + std::to_string(getpid()) + "-" + std::to_string(next_id()) + "-" +
               label)) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  static int next_id() {
    static std::atomic<int> counter{0};
    return counter++;
  }
  std::filesystem::path path_;
};

}  // namespace tinygpt::testing
