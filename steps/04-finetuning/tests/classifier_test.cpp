// The classification head (tune/classifier.h): pooling (exercise 04.1), padding, and a
// GPT classifier whose scores depend on its text up to the pooled token and on nothing else.
#include <vector>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/tune/classifier.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("pooled_rows picks the last real token or the first token", "[step04][tune][ex04.1]") {
  const std::vector<std::uint8_t> mask = {1, 1, 1, 0,   // length 3
                                          1, 0, 0, 0,   // length 1
                                          1, 1, 1, 1};  // no padding
  CHECK(tune::pooled_rows(mask, 3, 4, "last") == std::vector<std::int32_t>{2, 4, 11});
  CHECK(tune::pooled_rows(mask, 3, 4, "first") == std::vector<std::int32_t>{0, 4, 8});
  // A mask is data: a hole before the end does not end the sequence.
  const std::vector<std::uint8_t> hole = {1, 0, 1, 0};
  CHECK(tune::pooled_rows(hole, 1, 4, "last") == std::vector<std::int32_t>{2});
}

TEST_CASE("pooled_rows refuses an all-padding sequence, a wrong mask and an unknown pooling",
          "[step04][tune][ex04.1]") {
  const std::vector<std::uint8_t> empty_second = {1, 1, 0, 0};
  CHECK_THROWS_WITH(tune::pooled_rows(empty_second, 2, 2, "last"), contains("sequence 1"));
  CHECK_THROWS_WITH(tune::pooled_rows(empty_second, 3, 2, "last"), contains("mask"));
  CHECK_THROWS_WITH(tune::pooled_rows(empty_second, 2, 2, "mean"), contains("mean"));
}

TEST_CASE("pad_batch pads on the right and cuts at the context", "[step04][tune]") {
  const std::vector<std::vector<std::int32_t>> sequences = {{5, 6, 7}, {8}, {1, 2, 3, 4, 5, 6}};
  const std::vector<std::int32_t> labels = {0, 2, 1};
  const tune::TextBatch batch = tune::pad_batch(sequences, labels, 4);
  CHECK(batch.batch == 3);
  CHECK(batch.time == 4);
  CHECK(batch.ids == std::vector<std::int32_t>{5, 6, 7, 0, 8, 0, 0, 0, 1, 2, 3, 4});
  CHECK(batch.mask == std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1});
  CHECK(batch.labels == labels);
  CHECK_THROWS_WITH(tune::pad_batch(sequences, std::vector<std::int32_t>{0}, 4),
                    contains("labels"));
}

TEST_CASE("a GPT classifier reads its text up to the pooled token, padding changes nothing",
          "[step04][tune]") {
  auto gpt = testing::small_model<models::Gpt>(50, 16, 16, 2, 3);
  const models::TaskHead head{"classification", {"a", "b", "c"}, "last"};
  models::add_head_parameters(gpt.parameters(), 16, head, 3);
  const auto scores = [&gpt](const std::vector<std::vector<std::int32_t>>& sequences) {
    Tape tape;
    NoGradGuard no_grad(tape);
    const std::vector<std::int32_t> labels(sequences.size(), 0);
    return Matrix(tune::classifier_logits(tape, gpt, tune::pad_batch(sequences, labels, 16), "last")
                      .matrix());
  };
  // Alone, or padded next to a longer sequence: the same scores.
  const Matrix alone = scores({{4, 9, 13}});
  const Matrix padded = scores({{4, 9, 13}, {1, 2, 3, 4, 5, 6, 7, 8}});
  CHECK(alone.rows() == 1);
  CHECK(alone.cols() == 3);
  CHECK((alone.row(0) - padded.row(0)).cwiseAbs().maxCoeff() < 1e-5f);
  // The last token matters (the control: the test could see a difference).
  const Matrix other_end = scores({{4, 9, 14}});
  CHECK((alone.row(0) - other_end.row(0)).cwiseAbs().maxCoeff() > 1e-4f);
}

TEST_CASE("the classifier's gradient reaches the head and the pooled token's path only",
          "[step04][tune]") {
  auto gpt = testing::small_model<models::Gpt>(50, 16, 16, 1, 5);
  models::add_head_parameters(gpt.parameters(), 16, {"classification", {"x", "y"}, "last"}, 5);
  Tape tape;
  const std::vector<std::vector<std::int32_t>> sequences = {{3, 7}, {11, 12, 13}};
  const std::vector<std::int32_t> labels = {1, 0};
  const tune::TextBatch batch = tune::pad_batch(sequences, labels, 16);
  gpt.parameters().zero_grad();
  const Tensor logits = tune::classifier_logits(tape, gpt, batch, "last");
  Tensor loss = nn::softmax_cross_entropy(tape, logits, batch.labels);
  tape.backward(loss);
  const Parameter& wte = gpt.parameters().at("wte.weight");
  const auto row_norm = [&wte](int id) {
    return Eigen::Map<const Eigen::VectorXf>(wte.grad.data() + id * 16, 16).norm();
  };
  CHECK(gpt.parameters().at("head.weight").trainable());
  CHECK(
      Eigen::Map<const Eigen::VectorXf>(gpt.parameters().at("head.weight").grad.data(), 32).norm() >
      0.0f);
  CHECK(row_norm(7) > 0.0f);   // the pooled token of sequence 0
  CHECK(row_norm(3) > 0.0f);   // read by it through attention
  CHECK(row_norm(0) == 0.0f);  // the padding id 0 of sequence 0 is never read
}
