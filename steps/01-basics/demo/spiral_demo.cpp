#include "spiral_demo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <numbers>
#include <vector>

#include "tinygpt/core/check.h"
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

// The class with the largest logit for each of n points (xy, row-major (n, 2)).
std::vector<std::int32_t> predict(const Network& network, const std::vector<float>& xy) {
  Tape tape;
  NoGradGuard no_grad(tape);
  const auto n = static_cast<std::int64_t>(xy.size() / 2);
  const Tensor logits = network.logits(tape, tape.constant(Shape{n, 2}, xy));
  std::vector<std::int32_t> classes(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    Eigen::Index predicted = 0;
    logits.matrix().row(i).maxCoeff(&predicted);
    classes[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(predicted);
  }
  return classes;
}

float accuracy(const Network& network, const Points& points) {
  const std::vector<std::int32_t> predicted = predict(network, points.xy);
  int correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    correct += predicted[i] == points.label[i] ? 1 : 0;
  }
  return static_cast<float>(correct) / static_cast<float>(predicted.size());
}

// The coordinate of the centre of cell `index` (0 at the smallest coordinate) of `grid` cells
// across [-kSpiralExtent, kSpiralExtent].
float cell_centre(int index, int grid) {
  return kSpiralExtent *
         (2.0f * (static_cast<float>(index) + 0.5f) / static_cast<float>(grid) - 1.0f);
}

SpiralRegions regions(const Network& network, int step, int grid, const Points& train,
                      const Points& validation) {
  std::vector<float> centres;
  for (int row = 0; row < grid; ++row) {
    for (int column = 0; column < grid; ++column) {
      centres.push_back(cell_centre(column, grid));
      centres.push_back(-cell_centre(row, grid));
    }
  }
  const std::vector<std::int32_t> predicted = predict(network, centres);
  SpiralRegions result{.step = step,
                       .classes = Matrix(grid, grid),
                       .train_accuracy = accuracy(network, train),
                       .validation_accuracy = accuracy(network, validation)};
  for (int i = 0; i < grid * grid; ++i) {
    result.classes(i / grid, i % grid) = static_cast<float>(predicted[static_cast<std::size_t>(i)]);
  }
  return result;
}

// The cell of the regions' grid a coordinate falls in, clamped to the grid.
int grid_cell(float coordinate, int grid) {
  const auto cell = static_cast<int>(
      std::floor((coordinate + kSpiralExtent) / (2.0f * kSpiralExtent) * static_cast<float>(grid)));
  return std::clamp(cell, 0, grid - 1);
}

Matrix region_data(const Points& points, int grid) {
  Matrix data = Matrix::Constant(grid, grid, -1.0f);
  for (std::size_t i = 0; i < points.label.size(); ++i) {
    const int column = grid_cell(points.xy[2 * i], grid);
    const int row = grid - 1 - grid_cell(points.xy[2 * i + 1], grid);
    data(row, column) = static_cast<float>(points.label[i]);
  }
  return data;
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
  TINYGPT_CHECK(options.region_steps.empty() || options.region_grid >= 1,
                "the spiral demo's region_grid must be at least 1, got ", options.region_grid);
  const auto record_regions = [&](int step) {
    if (std::ranges::find(options.region_steps, step) == options.region_steps.end()) return;
    result.regions.push_back(regions(network, step, options.region_grid, train, validation));
  };
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < options.steps; ++step) {
    record_regions(step);
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
  record_regions(options.steps);
  if (!options.region_steps.empty()) result.region_data = region_data(train, options.region_grid);
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
