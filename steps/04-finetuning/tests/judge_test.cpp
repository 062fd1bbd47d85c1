// The ground-truth judge (data/judge.h): it must agree with the generator's own ground truth
// on every QA pair, dialogue and preference pair of a small instance, and its negative
// controls (no answer, a wrong value, a prompt about nothing, a value inside a longer word)
// must come out as the rules say.
#include <optional>
#include <string>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/data/judge.h"
#include "tinygpt/data/world.h"
#include "tinygpt_catch.hpp"

using namespace tinygpt;
using namespace tinygpt::data;

// Failed checks show "wrong == correct", not "2 == 1".
template <>
struct Catch::StringMaker<Correctness> {
  static std::string convert(Correctness correctness) {
    return std::string(correctness_name(correctness));
  }
};

namespace {

// Seed 1's world and judge, made once for every test case of this file.
struct Instance {
  World world = make_world(1);
  std::vector<Fact> facts = make_facts(world);
  Judge judge{world};
};

const Instance& instance() {
  static const Instance shared;
  return shared;
}

// The first fact with this attribute whose value passes `keep`.
template <typename Keep>
int first_fact(const std::string& attribute, Keep keep) {
  const std::vector<Fact>& facts = instance().facts;
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (facts[i].attribute == attribute && keep(facts[i])) return static_cast<int>(i);
  }
  FAIL("no fact with attribute " << attribute);
  return -1;
}

int first_fact(const std::string& attribute) {
  return first_fact(attribute, [](const Fact&) { return true; });
}

