// Drift detection (eval/drift.h): the window z-scores on hand-made sequences, the trigger
// on a synthetic shift and on a stream without one, the calibrated threshold's false-alarm
// rate, a text's loss as the hand-computed cross-entropy, and refusals.
#include <cmath>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/eval/drift.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/train/language_model_figures.h"

using namespace tinygpt;
using namespace tinygpt::eval;

namespace {

// -log p(target) summed over the predicted tokens of ids[start .. start + time], from the
// model's logits with a log-softmax written out in double precision here.
double hand_nats(models::Gpt& gpt, const std::vector<std::int32_t>& ids, std::size_t start,
                 std::size_t time) {
  Tape tape;
  const NoGradGuard no_grad(tape);
  const std::vector<std::int32_t> inputs(ids.begin() + start, ids.begin() + start + time);
  const Tensor logits = gpt.forward(tape, inputs, 1);
  const Matrix rows = logits.matrix();
  double nats = 0.0;
  for (Eigen::Index t = 0; t < rows.rows(); ++t) {
    const double top = rows.row(t).maxCoeff();
    double sum = 0.0;
    for (Eigen::Index v = 0; v < rows.cols(); ++v) sum += std::exp(rows(t, v) - top);
    nats -= rows(t, ids[start + t + 1]) - top - std::log(sum);
  }
  return nats;
}

// Values alternating low, high: mean (low + high) / 2.
std::vector<double> alternating(std::size_t n, double low, double high) {
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(i % 2 == 0 ? low : high);
  return v;
}

}  // namespace

TEST_CASE("drift: reference statistics and window z-scores by hand", "[step06][eval]") {
  const std::vector<double> reference = {1, 2, 3, 4, 5};
  const ReferenceStatistics stats = reference_statistics(reference);
  CHECK(stats.mean == Approx(3.0));
  CHECK(stats.sd == Approx(std::sqrt(2.5)));  // squares 4+1+0+1+4 over R - 1 = 4
  CHECK(stats.count == 5);

  const std::vector<double> stream = {3, 3, 5, 5, 1};
  const std::vector<double> z = window_z_scores(stream, stats, 2, DriftDirection::kRises);
  REQUIRE(z.size() == 4);
  const double se = std::sqrt(2.5) * std::sqrt(1.0 / 2 + 1.0 / 5);
  CHECK(z[0] == Approx(0.0).margin(1e-12));  // mean 3
  CHECK(z[1] == Approx(1.0 / se));           // mean 4
  CHECK(z[2] == Approx(2.0 / se));           // mean 5
  CHECK(z[3] == Approx(0.0).margin(1e-12));  // mean 3
  // A statistic that falls under drift: the same windows, the sign turned.
  const std::vector<double> down = window_z_scores(stream, stats, 2, DriftDirection::kFalls);
  CHECK(down[2] == Approx(-2.0 / se));

  CHECK(first_crossing(z, 1.0 / se + 1e-9) == std::optional<std::int64_t>(2));
  CHECK_FALSE(first_crossing(z, 2.0 / se + 1e-9).has_value());
}

TEST_CASE("drift: the trigger fires at the right window on a shift and never on a constant stream",
          "[step06][eval]") {
  // Reference and the old world: 0, 1, 0, 1, ... (mean 0.5). The new world: 1, 2, 1, 2, ...
  const std::vector<double> reference = alternating(200, 0.0, 1.0);
  std::vector<double> stream = alternating(100, 0.0, 1.0);
  const std::vector<double> after = alternating(100, 1.0, 2.0);
  stream.insert(stream.end(), after.begin(), after.end());
  DriftOptions options;
  options.window = 10;
  options.threshold = 3.0;
  const DriftTrack track =
      monitor_drift("loss", DriftDirection::kRises, reference, {}, stream, 100, options);

  // Window k = 90 + j (j = 1 .. 10) holds j texts of the new world: its mean is 0.5 + j / 10.
  const ReferenceStatistics stats = reference_statistics(reference);
  const double se = stats.sd * std::sqrt(1.0 / 10 + 1.0 / 200);
  std::int64_t expected = -1;
  for (std::int64_t j = 1; j <= 10 && expected < 0; ++j) {
    if ((0.5 + static_cast<double>(j) / 10.0 - 0.5) / se > 3.0) expected = 90 + j;
  }
  REQUIRE(expected > 0);
  REQUIRE(track.trigger.has_value());
  CHECK(*track.trigger == expected);
  CHECK(track.delay == std::optional<std::int64_t>(expected + 9 - 100 + 1));
  CHECK(track.false_alarm_windows == 0);
  CHECK(track.windows_before_switch == 91);
  CHECK(track.mean_before == Approx(0.5));
  CHECK(track.mean_after == Approx(1.5));
  CHECK_FALSE(track.calibrated);

  // The same monitor on the old world alone: nothing fires.
  const std::vector<double> old_world = alternating(200, 0.0, 1.0);
  const DriftTrack quiet =
      monitor_drift("loss", DriftDirection::kRises, reference, {}, old_world, 200, options);
  CHECK_FALSE(quiet.trigger.has_value());
  CHECK_FALSE(quiet.delay.has_value());
  // A confidence that rises is no drift: the one-sided test stays silent.
  const DriftTrack better =
      monitor_drift("confidence", DriftDirection::kFalls, reference, {}, stream, 100, options);
  CHECK_FALSE(better.trigger.has_value());
}

