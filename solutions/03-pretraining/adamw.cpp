// Exercise 03.1, reference solution: one AdamW step on one parameter.
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/train/optimizers.h"

namespace tinygpt::train {

void adamw_update(VectorRef value, VectorRef m, VectorRef v, ConstVectorRef grad,
                  const AdamWSettings& settings, std::int64_t step) {
  TINYGPT_CHECK(m.size() == value.size() && v.size() == value.size() && grad.size() == value.size(),
                "adamw_update: value has ", value.size(), " values, m ", m.size(), ", v ", v.size(),
                ", grad ", grad.size());
  TINYGPT_CHECK(step >= 1, "adamw_update: steps count from 1, got ", step);
  const float lr = settings.learning_rate;

  // Decoupled weight decay: shrink the weights directly, outside the moments. (Adam with an
  // L2 term in the gradient would divide the decay by sqrt(v) too, so weights with large
  // gradients would hardly be decayed: the point of Loshchilov & Hutter's paper.)
  value *= 1.0f - lr * settings.weight_decay;

  // Running averages of the gradient and of its square. Both start at 0, so early on they
  // are too small by the factor 1 - beta^step; the bias corrections undo that.
  m = settings.beta1 * m + (1.0f - settings.beta1) * grad;
  v = settings.beta2 * v + (1.0f - settings.beta2) * grad.cwiseAbs2();

  // The corrections in double, as torch computes them in Python, then rounded once.
  const double t = static_cast<double>(step);
  const auto correction1 = static_cast<float>(1.0 - std::pow(double{settings.beta1}, t));
  const auto correction2 = static_cast<float>(std::sqrt(1.0 - std::pow(double{settings.beta2}, t)));

  // m_hat / (sqrt(v_hat) + eps): eps is added after the square root, as torch does.
  value.array() -= (lr / correction1) * m.array() / (v.array().sqrt() / correction2 + settings.eps);
}

}  // namespace tinygpt::train
