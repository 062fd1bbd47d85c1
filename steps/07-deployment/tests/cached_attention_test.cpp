// One new query over the cached keys and values (exercise 07.3): hand-computed values, and
// the definition written out in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/infer/cached_attention.h"

using namespace tinygpt;
using Catch::Matchers::WithinAbs;
using tinygpt::testing::matrix_of;

TEST_CASE("one query over two cached keys gives hand-computed values",
          "[step07][cached_attention][ex07.3]") {
  // D = 1, q = 2, keys 0 and 1: scores 0 and 2, weights 1 / (1 + e^2) and e^2 / (1 + e^2).
  const Matrix q = matrix_of({{2.0f}});
  const Matrix keys = matrix_of({{0.0f}, {1.0f}});
  const Matrix values = matrix_of({{10.0f}, {20.0f}});
  Matrix out(1, 1);
  infer::attend_one(out, q, keys, values);
  const double e2 = std::exp(2.0);
  CHECK_THAT(out(0, 0), WithinAbs((10.0 + 20.0 * e2) / (1.0 + e2), 1e-4));
}

TEST_CASE("one query over the cache matches attention written out in double",
          "[step07][cached_attention][ex07.3]") {
  // 9 cached positions of 16 values; huge scores too, so the softmax must subtract its
  // maximum. The reference is the definition, one scalar at a time in double.
  for (const float size : {1.0f, 40.0f}) {
    const Matrix q = size * Matrix::Random(1, 16);
    const Matrix k = size * Matrix::Random(9, 16);
    const Matrix v = Matrix::Random(9, 16);
    std::vector<double> scores(9);
    double largest = -1e300, total = 0.0;
    for (int s = 0; s < 9; ++s) {
      for (int d = 0; d < 16; ++d) scores[s] += double{q(0, d)} * k(s, d) / 4.0;  // sqrt(16)
      largest = std::max(largest, scores[s]);
    }
    for (double& score : scores) total += score = std::exp(score - largest);
    Matrix expected = Matrix::Zero(1, 16);
    for (int s = 0; s < 9; ++s) {
      for (int d = 0; d < 16; ++d)
        expected(0, d) += static_cast<float>(scores[s] / total * v(s, d));
    }
    Matrix one(1, 16);
    infer::attend_one(one, q, k, v);
    INFO("scores of size " << size);
    CHECK(one.allFinite());
    CHECK((one - expected).cwiseAbs().maxCoeff() < 1e-5f);
  }
}
