// The content policy (serve/content_policy.h): word rules on boundaries and case, regular
// expressions with a step limit, input and output sides, files refused with the rule and
// field named; a classifier and a reward model on tiny random models (mechanics, not
// skill); the world's politeness pairs as a task and as a measurement.
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "../../05-alignment/tests/alignment_fixture.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/serve/content_policy.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt_catch.hpp"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

serve::ContentPolicy policy_of(const std::string& json_text) {
  return serve::parse_content_policy(json_text, "policy.json");
}

const char* const kRules = R"({"rules": [
  {"name": "no-weapons", "applies_to": "both", "match": "word",
   "patterns": ["gun", "pipe bomb"], "message": "No weapons."},
  {"name": "no-secrets", "applies_to": "input", "match": "word",
   "patterns": ["password"], "message": "No secrets."},
  {"name": "no-cards", "applies_to": "output", "match": "regex",
   "patterns": ["\\b(?:\\d[ -]?){12,15}\\d\\b"], "message": "No card numbers."}]})";

}  // namespace

TEST_CASE("word rules match whole words in any case and across whitespace", "[step07][policy]") {
  const serve::ContentPolicy policy = policy_of(kRules);
  const serve::PolicyDecision refused = policy.check_input("Where can I buy a GUN?");
  CHECK_FALSE(refused.allowed);
  CHECK(refused.policy == "no-weapons");
  CHECK(refused.message == "No weapons.");
  CHECK_FALSE(policy.check_input("how to build a Pipe\n\t Bomb").allowed);
  CHECK_FALSE(policy.check_input("gun").allowed);
  // Inside another word it is not the word.
  CHECK(policy.check_input("The race has begun.").allowed);
  CHECK(policy.check_input("a gunsmith's shop").allowed);
  CHECK(policy.check_input("pipe bombastic").allowed);
  // Letters of other scripts are letters: no boundary between "gun" and "é".
  CHECK(policy.check_input("gun\xc3\xa9").allowed);
  const serve::PolicyDecision allowed = policy.check_input("What is the capital of Ostmark?");
  CHECK(allowed.allowed);
  CHECK(allowed.policy.empty());
  CHECK(allowed.message.empty());
}

TEST_CASE("input rules check prompts and output rules check answers", "[step07][policy]") {
  const serve::ContentPolicy policy = policy_of(kRules);
  CHECK_FALSE(policy.check_input("my password is hunter2").allowed);
  CHECK(policy.check_output("my password is hunter2").allowed);
  CHECK(policy.check_input("card 4111 1111 1111 1111").allowed);
  const serve::PolicyDecision card = policy.check_output("card 4111 1111 1111 1111");
  CHECK_FALSE(card.allowed);
  CHECK(card.policy == "no-cards");
  CHECK(policy.check_output("call 555 1234").allowed);
  CHECK_FALSE(policy.check_output("a gun").allowed);
  CHECK(policy.names() == std::vector<std::string>{"no-weapons", "no-secrets", "no-cards"});
  // The empty policy allows everything.
  CHECK(serve::ContentPolicy().check_input("a gun").allowed);
  CHECK(policy_of(R"({"rules": []})").check_output("a gun").allowed);
}

TEST_CASE("a regex that backtracks catastrophically stops at its limit and refuses",
          "[step07][policy]") {
  const serve::ContentPolicy policy = policy_of(R"({"rules": [{"name": "slow", "applies_to":
      "input", "match": "regex", "patterns": ["^(a+)+$"], "message": "Slow."}]})");
  // 40 letters and a b: 2^40 ways to split the letters without the limit.
  const std::string text = std::string(40, 'a') + "b";
  const auto start = std::chrono::steady_clock::now();
  const serve::PolicyDecision decision = policy.check_input(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 2.0);
  CHECK_FALSE(decision.allowed);
  CHECK(decision.policy == "slow");
  CHECK_THAT(decision.message, contains("could not finish"));
  CHECK_FALSE(policy.check_input("aaaa").allowed);  // a real match is quick
  CHECK(policy.check_input("bbbb").allowed);
  // Invalid UTF-8 is searched, not an error.
  CHECK(policy.check_input("\xff\xfe").allowed);
}

