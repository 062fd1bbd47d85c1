// Data-parallel training (train/distributed.h) checked under `mpirun -np 2`: a program of
// its own, not a Catch2 test, because every rank must run it and MPI must be started
// before anything else. Run as `mpi_training <check> <work folder>` by every rank; the exit
// status (0 passed, 1 failed) is the same on every rank.
//
//   equivalence  2 ranks with a global batch of 8 (4 per rank, 2 micro-batches of 2) give
//                the weights of 1 rank with the batch of 8 (2 micro-batches of 4);
//   resume       2 ranks: 2N steps in one go equal N steps, a stop asked by rank 1 alone,
//                a resume and N more steps.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/train/checkpoint.h"
#include "tinygpt/train/distributed.h"
#include "tinygpt/train/trainer.h"

#include "toy_sentences.hpp"

namespace fs = std::filesystem;
using namespace tinygpt;
using tinygpt::testing::write_tiny_gpt_setup;

namespace {

// The 2-rank run differs from the 1-rank run only in the summation order of the gradient
// (the allreduce adds two half-batch means; one process accumulates the whole batch), about
// 1 ulp. Measured over 12 steps at lr 1e-2 (x86-64, AVX2): every weight and AdamW moment
// within 7.3e-7, except the key part of attn.c_attn.bias, 6.6e-6 apart. Its exact gradient
// is 0 (a key bias adds the same q.b to every score of a row, and softmax ignores that), so
// what it gets is rounding noise, which AdamW's division by sqrt(v) turns into real steps
// of a different noise in each run. The tolerance leaves a factor of 7 over that.
constexpr double kEquivalenceTolerance = 5e-5;

// The tiny GPT set-up (toy_sentences.hpp), written by rank 0 into `dir`.
train::TrainConfig tiny_setup(train::Communicator& world, const fs::path& dir) {
  const fs::path data_dir = dir / "data";
  if (world.is_root()) {
    fs::remove_all(dir);
    write_tiny_gpt_setup(data_dir, dir / "model.json");
  }
  world.barrier();
  train::TrainConfig config;
  config.model_config = dir / "model.json";
  config.model = models::load_model_config(config.model_config);
  config.data = data_dir;
  config.batch = 8;
  config.micro_batches = 2;
  config.lr = 1e-2f;
  config.min_lr = 1e-3f;
  config.warmup = 3;
  config.weight_decay = 0.01f;
  config.eval_interval = 6;
  config.eval_batches = 3;  // an odd count: rank 0 evaluates two batches, rank 1 one
  config.seed = 5;
  return config;
}

// The largest absolute difference between the tensors of two checkpoints (infinity when
// their names or sizes differ).
double largest_difference(const fs::path& a, const fs::path& b) {
  const SafetensorsFile x = SafetensorsFile::read(a), y = SafetensorsFile::read(b);
  if (x.names() != y.names()) return INFINITY;
  double largest = 0.0;
  for (const std::string& name : x.names()) {
    const std::vector<float> u = x.floats(name), v = y.floats(name);
    if (u.size() != v.size()) return INFINITY;
    for (std::size_t i = 0; i < u.size(); ++i) {
      largest = std::max(largest, std::abs(static_cast<double>(u[i]) - v[i]));
    }
  }
  return largest;
}

// Failures, reported by rank 0 (the one that compares files) or by the rank that saw them.
class Checks {
 public:
  explicit Checks(train::Communicator& world) : world_(world) {}
  void expect(bool ok, const std::string& what) {
    if (ok) return;
    std::cerr << "rank " << world_.rank() << ": FAILED: " << what << "\n";
    failed_ = true;
  }
  // 0 when no rank failed, 1 otherwise, on every rank.
  int status() { return world_.allreduce_any(failed_) ? 1 : 0; }