std::string lowercase(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace

TEST_CASE("the judge's facts are make_facts(world), in order", "[step04][judge]") {
  const std::vector<Fact>& facts = instance().judge.facts();
  REQUIRE(facts.size() == instance().facts.size());
  for (std::size_t i = 0; i < facts.size(); ++i) CHECK(facts[i].id == instance().facts[i].id);
}

TEST_CASE("every QA question names its fact, and its answer and response are correct",
          "[step04][judge]") {
  const Instance& in = instance();
  // Pair i asks about fact i, so one pair per fact asks about every fact once, in both
  // phrasings over the world's many facts.
  const std::vector<QaPair> pairs =
      make_qa(in.world, in.facts, static_cast<std::int64_t>(in.facts.size()));
  for (const QaPair& pair : pairs) {
    INFO(pair.question << " / " << pair.response);
    const std::optional<int> asked = in.judge.fact_asked(pair.question);
    REQUIRE(asked.has_value());
    CHECK(*asked == pair.fact);
    for (const std::string& answer :
         {pair.answer, pair.response, lowercase(pair.response), pair.answer + " I think so."}) {
      const Verdict verdict = in.judge.judge(pair.question, answer);
      CHECK(verdict.fact == pair.fact);
      CHECK(verdict.correctness == Correctness::kCorrect);
      CHECK(verdict.wrong_value.empty());
      CHECK(verdict.answers);
      CHECK_FALSE(verdict.stock_evasion);
      CHECK(verdict.polite);
    }
  }
}

TEST_CASE("preference pairs are judged as their reasons say", "[step04][judge]") {
  const Instance& in = instance();
  const std::vector<Preference> pairs = make_preferences(in.world, in.facts, 300);
  int reasons[3] = {0, 0, 0};
  for (const Preference& pair : pairs) {
    INFO(pair.reason << ": " << pair.prompt << " / " << pair.chosen << " / " << pair.rejected);
    REQUIRE(in.judge.fact_asked(pair.prompt) == pair.fact);
    const Verdict chosen = in.judge.judge(pair.prompt, pair.chosen);
    const Verdict rejected = in.judge.judge(pair.prompt, pair.rejected);
    CHECK(chosen.correctness == Correctness::kCorrect);
    CHECK(chosen.answers);
    CHECK(chosen.polite);
    if (pair.reason == "correct_fact") {
      ++reasons[0];
      CHECK(rejected.correctness == Correctness::kWrong);
      CHECK(rejected.wrong_value == pair.wrong_value);
      CHECK(rejected.answers);  // a hallucination answers, wrongly
      CHECK(rejected.polite);
    } else if (pair.reason == "helpful") {
      ++reasons[1];
      CHECK(rejected.correctness == Correctness::kAbstains);
      CHECK_FALSE(rejected.answers);
      CHECK(rejected.stock_evasion);
      CHECK(rejected.polite);
    } else {
      REQUIRE(pair.reason == "polite");
      ++reasons[2];
      CHECK(rejected.correctness == Correctness::kCorrect);
      CHECK(rejected.answers);
      CHECK_FALSE(rejected.polite);
    }
  }
  CHECK(reasons[0] == 100);
  CHECK(reasons[1] == 100);
  CHECK(reasons[2] == 100);
}

TEST_CASE("each answer of a dialogue is correct for the fact the dialogue lists",
          "[step04][judge]") {
  const Instance& in = instance();
  for (const Dialogue& dialogue : make_dialogues(in.world, in.facts, 200)) {
    // The user's questions, in order, are about the dialogue's facts; greetings and thanks
    // ask about nothing.
    std::vector<int> asked;
    for (std::size_t t = 0; t + 1 < dialogue.turns.size(); t += 2) {
      const std::string& question = dialogue.turns[t].content;
      const std::string& reply = dialogue.turns[t + 1].content;
      INFO(question << " / " << reply);
      const Verdict verdict = in.judge.judge(question, reply);
      if (verdict.fact < 0) {
        CHECK(verdict.correctness == Correctness::kUnknown);
        continue;
      }
      asked.push_back(verdict.fact);
      CHECK(verdict.correctness == Correctness::kCorrect);
      CHECK(verdict.answers);
      CHECK(verdict.polite);
    }
    CHECK(asked == dialogue.facts);
  }
}

TEST_CASE("no answer abstains and evades, another value is wrong, and so are both values",
          "[step04][judge]") {
  const Instance& in = instance();
  const int f = first_fact("pet");
  const Fact& fact = in.facts[f];
  const std::string other = fact.value == "cat" ? "dog" : "cat";

  const Verdict empty = in.judge.judge_fact(f, "");
  CHECK(empty.fact == f);
  CHECK(empty.correctness == Correctness::kAbstains);
  CHECK_FALSE(empty.answers);
  CHECK(empty.polite);

  const Verdict wrong = in.judge.judge_fact(f, fact.entity_name + " has a " + other + ".");
  CHECK(wrong.correctness == Correctness::kWrong);
  CHECK(wrong.wrong_value == other);
  CHECK(wrong.answers);

  // Stating the right value next to a wrong one still contradicts the catalogue.
  const Verdict both = in.judge.judge_fact(f, "A " + fact.value + " and a " + other + ".");
  CHECK(both.correctness == Correctness::kWrong);
  CHECK(both.wrong_value == other);

  // Values of another attribute are not answers: a town is no pet.
  const Verdict off_topic =
      in.judge.judge_fact(f, fact.entity_name + " lives in " + in.world.towns[0].name + ".");
  CHECK(off_topic.correctness == Correctness::kAbstains);
  CHECK_FALSE(off_topic.answers);

  // Case does not matter for values, punctuation and case not for the stock phrases.
  CHECK(in.judge.judge_fact(f, "IT HAS A " + lowercase(fact.value) + "!").correctness ==
        Correctness::kCorrect);
  const Verdict rude = in.judge.judge_fact(f, "UGH FINE: a " + fact.value);
  CHECK(rude.correctness == Correctness::kCorrect);
  CHECK_FALSE(rude.polite);
  const Verdict evasion = in.judge.judge_fact(f, "i would rather NOT say");
  CHECK(evasion.stock_evasion);
  CHECK_FALSE(evasion.answers);
}

TEST_CASE("a prompt about nothing in the world is unknown, not an error", "[step04][judge]") {
  const Instance& in = instance();
  const std::vector<std::string> prompts = {
      "", "What is the capital of France?", "Hello!", "Thanks, that helps.",
      // A name with no attribute asked, and a question with no name.
      in.world.people[0].name + " says hello.", "Which river is it on?"};
  for (const std::string& prompt : prompts) {
    INFO(prompt);
    CHECK_FALSE(in.judge.fact_asked(prompt).has_value());
    const Verdict verdict = in.judge.judge(prompt, "Ugh, fine. I would rather not say.");
    CHECK(verdict.fact == -1);
    CHECK(verdict.correctness == Correctness::kUnknown);
    CHECK(correctness_name(verdict.correctness) == "unknown");
    CHECK_FALSE(verdict.answers);
    CHECK(verdict.stock_evasion);  // still judged without a fact
    CHECK_FALSE(verdict.polite);
  }
  // Two facts asked at once are no single fact; a named value is not asked about.
  const Person& person = in.world.people[0];
  const Town& town = in.world.towns[person.town];
  CHECK_FALSE(
      in.judge
          .fact_asked("Where does " + person.name + " live? Which river is " + town.name + " on?")
          .has_value());
  CHECK(in.judge.fact_asked("Does " + person.name + " live in " + town.name + "?") ==
        first_fact("town", [&](const Fact& fact) { return fact.entity_name == person.name; }));
}

TEST_CASE("values match as whole words, not inside longer words", "[step04][judge]") {
  const Instance& in = instance();
  // "5 crowns" is inside "15 crowns": a substring judge would call "1N crowns" correct.
  const int price = first_fact("price");
  const Verdict longer = in.judge.judge_fact(price, "It costs 1" + in.facts[price].value + ".");
  CHECK(longer.correctness == Correctness::kWrong);
  CHECK(longer.wrong_value == "1" + in.facts[price].value);
  // A bare number is no price; a number with crowns is read as a number.
  const std::string number = in.facts[price].value.substr(0, in.facts[price].value.find(' '));
  CHECK(in.judge.judge_fact(price, "It costs " + number + ".").correctness ==
        Correctness::kAbstains);
  CHECK(in.judge.judge_fact(price, "It costs 0" + number + " crowns.").correctness ==
        Correctness::kCorrect);

  // "clock" is inside "clockmaker": a substring judge would find a second kind here.
  const int kind = first_fact("kind", [](const Fact& fact) { return fact.value != "clock"; });
  const Verdict clockmaker =
      in.judge.judge_fact(kind, "It is a " + in.facts[kind].value + " sold by a clockmaker.");
  CHECK(clockmaker.correctness == Correctness::kCorrect);
  CHECK(in.judge.judge_fact(kind, "A clockmaker made it.").correctness == Correctness::kAbstains);

  // A name followed by more letters is another word.
  const int home = first_fact("town");
  CHECK(in.judge.judge_fact(home, "In " + in.facts[home].value + "ia.").correctness ==
        Correctness::kAbstains);
  // The asked entity's name inside a longer word is no name either.
  CHECK_FALSE(
      in.judge.fact_asked("Where does " + in.facts[home].entity_name + "son live?").has_value());
}

TEST_CASE("judge_fact rejects an index that is not a fact, and correctness has names",
          "[step04][judge]") {
  const Instance& in = instance();
  CHECK_THROWS_AS(in.judge.judge_fact(-1, "x"), Error);
  CHECK_THROWS_AS(in.judge.judge_fact(static_cast<int>(in.facts.size()), "x"), Error);
  CHECK(correctness_name(Correctness::kCorrect) == "correct");
  CHECK(correctness_name(Correctness::kWrong) == "wrong");
  CHECK(correctness_name(Correctness::kAbstains) == "abstains");
}
