// The arena and the tape: memory reuse, no-grad mode, accumulation, misuse errors.
#include <cstdint>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/nn/reductions.h"
#include "tinygpt/nn/softmax.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {
// One "training step" of a little graph made of library ops only.
Tensor little_step(Tape& tape, const Tensor& w, const Tensor& b) {
  const std::vector<float> data(6 * 4, 0.5f);
  const Tensor x = tape.constant(Shape{6, 4}, data);
  return nn::mean(tape, nn::softmax(tape, nn::add(tape, nn::mul(tape, x, w), b)));
}
}  // namespace

TEST_CASE("the arena hands out aligned buffers and reuses its blocks", "[step01][arena]") {
  Arena arena(1024);
  float* first = arena.allocate<float>(10);
  float* second = arena.allocate<float>(3000);  // larger than a block: a block of its own
  std::int32_t* ids = arena.allocate<std::int32_t>(5);
  CHECK(reinterpret_cast<std::uintptr_t>(first) % 64 == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(second) % 64 == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(ids) % 64 == 0);
  const std::size_t blocks = arena.blocks_allocated();

  arena.reset();
  CHECK(arena.allocate<float>(10) == first);
  CHECK(arena.allocate<float>(3000) == second);
  CHECK(arena.allocate<std::int32_t>(5) == ids);
  CHECK(arena.blocks_allocated() == blocks);
  float* zeroed = arena.allocate_zeroed<float>(100);
  for (int i = 0; i < 100; ++i) CHECK(zeroed[i] == 0.0f);
}

TEST_CASE("a training step allocates nothing after the first", "[step01][tape]") {
  ParameterSet parameters;
  const Tensor w = testing::random_parameter(parameters, "w", Shape{6, 4}, 91);
  const Tensor b = testing::random_parameter(parameters, "b", Shape{4}, 92);
  Tape tape;
  std::size_t blocks_after_first = 0, bytes_after_first = 0;
  for (int step = 0; step < 5; ++step) {
    tape.reset();
    parameters.zero_grad();
    tape.backward(little_step(tape, w, b));
    if (step == 0) {
      blocks_after_first = tape.arena().blocks_allocated();
      bytes_after_first = tape.arena().bytes_reserved();
    }
  }
  CHECK(blocks_after_first > 0);
  CHECK(tape.arena().blocks_allocated() == blocks_after_first);
  CHECK(tape.arena().bytes_reserved() == bytes_after_first);
}

TEST_CASE("the profiler times every op when on and costs nothing when off", "[step01][tape]") {
  ParameterSet parameters;
  const Tensor w = testing::random_parameter(parameters, "w", Shape{6, 4}, 91);
  const Tensor b = testing::random_parameter(parameters, "b", Shape{4}, 92);
  Tape tape;
  tape.backward(little_step(tape, w, b));
  REQUIRE(tape.node_count() > 0);
  for (const Node& node : tape.nodes()) {
    CHECK(node.forward_seconds == 0.0);
    CHECK(node.backward_seconds == 0.0);
  }

  tape.set_profiling(true);
  tape.reset();
  tape.backward(little_step(tape, w, b));
  REQUIRE(tape.nodes().size() == tape.node_count());
  double total = 0.0;
  for (const Node& node : tape.nodes()) {
    CHECK(node.forward_seconds >= 0.0);
    CHECK(node.backward_seconds >= 0.0);
    total += node.forward_seconds + node.backward_seconds;
  }
  CHECK(total > 0.0);
}

TEST_CASE("gradients accumulate until zeroed", "[step01][tape]") {
  ParameterSet parameters;
  const Tensor w = testing::random_parameter(parameters, "w", Shape{6, 4}, 93);
  const Tensor b = testing::random_parameter(parameters, "b", Shape{4}, 94);
  Tape tape;
  tape.backward(little_step(tape, w, b));
  const AlignedFloats once = parameters.at("w").grad;
  tape.reset();
  tape.backward(little_step(tape, w, b));
  const AlignedFloats& twice = parameters.at("w").grad;
  for (std::size_t i = 0; i < once.size(); ++i) CHECK(twice[i] == 2.0f * once[i]);
}

TEST_CASE("no-grad mode records nothing and gives outputs without gradients", "[step01][tape]") {
  ParameterSet parameters;
  const Tensor w = testing::random_parameter(parameters, "w", Shape{6, 4}, 95);
  const Tensor b = testing::random_parameter(parameters, "b", Shape{4}, 96);
  Tape tape;
  {
    NoGradGuard no_grad(tape);
    const Tensor loss = little_step(tape, w, b);
    CHECK(loss.grad == nullptr);
    CHECK(tape.node_count() == 0);
    REQUIRE_THROWS_WITH(tape.backward(loss), contains("the output has no gradient"));
  }
  CHECK(tape.grad_enabled());
  little_step(tape, w, b);
  CHECK(tape.node_count() == 4);  // mul, add, softmax, mean: one node per op call
}

TEST_CASE("the tape rejects misuse with a clear message", "[step01][tape]") {
  ParameterSet parameters;
  const Tensor w = testing::random_parameter(parameters, "w", Shape{6, 4}, 97);
  const Tensor b = testing::random_parameter(parameters, "b", Shape{4}, 98);
  Tape tape;
  const Tensor not_scalar = nn::add(tape, w, b);
  REQUIRE_THROWS_WITH(tape.backward(not_scalar),
                      contains("the loss must have one element, its shape is (6, 4)"));
  const Tensor loss = nn::sum(tape, not_scalar);
  tape.backward(loss);
  REQUIRE_THROWS_WITH(tape.backward(loss), contains("call reset() before the next step"));
  REQUIRE_THROWS_WITH(tape.constant(Shape{2, 2}, std::vector<float>(3)),
                      contains("constant: shape (2, 2) needs 4 values, got 3"));
}