 private:
  train::Communicator& world_;
  bool failed_ = false;
};

void check_equivalence(train::Communicator& world, const fs::path& dir, Checks& checks) {
  train::TrainConfig config = tiny_setup(world, dir);
  config.steps = 12;
  // One process with the whole batch of 8 (2 micro-batches of 4), while rank 1 waits; then
  // 2 ranks with 4 each (2 micro-batches of 2). Validation batches hold batch /
  // micro_batches rows, the same in both.
  train::TrainResult one;
  if (world.is_root()) {
    train::TrainConfig alone = config;
    alone.out = dir / "one";
    train::SingleProcess single;
    one = train::run_training(alone, {}, single);
  }
  world.barrier();
  config.out = dir / "two";
  const train::TrainResult two = train::run_training(config, {}, world);
  checks.expect(two.last_step == 12, "the 2-rank run took 12 steps");
  if (!world.is_root()) return;
  const double weights = largest_difference(one.checkpoint, two.checkpoint);
  double losses = 0.0;
  for (std::size_t i = 0; i < one.losses.size() && i < two.losses.size(); ++i) {
    losses = std::max(losses, static_cast<double>(std::abs(one.losses[i] - two.losses[i])));
  }
  std::ostringstream report;
  report << "1 rank x batch 8 against 2 ranks x batch 4: largest difference of a weight or "
            "moment "
         << weights << ", of a step's loss " << losses << ", last validation loss "
         << one.val_losses.back() << " and " << two.val_losses.back() << " (tolerance "
         << kEquivalenceTolerance << ")";
  std::cout << report.str() << "\n";
  checks.expect(weights <= kEquivalenceTolerance, report.str());
  checks.expect(losses <= kEquivalenceTolerance, report.str());
  checks.expect(std::abs(one.val_losses.back() - two.val_losses.back()) <= kEquivalenceTolerance,
                report.str());
}

void check_resume(train::Communicator& world, const fs::path& dir, Checks& checks) {
  train::TrainConfig config = tiny_setup(world, dir);
  config.steps = 16;
  config.out = dir / "whole";
  const train::TrainResult whole = train::run_training(config, {}, world);

  // Rank 1 alone asks to stop during step 8, as a signal reaching one rank first would:
  // both ranks must stop after step 8, and rank 0 must save it.
  config.out = dir / "parts";
  train::TrainCallbacks stop_on_rank_1;
  stop_on_rank_1.on_step = [&world](const train::StepReport& report) {
    if (report.step == 8 && world.rank() == 1) train::request_stop();
  };
  const train::TrainResult first = train::run_training(config, stop_on_rank_1, world);
  checks.expect(first.interrupted && first.last_step == 8,
                "a stop asked by rank 1 stops every rank after step 8, got step " +
                    std::to_string(first.last_step));
  config.resume = true;
  const train::TrainResult second = train::run_training(config, {}, world);
  checks.expect(second.first_step == 8 && second.last_step == 16, "the resume went from 8 to 16");
  std::vector<float> joined = first.losses;
  joined.insert(joined.end(), second.losses.begin(), second.losses.end());
  checks.expect(joined == whole.losses, "the losses of 8 + 8 steps equal those of 16 steps");
  if (!world.is_root()) return;
  const double difference = largest_difference(second.checkpoint, whole.checkpoint);
  std::cout << "2 ranks, 16 steps against 8 + resume + 8: largest difference " << difference
            << "\n";
  checks.expect(difference == 0.0,
                "8 + resume + 8 steps give bit-identical weights, got a "
                "difference of " +
                    std::to_string(difference));
}

int run_check(const std::string& check, const fs::path& work) {
  train::Communicator& world = train::world_communicator();
  Checks checks(world);
  if (world.size() != 2) {
    std::cerr << "mpi_training: run me with mpirun -np 2 (got " << world.size() << " processes)\n";
    return 1;
  }
  if (check == "equivalence") {
    check_equivalence(world, work, checks);
  } else if (check == "resume") {
    check_resume(world, work, checks);
  } else {
    std::cerr << "mpi_training: unknown check '" << check << "' (equivalence or resume)\n";
    return 1;
  }
  const int status = checks.status();
  if (world.is_root() && status == 0) fs::remove_all(work);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  train::DistributedSession session(&argc, &argv);
  if (argc != 3) {
    std::cerr << "usage: mpirun -np 2 mpi_training equivalence|resume WORK_FOLDER\n";
    return 1;
  }
  try {
    return run_check(argv[1], argv[2]);
  } catch (const std::exception& error) {
    // The other rank may be waiting in a collective: end both.
    std::cerr << "mpi_training: error: " << error.what() << "\n";
    session.abort_job(1);
    return 1;
  }
}
