#include "tinygpt/train/bigram_trainer.h"

#include <chrono>
#include <iomanip>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/train/language_model_figures.h"
#include "tinygpt/train/sgd.h"

namespace tinygpt::train {

BigramReport train_bigram(models::BigramModel& model, std::span<const std::int32_t> train,
                          std::span<const std::int32_t> validation, std::int64_t validation_bytes,
                          const BigramTrainOptions& options, std::ostream& log) {
  TINYGPT_CHECK(train.size() >= 2, "train_bigram: the training stream has ", train.size(),
                " tokens; it needs at least 2");
  TINYGPT_CHECK(validation_bytes > 0, "train_bigram: validation_bytes must be positive, got ",
                validation_bytes);
  TINYGPT_CHECK(options.batch_size >= 1 && options.steps >= 0, "train_bigram: batch size ",
                options.batch_size, " and steps ", options.steps, " must be positive");
  BigramReport report;
  report.initial_validation_loss = model.evaluate(validation);

  const Sgd sgd(options.learning_rate);
  const auto pairs = static_cast<std::uint32_t>(train.size() - 1);
  std::vector<std::int32_t> inputs(static_cast<std::size_t>(options.batch_size));
  std::vector<std::int32_t> targets(inputs.size());
  Tape tape;
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < options.steps; ++step) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      CounterRng rng(options.seed, RngStream::kData, static_cast<std::uint64_t>(step), i);
      const std::uint32_t position = rng.below(pairs);
      inputs[i] = train[position];
      targets[i] = train[position + 1];
    }
    tape.reset();
    model.parameters().zero_grad();
    const Tensor loss = model.loss(tape, inputs, targets);
    tape.backward(loss);
    sgd.step(model.parameters());
    if (options.log_every > 0 && step % options.log_every == 0) {
      log << "  step " << std::setw(5) << step << "  train loss " << std::fixed
          << std::setprecision(4) << loss.item() << "\n";
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.train_loss = model.evaluate(train);
  report.validation_loss = model.evaluate(validation);
  report.validation_perplexity = perplexity(report.validation_loss);
  report.validation_bits_per_byte = bits_per_byte(
      report.validation_loss, static_cast<std::int64_t>(validation.size()) - 1, validation_bytes);
  return report;
}

}  // namespace tinygpt::train