TEST_CASE("bad policy files are refused naming the file, the rule and the field",
          "[step07][policy]") {
  REQUIRE_THROWS_WITH(policy_of("{"), contains("policy.json: not valid JSON"));
  REQUIRE_THROWS_WITH(policy_of(R"({"rule": []})"), contains("unknown field \"rule\""));
  REQUIRE_THROWS_WITH(policy_of(R"({})"), contains("field \"rules\" must be an array"));
  const std::string good =
      R"({"name": "a", "applies_to": "both", "match": "word", "patterns": ["x"], "message": "m"})";
  const auto with_second = [&good](const std::string& second) {
    return policy_of(R"({"rules": [)" + good + ", " + second + "]}");
  };
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b", "applies_to": "both", "match": "word",
      "pattern": ["x"], "message": "m"})"),
                      contains("policy.json: rules[1]: unknown field \"pattern\""));
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b", "applies_to": "everything", "match": "word",
      "patterns": ["x"], "message": "m"})"),
                      contains("rules[1]: field \"applies_to\" is \"everything\""));
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b", "applies_to": "both", "match": "glob",
      "patterns": ["x"], "message": "m"})"),
                      contains("rules[1]: field \"match\" is \"glob\""));
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b", "applies_to": "both", "match": "word",
      "patterns": [], "message": "m"})"),
                      contains("rules[1]: field \"patterns\" must be a non-empty array"));
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b", "applies_to": "both", "match": "word",
      "patterns": ["x", " "], "message": "m"})"),
                      contains("rules[1]: patterns[1] is empty"));
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b", "applies_to": "both", "match": "regex",
      "patterns": ["(unclosed"], "message": "m"})"),
                      contains("rules[1]: patterns[0] is not a valid regular expression"));
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b", "applies_to": "both", "match": "word",
      "patterns": ["x"]})"),
                      contains("rules[1]: field \"message\" is missing"));
  REQUIRE_THROWS_WITH(with_second(good),
                      contains("rules[1]: field \"name\": \"a\" names an earlier"));
  REQUIRE_THROWS_WITH(with_second(R"({"name": "b c", "applies_to": "both", "match": "word",
      "patterns": ["x"], "message": "m"})"),
                      contains("rules[1]: field \"name\" is \"b c\""));
  REQUIRE_THROWS_WITH(serve::load_content_policy("/nonexistent/policy.json"),
                      contains("/nonexistent/policy.json"));
}

TEST_CASE("the sample policy deploy/policy.json loads and refuses what it says",
          "[step07][policy]") {
  const serve::ContentPolicy policy = serve::load_content_policy(TINYGPT_DEPLOY_POLICY);
  CHECK_FALSE(policy.check_input("How do I make a bomb at home?").allowed);
  CHECK_FALSE(policy.check_output("Ugh, fine. Ada lives in Brill.").allowed);
  CHECK(policy.check_output("Of course. Ada lives in Brill.").allowed);
  CHECK(policy.check_input("Ugh, my homework.").allowed);  // impoliteness is an output rule
}

TEST_CASE("the world's polite pairs become a classification task and a measurement",
          "[step07][policy]") {
  const TempDir dir("policy-politeness");
  data::generate({.seed = 1, .size = 20000, .kinds = {"preferences"}}, dir.path() / "world");
  const std::int64_t records =
      serve::write_politeness_task(dir.path() / "world", dir.path() / "task");
  std::int64_t pairs = 0;
  for (const tune::Split split : {tune::Split::kTrain, tune::Split::kDev, tune::Split::kTest}) {
    for (const auto& pair : tune::load_preferences(dir.path() / "world", split)) {
      pairs += pair.reason == "polite" ? 1 : 0;
    }
  }
  CHECK(records == 2 * pairs);
  // The task reads as step 04's reviews, both labels in every split.
  for (const tune::Split split : {tune::Split::kTrain, tune::Split::kDev, tune::Split::kTest}) {
    const std::vector<tune::LabelledText> task = tune::load_reviews(dir.path() / "task", split);
    CHECK(tune::label_set(task) == std::vector<std::string>{"polite", "rude"});
  }
  // The sample policy's word rule knows two of the three rude openings of the world.
  const serve::PolitenessFigures figures = serve::measure_politeness(
      serve::load_content_policy(TINYGPT_DEPLOY_POLICY), dir.path() / "world", "test");
  CHECK(figures.polite == figures.rude);
  CHECK(figures.refused_polite == 0);
  CHECK(figures.precision() == 1.0);
  CHECK(figures.recall() > 0.4);
  CHECK(figures.recall() < 0.9);
  REQUIRE_THROWS_WITH(serve::write_politeness_task(dir.path() / "task", dir.path() / "again"),
                      contains("preferences.jsonl"));
}

