// What the robustness and attack tests score: step 04's small world and tiny GPT, fine-tuned
// into a classifier once per test program (about a second), and a world's reviews alone.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::testing {

/// A classifier fine-tuned on the setup's world: 60 steps of 16 reviews, full fine-tuning.
/// Its accuracy is far from perfect, which leaves the attack something to do.
struct TrainedClassifier {
  FinetuneSetup setup;
  std::filesystem::path model;            ///< the classifier's model folder
  std::vector<tune::LabelledText> test;   ///< the world's test reviews
  std::vector<tune::LabelledText> train;  ///< the world's training reviews

  TrainedClassifier() {
    tune::FinetuneConfig config = setup.config("classifier", "classify", "full");
    config.steps = 60;
    config.batch = 16;
    config.lr = 1e-2f;
    config.min_lr = 1e-3f;
    config.eval_interval = 60;
    model = tune::run_finetune(config).model_dir;
    test = tune::load_reviews(world(), tune::Split::kTest);
    train = tune::load_reviews(world(), tune::Split::kTrain);
  }

  std::filesystem::path world() const { return setup.dir.path() / "world"; }
};

/// The one classifier of the test program.
inline TrainedClassifier& trained_classifier() {
  static TrainedClassifier trained;
  return trained;
}

/// A generated world's reviews alone (no model): for the tests of the perturbed texts.
struct ReviewWorld {
  TempDir dir{"reviews"};
  std::vector<tune::LabelledText> test;   ///< the world's test reviews
  std::vector<tune::LabelledText> train;  ///< the world's training reviews

  ReviewWorld() {
    data::generate({.seed = 1, .size = 20000, .kinds = {"reviews"}}, world());
    test = tune::load_reviews(world(), tune::Split::kTest);
    train = tune::load_reviews(world(), tune::Split::kTrain);
  }

  std::filesystem::path world() const { return dir.path() / "world"; }
};

/// Every regular file below a folder with its bytes: to show that nothing was written.
inline std::map<std::string, std::string> folder_contents(const std::filesystem::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) {
      files[entry.path().lexically_relative(folder).string()] = read_file(entry.path());
    }
  }
  return files;
}

}  // namespace tinygpt::testing
