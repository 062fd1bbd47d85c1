// The methods of `tinygpt align` as objectives of the training loop, and what their reports
// share. Private to the library: align/alignment.h is the interface.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/align/alignment.h"
#include "tinygpt/align/judged_answers.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/train/objective.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::align::detail {

// The longest answer generated for the judged figures (the world's answers are short).
constexpr std::int64_t kAnswerTokens = 48;

// A method of `tinygpt align`: an objective of the loop that also reports on the test set.
class AlignRun : public train::Objective {
 public:
  // The trained model's config (the checkpoints record it).
  virtual const models::ModelConfig& model_config() const = 0;
  // Scores the test set: a Markdown summary, the figures added to `report`.
  virtual std::string test_report(nlohmann::ordered_json& report) = 0;
};

std::unique_ptr<AlignRun> reward_run(const AlignConfig& config);
std::unique_ptr<AlignRun> dpo_run(const AlignConfig& config);
std::unique_ptr<AlignRun> contrastive_run(const AlignConfig& config);
std::unique_ptr<AlignRun> ppo_run(const AlignConfig& config);

using tune::percent;

// The reference model a policy method compares with: config.reference, or config.model.
models::ModelFolder load_reference(const AlignConfig& config);

// A chat model with its tokenizer and markers, as judged_answers() wants them.
struct ChatModel {
  models::Gpt& gpt;
  const text::BpeTokenizer& tokenizer;
  const text::ChatTemplate& chat;
};

// score(tape, batch) of every conversation (a (B, 1) result per batch), without gradients.
std::vector<float> score_all(std::span<const text::ChatTokens> conversations, std::int64_t context,
                             const std::function<Tensor(Tape&, const tune::ChatBatch&)>& score);

// A trained policy against its reference on the test questions: both models' greedy
// answers judged (gold score, correct, polite) and compared (win rate), and the KL to the
// reference estimated on one sampled answer per question. A Markdown table; the figures go
// to report["judged"].
std::string policy_report(const ChatModel& policy, const ChatModel& reference,
                          std::span<const tune::PreferencePair> test, const AlignConfig& config,
                          const std::string& method, nlohmann::ordered_json& report);

}  // namespace tinygpt::align::detail
