// `tinygpt align` (align/alignment.h): a method's objective on the training loop, then its
// test report; and what the methods' reports share (align_runs.h).
#include "tinygpt/align/alignment.h"

#include <chrono>
#include <sstream>

#include "align_runs.h"
#include "tinygpt/align/preference_data.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/world.h"

namespace tinygpt::align {

namespace detail {

namespace {

// Conversations are scored in batches of this many.
constexpr std::size_t kScoreBatch = 32;

// The report shows this many questions the policy wins, and as many it loses.
constexpr int kExamplesShown = 3;

// The share of answers the judge finds correct, and polite.
// Text as a Markdown table cell: one line, its pipes escaped.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// A gold score (0, 0.5 or 1) as it reads best.
const char* gold(double score) {
  return score == 1.0 ? "1" : score == 0.5 ? "0.5" : "0";
}

std::vector<text::ChatTokens> conversations(std::span<const JudgedAnswer> answers,
                                            const ChatModel& model) {
  std::vector<text::ChatTokens> out;
  for (const JudgedAnswer& answer : answers) {
    out.push_back(encode_answer(answer.prompt, answer.answer, model.tokenizer, model.chat));
  }
  return out;
}

}  // namespace

models::ModelFolder load_reference(const AlignConfig& config) {
  return models::load_model_folder(config.reference.empty() ? config.model : config.reference);
}

std::vector<float> score_all(std::span<const text::ChatTokens> conversations, std::int64_t context,
                             const std::function<Tensor(Tape&, const tune::ChatBatch&)>& score) {
  std::vector<float> values;
  Tape tape;
  const NoGradGuard no_grad(tape);
  for (std::size_t first = 0; first < conversations.size(); first += kScoreBatch) {
    std::vector<const text::ChatTokens*> batch;
    for (std::size_t i = first; i < std::min(conversations.size(), first + kScoreBatch); ++i) {
      batch.push_back(&conversations[i]);
    }
    tape.reset();
    const Tensor scores = score(tape, tune::chat_batch(batch, context));
    values.insert(values.end(), scores.data, scores.data + scores.numel());
  }
  return values;
}

std::string policy_report(const ChatModel& policy, const ChatModel& reference,
                          std::span<const tune::PreferencePair> test, const AlignConfig& config,
                          const std::string& method, nlohmann::ordered_json& report) {
  const data::Judge judge(data::load_world(config.data));
  const std::int64_t context =
      config.context > 0 ? config.context : policy.gpt.config().context_length;
  const models::GenerateOptions greedy{.max_new_tokens = kAnswerTokens,
                                       .sampling = {.temperature = 0.0f}};
  const std::vector<JudgedAnswer> after =
      judged_answers(policy.gpt, policy.tokenizer, policy.chat, test, judge, greedy);
  const std::vector<JudgedAnswer> before =
      judged_answers(reference.gpt, reference.tokenizer, reference.chat, test, judge, greedy);
  const Comparison comparison = compare(after, before);
  // KL(pi || pi_ref) = E_{y ~ pi} [log pi(y) - log pi_ref(y)], the sequence-level estimator
  // on one sampled answer per question.
  const std::vector<JudgedAnswer> samples = judged_answers(
      policy.gpt, policy.tokenizer, policy.chat, test, judge,
      {.max_new_tokens = kAnswerTokens, .sampling = {.temperature = 1.0f}, .seed = config.seed});
  const std::vector<text::ChatTokens> sampled = conversations(samples, policy);
  const std::vector<float> policy_logprobs =
      score_all(sampled, context, [&policy](Tape& tape, const tune::ChatBatch& batch) {
        return answer_logprobs(tape, policy.gpt, batch);
      });
  const std::vector<float> reference_logprobs =
      score_all(sampled, context, [&reference](Tape& tape, const tune::ChatBatch& batch) {
        return answer_logprobs(tape, reference.gpt, batch);
      });
  double kl = 0.0;
  for (std::size_t i = 0; i < sampled.size(); ++i) {
    kl += policy_logprobs[i] - reference_logprobs[i];
  }
  kl /= static_cast<double>(sampled.size());

  const auto row = [](const std::string& name, std::span<const JudgedAnswer> answers) {
    const auto [correct, polite] = correct_and_polite(answers);
    return "| " + name + " | " + percent(mean_score(answers)) + " | " + percent(correct) + " | " +
           percent(polite) + " |\n";
  };
  std::ostringstream table;
  table.setf(std::ios::fixed);
  table.precision(3);
  table << "\n| greedy answers to the " << test.size()
        << " test questions | gold score % [95% CI] | correct % | polite % |\n"
        << "|---|---:|---:|---:|\n"
        << row("before (the reference)", before) << row("after " + method, after)
        << "\nWin rate of " << method
        << " over its reference by the judge: " << percent(comparison.win_rate) << "% ("
        << comparison.wins << " wins, " << comparison.ties << " ties, " << comparison.losses
        << " losses); KL to the reference " << kl << " nats per answer.\n";
  // A few questions where the two differ, for the reader to see what changed.
  nlohmann::ordered_json examples = nlohmann::ordered_json::array();
  table << "\n| question | before | after " << method << " |\n|---|---|---|\n";
  int shown[2] = {0, 0};  // losses, wins
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (after[i].score == before[i].score) continue;
    const bool win = after[i].score > before[i].score;
    if (shown[win ? 1 : 0]++ >= kExamplesShown) continue;
    examples.push_back({{"question", after[i].prompt},
                        {"before", before[i].answer},
                        {"before_score", before[i].score},
                        {"after", after[i].answer},
                        {"after_score", after[i].score}});
    table << "| " << cell(after[i].prompt) << " | " << cell(before[i].answer) << " ("
          << gold(before[i].score) << ") | " << cell(after[i].answer) << " ("
          << gold(after[i].score) << ") |\n";
  }
  report["judged"] = {{"questions", test.size()},
                      {"gold_score", mean_score(after).value},
                      {"reference_gold_score", mean_score(before).value},
                      {"win_rate", comparison.win_rate.value},
                      {"win_rate_low", comparison.win_rate.low},
                      {"win_rate_high", comparison.win_rate.high},
                      {"wins", comparison.wins},
                      {"ties", comparison.ties},
                      {"losses", comparison.losses},
                      {"kl", kl},
                      {"examples", examples}};
  return table.str();
}

}  // namespace detail

