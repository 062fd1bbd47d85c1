#include "spiral_demo.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <numbers>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/nn/activations.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/nn/matmul.h"
#include "tinygpt/train/sgd.h"

namespace tinygpt::demo {

namespace {
constexpr int kClasses = 3;

struct Points {
  std::vector<float> xy;            // (N, 2)
  std::vector<std::int32_t> label;  // (N)
};

// Three arms winding out from the origin, with a little noise on the angle: no straight
// line separates them, so the network must learn a curved boundary.
Points make_spirals(int per_class, std::uint64_t seed, std::uint64_t split) {
  Points points;
  for (int c = 0; c < kClasses; ++c) {
    for (int i = 0; i < per_class; ++i) {
      CounterRng rng(seed, RngStream::kDemo, split, static_cast<std::uint64_t>(c * per_class + i));
      const float radius = rng.uniform();
      const float angle =
          4.0f * radius + 2.0f * std::numbers::pi_v<float> * c / kClasses + 0.2f * rng.normal();
      points.xy.push_back(radius * std::cos(angle));
      points.xy.push_back(radius * std::sin(angle));
      points.label.push_back(c);
    }
  }
  return points;
}

struct Network {
  ParameterSet parameters;
  Tensor w1, b1, w2, b2;

  Network(int hidden, std::uint64_t seed) {
    w1 = parameters.add("w1", Shape{2, hidden});         // (2, hidden)
    b1 = parameters.add("b1", Shape{hidden});            // (hidden)
    w2 = parameters.add("w2", Shape{hidden, kClasses});  // (hidden, 3)
    b2 = parameters.add("b2", Shape{kClasses});          // (3)
    // Scaled so every layer starts with outputs of size ~1 (variance 1 / fan-in).
    fill_normal(parameters.at("w1").value, seed, RngStream::kInit, 0, 0.0f, 1.0f / std::sqrt(2.0f));
    fill_normal(parameters.at("w2").value, seed, RngStream::kInit, 2, 0.0f,
                1.0f / std::sqrt(static_cast<float>(hidden)));
  }

  // logits = tanh(x w1 + b1) w2 + b2, with x (N, 2) and logits (N, 3).
  Tensor logits(Tape& tape, const Tensor& x) const {
    const Tensor hidden = nn::tanh(tape, nn::add(tape, nn::matmul(tape, x, w1), b1));
    return nn::add(tape, nn::matmul(tape, hidden, w2), b2);
  }
};

float accuracy(const Network& network, const Points& points) {
  Tape tape;
  NoGradGuard no_grad(tape);
  const auto n = static_cast<std::int64_t>(points.label.size());
  const Tensor logits = network.logits(tape, tape.constant(Shape{n, 2}, points.xy));
  int correct = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    Eigen::Index predicted = 0;
    logits.matrix().row(i).maxCoeff(&predicted);
    correct += predicted == points.label[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  return static_cast<float>(correct) / static_cast<float>(n);
}
}  // namespace

SpiralResult run_spiral_demo(const SpiralOptions& options, std::ostream& log) {
  const Points train = make_spirals(options.points_per_class, options.seed, 0);
  const Points validation = make_spirals(options.points_per_class, options.seed, 1);
  const auto n = static_cast<std::int64_t>(train.label.size());
  Network network(options.hidden, options.seed);
  const train::Sgd sgd(options.learning_rate);

  SpiralResult result;
  result.steps = options.steps;
  Tape tape;
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < options.steps; ++step) {
    tape.reset();
    network.parameters.zero_grad();
    const Tensor x = tape.constant(Shape{n, 2}, train.xy);
    const Tensor loss = nn::softmax_cross_entropy(tape, network.logits(tape, x), train.label);
    tape.backward(loss);
    sgd.step(network.parameters);
    if (step == 0) result.initial_loss = loss.item();
    result.final_loss = loss.item();
    if (options.log_every > 0 && step % options.log_every == 0) {
      log << "  step " << std::setw(5) << step << "  loss " << std::fixed << std::setprecision(4)
          << loss.item() << "\n";
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.train_accuracy = accuracy(network, train);
  result.validation_accuracy = accuracy(network, validation);
  return result;
}

void print_spiral_summary(const SpiralResult& result, std::ostream& out) {
  out << std::fixed << std::setprecision(3) << "\n"
      << "  loss                " << result.initial_loss << " -> " << result.final_loss << "\n"
      << "  train accuracy      " << result.train_accuracy << "\n"
      << "  validation accuracy " << result.validation_accuracy << "  (chance: 0.333)\n"
      << "  " << result.steps << " steps in " << std::setprecision(2) << result.seconds << " s\n";
}

}  // namespace tinygpt::demo
