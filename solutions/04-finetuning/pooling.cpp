// Exercise 04.1: the position that stands for each sequence.
// Lesson: steps/04-finetuning/README.md, "A classification head".
#include "tinygpt/core/check.h"
#include "tinygpt/tune/classifier.h"

namespace tinygpt::tune {

std::vector<std::int32_t> pooled_rows(std::span<const std::uint8_t> mask, std::int64_t batch,
                                      std::int64_t time, std::string_view pooling) {
  TINYGPT_CHECK(static_cast<std::int64_t>(mask.size()) == batch * time,
                "pooled_rows: ", mask.size(), " mask flags for a batch of ", batch, " x ", time);
  TINYGPT_CHECK(pooling == "last" || pooling == "first",
                "pooled_rows: pooling must be "
                "\"last\" or \"first\", not \"",
                pooling, "\"");
  std::vector<std::int32_t> rows(static_cast<std::size_t>(batch));
  for (std::int64_t b = 0; b < batch; ++b) {
    std::int64_t t = 0;
    if (pooling == "last") {
      // Padding sits on the right, but a mask is data: search from the end, not for a 0.
      t = time - 1;
      while (t >= 0 && mask[b * time + t] == 0) --t;
      TINYGPT_CHECK(t >= 0, "pooled_rows: sequence ", b, " is all padding");
    }
    rows[b] = static_cast<std::int32_t>(b * time + t);
  }
  return rows;
}

}  // namespace tinygpt::tune
