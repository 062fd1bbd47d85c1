// The step's demo, end to end: the network must really learn the spirals.
#include <sstream>

#include "spiral_demo.h"
#include "test_support.hpp"

using namespace tinygpt;

TEST_CASE("the spiral demo learns a curved boundary with autograd and SGD", "[step01][demo]") {
  std::ostringstream log;
  const demo::SpiralResult result = demo::run_spiral_demo(demo::SpiralOptions{}, log);
  INFO(log.str());
  CHECK(result.initial_loss > 1.0f);  // about log 3 = 1.0986 before training
  CHECK(result.final_loss < 0.5f * result.initial_loss);
  CHECK(result.train_accuracy > 0.9f);
  CHECK(result.validation_accuracy > 0.85f);  // a linear classifier gets about 0.5
}

TEST_CASE("the spiral demo is deterministic for a seed", "[step01][demo]") {
  std::ostringstream log;
  demo::SpiralOptions options;
  options.steps = 50;
  const auto first = demo::run_spiral_demo(options, log);
  const auto second = demo::run_spiral_demo(options, log);
  CHECK(first.final_loss == second.final_loss);
  options.seed = 2;
  CHECK(demo::run_spiral_demo(options, log).final_loss != first.final_loss);
}
