// AdamW::step cuts every parameter into fixed chunks and updates them on several threads
// (lib/src/train/optimizers.cpp); adamw_update (exercise 03.1) is element-wise, so the
// result must be exactly that of one adamw_update call over the whole parameter.
#include <vector>

#include "test_support.hpp"
#include "tinygpt/train/optimizers.h"

using namespace tinygpt;
using namespace tinygpt::train;

TEST_CASE("AdamW's chunked, threaded step equals one update of the whole parameter",
          "[step03][adamw][ex03.1]") {
  // Larger than a chunk (32K values) and not a multiple of it: the last chunk is short.
  ParameterSet parameters;
  const Tensor w =
      testing::random_parameter(parameters, "h.0.mlp.c_fc.weight", Shape{300, 250}, 31);
  Parameter& parameter = parameters.at("h.0.mlp.c_fc.weight");
  fill_normal(parameter.grad, 2, RngStream::kDemo, 0, 0.0f, 1.0f);
  const AdamWSettings settings{.learning_rate = 1e-2f, .weight_decay = 0.1f};
  AdamW optimizer(parameters, settings);

  Eigen::VectorXf value = Eigen::Map<Eigen::VectorXf>(parameter.value.data(), w.numel());
  Eigen::VectorXf m = Eigen::VectorXf::Zero(w.numel());
  Eigen::VectorXf v = Eigen::VectorXf::Zero(w.numel());
  const Eigen::Map<Eigen::VectorXf> grad(parameter.grad.data(), w.numel());
  for (std::int64_t step = 1; step <= 3; ++step) {
    optimizer.step(parameters);
    adamw_update(value, m, v, grad, settings, step);
  }
  const OptimizerSlot& slot = optimizer.slots()[0];
  std::int64_t different = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    const bool same =
        parameter.value[k] == value[i] && slot.first[k] == m[i] && slot.second[k] == v[i];
    different += same ? 0 : 1;
  }
  CHECK(different == 0);
}
