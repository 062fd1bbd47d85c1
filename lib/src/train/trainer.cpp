// Pre-training (train/trainer.h): the family's data and objective, run in the training loop.
#include "tinygpt/train/trainer.h"

#include <memory>

#include "pretraining_detail.h"
#include "tinygpt/models/config.h"

namespace tinygpt::train {

TrainResult run_training(const TrainConfig& config, const TrainCallbacks& callbacks,
                         Communicator& communicator) {
  const bool root = communicator.is_root();
  TrainCallbacks rank_callbacks = callbacks;
  if (!root) rank_callbacks.on_message = nullptr;
  // Two stages, each ended by agree_on_errors(): an error on one rank (a bad setting, a
  // missing file) then stops every rank instead of leaving the others waiting in a
  // collective. Rank 0 prepares the data first (tokenising writes out/data); the others
  // read what it wrote.
  detail::PreparedData prepared;
  agree_on_errors(communicator, [&] {
    check_train_config(config);
    check_run_folder(config);  // before tokenising, which can take a while
    if (root) prepared = detail::prepare_data(config, rank_callbacks, false);
  });
  std::unique_ptr<Objective> objective;
  agree_on_errors(communicator, [&] {
    if (!root) prepared = detail::prepare_data(config, rank_callbacks, true);
    objective = detail::make_pretraining_objective(config, prepared);
  });
  const RunRecord record{models::to_json(config.model), prepared.tokenizer_hash,
                         detail::pretraining_settings_json(config)};
  return run_loop(config, *objective, record, callbacks, communicator);
}

}  // namespace tinygpt::train
