// Data-parallel pieces that need no MPI (train/distributed.h): the bucketed gradient average
// and the agreement on setup errors, against a made-up second rank. The real thing runs
// under mpirun in mpi_training.cpp (label mpi).
#include "tinygpt/train/distributed.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// Rank `rank` of 2, whose partner's gradient holds k at position k of the ParameterSet's
// order. It records the size of every allreduce, and says the partner failed when told to.
class MadeUpPair final : public train::Communicator {
 public:
  explicit MadeUpPair(int rank, bool partner_fails = false)
      : rank_(rank), partner_fails_(partner_fails) {}
  int rank() const override { return rank_; }
  int size() const override { return 2; }
  void allreduce_sum(std::span<float> values) override {
    calls.push_back(static_cast<std::int64_t>(values.size()));
    for (float& value : values) value += static_cast<float>(position_++);
  }
  double allreduce_sum(double value) override { return 2.0 * value; }
  bool allreduce_any(bool flag) override {
    // The first call asks whether any rank failed, the second whether rank 0 did.
    const bool partner = partner_fails_ && (any_calls_++ == 0 || rank_ == 1);
    return flag || partner;
  }
  void barrier() override {}

  std::vector<std::int64_t> calls;

 private:
  int rank_;
  bool partner_fails_;
  std::int64_t position_ = 0;
  int any_calls_ = 0;
};

}  // namespace

TEST_CASE("gradients are averaged over the ranks in buckets of a fixed size, in order",
          "[step03][distributed]") {
  ParameterSet parameters;
  const std::vector<std::pair<std::string, std::int64_t>> sizes = {{"a", 2}, {"b", 5}, {"c", 1}};
  for (const auto& [name, count] : sizes) {
    parameters.add(name, Shape{count});
    Parameter& parameter = parameters.at(name);
    for (std::size_t i = 0; i < parameter.grad.size(); ++i) parameter.grad[i] = 100.0f;
  }
  MadeUpPair pair(0);
  train::GradientAverager averager(3);  // 8 values: buckets of 3, 3 and 2, across parameters
  averager.average(pair, parameters);
  CHECK(pair.calls == std::vector<std::int64_t>{3, 3, 2});
  std::int64_t position = 0;
  for (const Parameter& parameter : parameters) {
    for (const float value : parameter.grad) {
      CHECK(value == (100.0f + static_cast<float>(position)) / 2.0f);
      ++position;
    }
  }
  train::SingleProcess alone;
  CHECK(averager.average(alone, parameters) == 0.0);  // one rank: nothing to do
  CHECK_THROWS_WITH(train::GradientAverager(0), contains("at least 1"));
}

TEST_CASE("an error on one rank during setup stops every rank", "[step03][distributed]") {
  // Nothing failed anywhere: nothing happens.
  MadeUpPair quiet(0);
  train::agree_on_errors(quiet, [] {});

  // Rank 0 fails: it prints its own message; rank 1, which also failed alike, does not.
  MadeUpPair root(0);
  try {
    train::agree_on_errors(root, [] { TINYGPT_CHECK(false, "--batch 6 is odd"); });
    FAIL("no AgreedError");
  } catch (const train::AgreedError& error) {
    CHECK_THAT(std::string(error.what()), contains("--batch 6 is odd"));
    CHECK(error.should_print());
  }
  MadeUpPair second(1, /*partner_fails=*/true);
  try {
    train::agree_on_errors(second, [] { TINYGPT_CHECK(false, "--batch 6 is odd"); });
    FAIL("no AgreedError");
  } catch (const train::AgreedError& error) {
    CHECK_FALSE(error.should_print());
  }

  // Only the partner failed: this rank stops too, without work of its own to blame.
  MadeUpPair bystander(1, /*partner_fails=*/true);
  try {
    train::agree_on_errors(bystander, [] {});
    FAIL("no AgreedError");
  } catch (const train::AgreedError& error) {
    CHECK_THAT(std::string(error.what()), contains("another process"));
    CHECK_FALSE(error.should_print());
  }
  // Alone, the error keeps its type.
  train::SingleProcess alone;
  CHECK_THROWS_AS(train::agree_on_errors(alone, [] { throw std::out_of_range("x"); }),
                  std::out_of_range);
}
