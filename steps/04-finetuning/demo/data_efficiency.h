// The data-efficiency curve of step 04's lesson: the same classifier, the same budget of
// steps, trained from the pre-trained weights and from random ones, on 16, 64, 256, 1024 and
// all labelled reviews, over several seeds. Used by `tinygpt finetune-curve`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace tinygpt::demo {

/// Settings of the curve; the defaults are the lesson's.
struct CurveOptions {
  std::filesystem::path model;  ///< the pre-trained model folder
  std::filesystem::path data;   ///< a generated world with reviews.jsonl
  std::filesystem::path out;    ///< where the runs, curve.md and curve.svg go
  std::vector<std::int64_t> sizes = {16, 64, 256, 1024, 0};  ///< labelled examples (0: all)
  std::vector<std::uint64_t> seeds = {1, 2, 3};              ///< one run per seed and size
  std::int64_t steps = 60;                                   ///< every run's budget
  std::int64_t batch = 16;                                   ///< reviews per step
};

/// One point of the curve: a size, the mean and spread of test accuracy over the seeds.
struct CurvePoint {
  std::int64_t examples = 0;       ///< labelled examples used (the train split's size for "all")
  std::vector<double> pretrained;  ///< test accuracy per seed, from the pre-trained weights
  std::vector<double> scratch;     ///< the same from random weights
};

/// @brief Runs every (size, seed, start) and writes out/curve.md (the table) and
/// out/curve.svg (mean accuracy against log2 of the examples).
/// @return the points, by size.
std::vector<CurvePoint> run_data_efficiency(const CurveOptions& options, std::ostream& log);

/// @brief The Markdown table of the points (mean, min and max over seeds).
std::string curve_table(const std::vector<CurvePoint>& points);

}  // namespace tinygpt::demo
