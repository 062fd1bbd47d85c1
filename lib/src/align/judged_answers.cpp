// Answers judged by the world's ground truth, and two models compared (align/judged_answers.h).
#include "tinygpt/align/judged_answers.h"

#include "tinygpt/core/check.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::align {

double gold_score(const data::Verdict& verdict) {
  if (verdict.correctness != data::Correctness::kCorrect) return 0.0;
  return verdict.polite ? 1.0 : 0.5;
}

std::vector<JudgedAnswer> judged_answers(models::Gpt& gpt, const text::BpeTokenizer& tokenizer,
                                         const text::ChatTemplate& chat,
                                         std::span<const tune::PreferencePair> pairs,
                                         const data::Judge& judge,
                                         const models::GenerateOptions& generation) {
  std::vector<std::vector<text::ChatTurn>> questions;
  for (const tune::PreferencePair& pair : pairs) {
    questions.push_back({{"user", pair.prompt}});
  }
  const std::vector<std::string> answers =
      tune::answer_questions(gpt, tokenizer, chat, questions, generation);
  std::vector<JudgedAnswer> judged;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const data::Verdict verdict = judge.judge(pairs[i].prompt, answers[i]);
    judged.push_back({pairs[i].prompt, answers[i], verdict, gold_score(verdict)});
  }
  return judged;
}

Comparison compare(std::span<const JudgedAnswer> first, std::span<const JudgedAnswer> second) {
  TINYGPT_CHECK(!first.empty() && first.size() == second.size(), "compare: ", first.size(),
                " answers against ", second.size());
  Comparison comparison;
  std::vector<double> outcomes;
  for (std::size_t i = 0; i < first.size(); ++i) {
    const double difference = first[i].score - second[i].score;
    if (difference > 0.0) ++comparison.wins;
    if (difference == 0.0) ++comparison.ties;
    if (difference < 0.0) ++comparison.losses;
    outcomes.push_back(difference > 0.0 ? 1.0 : difference == 0.0 ? 0.5 : 0.0);
  }
  comparison.win_rate = tune::bootstrap_mean(outcomes);
  return comparison;
}

tune::Interval mean_score(std::span<const JudgedAnswer> answers) {
  std::vector<double> scores;
  for (const JudgedAnswer& answer : answers) scores.push_back(answer.score);
  return tune::bootstrap_mean(scores);
}

std::pair<double, double> correct_and_polite(std::span<const JudgedAnswer> answers) {
  TINYGPT_CHECK(!answers.empty(), "correct_and_polite: no answers");
  double correct = 0.0, polite = 0.0;
  for (const JudgedAnswer& answer : answers) {
    correct += answer.verdict.correctness == data::Correctness::kCorrect ? 1.0 : 0.0;
    polite += answer.verdict.polite ? 1.0 : 0.0;
  }
  const auto count = static_cast<double>(answers.size());
  return {correct / count, polite / count};
}

}  // namespace tinygpt::align