TEST_CASE("a classifier and a reward model refuse by threshold, from many threads",
          "[step07][policy]") {
  const TempDir dir("policy-models");
  testing::make_world_and_chat_model(dir.path());
  // A classifier (polite, rude) and a reward model with random heads: the checks'
  // mechanics, not their judgement.
  {
    models::ModelFolder base = models::load_model_folder(dir.path() / "base");
    const models::TaskHead head{"classification", {"polite", "rude"}, "last"};
    models::add_head_parameters(base.parameters(), base.config.width, head, 7);
    models::save_model_folder(dir.path() / "classifier", base.config, base.parameters(),
                              base.tokenizer, head);
    models::ModelFolder chat = models::load_model_folder(dir.path() / "chat");
    const models::TaskHead reward{"reward", {"reward"}, "last"};
    models::add_head_parameters(chat.parameters(), chat.config.width, reward, 8);
    models::save_model_folder(dir.path() / "reward", chat.config, chat.parameters(), chat.tokenizer,
                              reward, chat.chat);
  }
  const auto write = [&dir](const std::string& name, const std::string& checks) {
    write_file_atomically(dir.path() / name, R"({"rules": [], )" + checks + "}");
    return serve::load_content_policy(dir.path() / name);
  };
  const std::string classifier =
      R"("classifier": {"name": "impolite", "model": "classifier", "label": "rude",
          "applies_to": "both", "message": "Impolite.", "threshold": )";
  const serve::ContentPolicy strict = write("strict.json", classifier + "1e-6}");
  const serve::ContentPolicy lenient = write("lenient.json", classifier + "1.0}");
  CHECK_FALSE(strict.check_input("Ugh, fine.").allowed);
  CHECK(strict.check_output("Ugh, fine.").policy == "impolite");
  CHECK(lenient.check_output("Ugh, fine.").allowed);

  const std::string reward = R"("reward_model": {"name": "low-reward", "model": "reward",
      "message": "Low.", "min_score": )";
  const serve::ContentPolicy high = write("high.json", reward + "1e9}");
  const serve::ContentPolicy low = write("low.json", reward + "-1e9}");
  CHECK(high.check_output("Of course.", "Where does Ada live?").policy == "low-reward");
  CHECK(low.check_output("Of course.", "Where does Ada live?").allowed);
  CHECK(high.check_input("Of course.").allowed);  // the reward model checks answers only

  // Many threads at once: the model checks take turns behind their mutex.
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        refused += strict.check_output("Look it up.").allowed ? 0 : 1;
        refused += high.check_output("Of course.").allowed ? 0 : 1;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(refused == 40);

  REQUIRE_THROWS_WITH(write("bad-label.json", R"("classifier": {"name": "c", "model":
      "classifier", "label": "angry", "threshold": 0.5, "message": "m"})"),
                      contains("bad-label.json: classifier: "));
  REQUIRE_THROWS_WITH(write("bad-threshold.json", classifier + "1.5}"),
                      contains("field \"threshold\" is 1.5"));
  REQUIRE_THROWS_WITH(write("not-reward.json", R"("reward_model": {"name": "r", "model": "chat",
      "min_score": 0, "message": "m"})"),
                      contains("is not a reward model"));
}
