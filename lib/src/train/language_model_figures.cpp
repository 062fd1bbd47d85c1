// Perplexity and bits per byte (train/language_model_figures.h).
#include "tinygpt/train/language_model_figures.h"

#include <cmath>
#include <numbers>

#include "tinygpt/core/check.h"

namespace tinygpt::train {

double perplexity(double loss) {
  TINYGPT_CHECK(std::isfinite(loss), "perplexity: the loss is ", loss, ", not a finite number");
  return std::exp(loss);
}

double bits_per_byte(double loss, std::int64_t tokens, std::int64_t bytes) {
  TINYGPT_CHECK(bytes > 0, "bits_per_byte: the text has no bytes");
  TINYGPT_CHECK(std::isfinite(loss), "bits_per_byte: the loss is ", loss, ", not a finite number");
  return loss * static_cast<double>(tokens) / static_cast<double>(bytes) / std::numbers::ln2;
}

}  // namespace tinygpt::train