AlignResult run_align(const AlignConfig& config, const train::TrainCallbacks& callbacks,
                      train::Communicator& communicator) {
  const auto start = std::chrono::steady_clock::now();
  train::agree_on_errors(communicator, [&config, &communicator] {
    check_align_config(config);
    // PPO's rollouts are one process's samples on its own engine.
    TINYGPT_CHECK(config.method != "ppo" || communicator.size() == 1,
                  "--method ppo runs in one process, not ", communicator.size());
  });
  std::unique_ptr<detail::AlignRun> run;
  if (config.method == "reward") {
    run = detail::reward_run(config);
  } else if (config.method == "dpo") {
    run = detail::dpo_run(config);
  } else if (config.method == "contrastive") {
    run = detail::contrastive_run(config);
  } else {
    run = detail::ppo_run(config);
  }
  AlignResult result;
  result.model_dir = config.out / "model";
  result.report = config.out / "report.json";
  result.training = train::run_loop(
      config, *run, {models::to_json(run->model_config()), 0, settings_json(config)}, callbacks,
      communicator);
  if (!communicator.is_root() || result.training.interrupted) return result;
  nlohmann::ordered_json report;
  report["method"] = config.method;
  result.summary = run->test_report(report);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report["seconds"] = result.seconds;
  write_file_atomically(result.report, report.dump(2) + "\n");
  return result;
}

}  // namespace tinygpt::align