TEST_CASE("drift: the calibrated threshold keeps the stated false-alarm rate on fresh streams",
          "[step06][eval]") {
  // A statistic with noise: uniform draws, reference and calibration from the same world.
  auto draws = [](std::uint64_t step, std::size_t n) {
    std::vector<double> v;
    for (std::size_t i = 0; i < n; ++i)
      v.push_back(CounterRng(5, RngStream::kDemo, step, i).uniform());
    return v;
  };
  const std::vector<double> reference = draws(1, 400);
  const std::vector<double> calibration = draws(2, 400);
  const ReferenceStatistics stats = reference_statistics(reference);
  const double loose =
      calibrate_threshold(reference, calibration, 25, 200, 0.2, 1000, DriftDirection::kRises, 1);
  const double strict =
      calibrate_threshold(reference, calibration, 25, 200, 0.05, 1000, DriftDirection::kRises, 1);
  CHECK(strict > loose);
  CHECK(loose > 0.0);
  CHECK(calibrate_threshold(reference, calibration, 25, 200, 0.05, 1000, DriftDirection::kRises,
                            1) == strict);

  // 400 fresh no-drift streams of 200 texts from the world itself: about 5% raise an alarm.
  int alarms = 0;
  for (std::uint64_t s = 0; s < 400; ++s) {
    const std::vector<double> z =
        window_z_scores(draws(100 + s, 200), stats, 25, DriftDirection::kRises);
    if (first_crossing(z, strict)) ++alarms;
  }
  CHECK(alarms >= 4);   // 1%
  CHECK(alarms <= 48);  // 12%: the reference's own error moves the rate a little
}

TEST_CASE(
    "drift: a text's loss is the hand-computed cross-entropy and its perplexity the shared one",
    "[step06][eval]") {
  testing::TempDir dir("drift");
  const std::string corpus =
      "Halmund keeps a cat in Carenton. Nylua is a baker. The river runs by the town. ";
  const std::string specials[] = {"<|endoftext|>"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(corpus + corpus, 280, specials);
  models::Gpt small({.family = models::Family::kGpt,
                     .vocab_size = 280,
                     .context_length = 8,
                     .width = 16,
                     .layers = 1,
                     .heads = 2});
  small.init(3);
  models::save_pretrained_gpt(dir.path() / "model", small, tokenizer);
  models::PretrainedGpt gpt = models::load_pretrained_gpt(dir.path() / "model");
  REQUIRE(gpt.end_of_text.has_value());

  for (const std::string text :
       {"Nylua is a baker.", "Halmund keeps a cat in Carenton by the river."}) {
    std::vector<std::int32_t> ids = {*gpt.end_of_text};
    for (std::int32_t id : gpt.tokenizer.encode(text)) ids.push_back(id);
    ids.push_back(*gpt.end_of_text);
    // Consecutive windows of at most the context (8) inputs.
    double nats = 0.0;
    for (std::size_t start = 0; start + 1 < ids.size(); start += 8) {
      nats += hand_nats(gpt.model, ids, start, std::min<std::size_t>(8, ids.size() - 1 - start));
    }
    const TextLoss loss = text_loss(gpt, text);
    CHECK(loss.tokens == static_cast<std::int64_t>(ids.size()) - 1);
    CHECK(loss.nats == Approx(nats).epsilon(1e-5));
    CHECK(loss.per_token() == Approx(nats / static_cast<double>(ids.size() - 1)).epsilon(1e-5));
    CHECK(train::perplexity(loss.per_token()) == Approx(std::exp(loss.per_token())));
    CHECK(text_losses(gpt, std::vector<std::string>{text})[0] == Approx(loss.per_token()));
  }
}

TEST_CASE("drift: bad input is refused with the numbers named", "[step06][eval]") {
  const std::vector<double> same = {2.0, 2.0, 2.0};
  CHECK_THROWS_WITH(reference_statistics(same), tinygpt::testing::contains("all equal"));
  CHECK_THROWS_WITH(reference_statistics(std::vector<double>{1.0}),
                    tinygpt::testing::contains("at least 2 reference texts, got 1"));
  const std::vector<double> reference = {1, 2, 3};
  const ReferenceStatistics stats = reference_statistics(reference);
  CHECK_THROWS_WITH(window_z_scores(reference, stats, 4, DriftDirection::kRises),
                    tinygpt::testing::contains("window (4 texts)"));
  DriftOptions options;
  options.window = 2;
  options.threshold = 3.0;
  CHECK_THROWS_WITH(
      monitor_drift("loss", DriftDirection::kRises, reference, {}, reference, 5, options),
      tinygpt::testing::contains("switch (text 5)"));
  options.threshold.reset();
  CHECK_THROWS_WITH(
      monitor_drift("loss", DriftDirection::kRises, reference, {}, reference, 3, options),
      tinygpt::testing::contains("2 calibration texts"));
  CHECK_THROWS_WITH(
      calibrate_threshold(reference, reference, 2, 3, 1.5, 100, DriftDirection::kRises, 1),
      tinygpt::testing::contains("got 1.5"));
}
