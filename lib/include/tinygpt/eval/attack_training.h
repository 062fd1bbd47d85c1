/// @file attack_training.h
/// @brief Adversarial training as a defence (Goodfellow et al., 2015; for text, the
/// augmentation of Jin et al., 2020): attack training reviews, add the successful
/// adversarial examples with their original labels to the training data, fine-tune on,
/// and compare with the control that fine-tunes as long on the clean data alone.
///
/// The run, in its output folder (new or empty; never inside the model or the world):
///
///     world/        a copy of the world whose reviews.jsonl also holds the adversarial
///                   examples, as records "review:adversarial-K" (K chosen so that
///                   tune::split_of puts the id in train) with the original's label,
///                   product and construction and "adversarial_of": the original's id
///     control/      tune::run_finetune from the classifier's folder on the original world
///     adversarial/  the same run on world/: same steps, batch, rate and seed
///     adversarial_examples.jsonl, report.json, REPORT.md
///
/// Both runs continue training the classifier's own head (its labels match the data's).
/// Every model, the original included, is scored on the same test reviews, clean and under
/// a fresh attack (attack.h) on that very model: an attack's examples are never replayed
/// against another model, since what fools one model need not fool another. Differences
/// are paired bootstraps on those reviews (eval/significance.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "tinygpt/eval/attack.h"
#include "tinygpt/eval/significance.h"

namespace tinygpt::eval {

/// @brief What an adversarial-training comparison does.
struct AdversarialTrainingConfig {
  std::filesystem::path model;  ///< a classifier's model folder (full, with its head)
  std::filesystem::path data;   ///< its world (`tinygpt data generate`, with reviews)
  std::filesystem::path out;    ///< the output folder: new or empty
  std::int64_t steps = 100;     ///< N, optimizer steps of each continued fine-tuning, > 0
  /// Training reviews attacked to make adversarial examples: the first ones of the train
  /// split (0: all).
  std::int64_t train_reviews = 500;
  /// Test reviews scored and attacked: the first ones of the test split (0: all).
  std::int64_t test_reviews = 0;
  AttackOptions attack;      ///< the attack, on the training reviews and on every model
  std::int64_t batch = 16;   ///< fine-tuning: examples per step
  float lr = 3e-4f;          ///< fine-tuning: the peak learning rate
  float min_lr = 3e-5f;      ///< fine-tuning: the rate at the end of the cosine
  std::int64_t context = 0;  ///< fine-tuning: tokens per review (0: the model's context)
  std::uint64_t seed = 1;    ///< fine-tuning's seed (the attack has its own)
};

/// @brief One model scored on the test reviews, clean and under its own attack.
struct AttackedModel {
  std::string name;             ///< "original", "control" or "adversarial"
  std::filesystem::path model;  ///< its folder
  AttackReport attack;          ///< clean accuracy, the attack's figures and examples
};

/// @brief A paired comparison of two models on the same test reviews.
struct ModelComparison {
  std::string a;             ///< the first model's name
  std::string b;             ///< the second's
  PairedBootstrap clean;     ///< clean accuracy, a - b
  PairedBootstrap attacked;  ///< accuracy under attack, a - b
};

/// @brief What an adversarial-training comparison measured.
struct AdversarialTrainingReport {
  std::int64_t train_attacked = 0;           ///< training reviews attacked
  std::int64_t train_added = 0;              ///< adversarial examples added to the training data
  double train_success_rate = 0.0;           ///< the attack's success rate on the training reviews
  std::filesystem::path world;               ///< the augmented world
  std::int64_t steps = 0;                    ///< N
  std::vector<AttackedModel> models;         ///< original, control, adversarial
  std::vector<ModelComparison> comparisons;  ///< control - original, adversarial -
                                             ///< original, adversarial - control

  /// @return every figure: the training attack, each model's attack report (without
  /// examples beyond the first five), each comparison.
  nlohmann::ordered_json to_json() const;

  /// @return two Markdown tables: the models, then the paired differences.
  std::string markdown() const;
};

/// @brief Checks a config before any work: the model is a classifier folder, the world
/// has reviews, steps and counts are positive, out is new or empty and lies outside the
/// model and the world, the attack's options are valid. Error naming the field.
/// @param config the config.
void check_adversarial_training(const AdversarialTrainingConfig& config);

/// @brief Runs the comparison (see the file) and writes the output folder.
/// @param config the comparison; checked first.
/// @param log progress lines.
/// @return the figures.
AdversarialTrainingReport run_adversarial_training(const AdversarialTrainingConfig& config,
                                                   std::ostream& log);

}  // namespace tinygpt::eval
