// Questions about the world's facts, alone (qa) and in conversations (dialogues). Both ask
// with question_about and answer with the fact's own sentence, so they agree with each
// other and with the catalogue.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "world_detail.h"

namespace tinygpt::data {

namespace {

constexpr std::string_view kGreetings[] = {"Hello!", "Hi there.", "Good morning!"};
constexpr std::string_view kGreetingReplies[] = {"Hello! What would you like to know?",
                                                 "Hi! Ask me about the towns, people and "
                                                 "products of the world."};
constexpr std::string_view kThanks[] = {"Thank you!", "Thanks, that helps.", "Great, thanks."};
constexpr std::string_view kThanksReplies[] = {"You are welcome.", "Glad to help."};

}  // namespace

std::vector<QaPair> make_qa(const World& world, const std::vector<Fact>& facts,
                            std::int64_t count) {
  TINYGPT_CHECK(count > 0, "make_qa: count must be positive, got ", count);
  TINYGPT_CHECK(!facts.empty(), "make_qa: no facts");
  std::vector<QaPair> pairs;
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kQaStep, static_cast<std::uint64_t>(i));
    const int f = static_cast<int>(i % static_cast<std::int64_t>(facts.size()));
    pairs.push_back({f, detail::question_about(facts[f], rng), facts[f].value, facts[f].sentence});
  }
  return pairs;
}

std::vector<Dialogue> make_dialogues(const World& world, const std::vector<Fact>& facts,
                                     std::int64_t count) {
  TINYGPT_CHECK(count > 0, "make_dialogues: count must be positive, got ", count);
  const std::vector<int> seen = detail::seen_facts(facts);
  TINYGPT_CHECK(!seen.empty(), "make_dialogues: no seen facts");
  std::vector<Dialogue> dialogues;
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kDialogueStep,
                   static_cast<std::uint64_t>(i));
    Dialogue dialogue;
    dialogue.entity = facts[seen[detail::below(rng, seen.size())]].entity;
    // The entity's seen facts, asked about from a random start, one to three of them.
    std::vector<int> topics;
    for (const int f : seen) {
      if (facts[f].entity == dialogue.entity) topics.push_back(f);
    }
    const std::size_t first = detail::below(rng, topics.size());
    const std::size_t asked = std::min<std::size_t>(topics.size(), 1 + rng.below(3));
    if (rng.below(2) == 0) {
      dialogue.turns.push_back({"user", std::string(detail::pick(rng, kGreetings))});
      dialogue.turns.push_back({"assistant", std::string(detail::pick(rng, kGreetingReplies))});
    }
    for (std::size_t k = 0; k < asked; ++k) {
      const int f = topics[(first + k) % topics.size()];
      dialogue.turns.push_back({"user", detail::question_about(facts[f], rng)});
      dialogue.turns.push_back({"assistant", facts[f].sentence});
      dialogue.facts.push_back(f);
    }
    if (rng.below(2) == 0) {
      dialogue.turns.push_back({"user", std::string(detail::pick(rng, kThanks))});
      dialogue.turns.push_back({"assistant", std::string(detail::pick(rng, kThanksReplies))});
    }
    dialogues.push_back(dialogue);
  }
  return dialogues;
}

std::vector<detail::OutputFile> detail::qa_files(const World& world, const std::vector<Fact>& facts,
                                                 std::int64_t size) {
  // At least one question per fact, so every held-out fact has a probe at any size.
  const std::vector<QaPair> pairs =
      make_qa(world, facts, scaled_count(size, 512, static_cast<std::int64_t>(facts.size())));
  KindFiles files;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const QaPair& pair = pairs[i];
    const Fact& fact = facts[pair.fact];
    nlohmann::ordered_json record;
    record["id"] = "qa:" + std::to_string(i);
    record["fact"] = fact.id;
    record["question"] = pair.question;
    record["answer"] = pair.answer;
    record["response"] = pair.response;
    record["split"] = fact.held_out ? "held_out" : "seen";
    detail::add_change(record, world, fact);
    // Held-out facts stay out of every text file: the model must never read their answers.
    files.add(record, fact.held_out ? "" : "Q: " + pair.question + " A: " + pair.response + "\n");
  }
  return files.files("qa");
}

std::vector<detail::OutputFile> detail::dialogues_files(const World& world,
                                                        const std::vector<Fact>& facts,
                                                        std::int64_t size) {
  const std::vector<Dialogue> dialogues =
      make_dialogues(world, facts, scaled_count(size, 1024, 100));
  KindFiles files;
  for (std::size_t i = 0; i < dialogues.size(); ++i) {
    const Dialogue& dialogue = dialogues[i];
    nlohmann::ordered_json record;
    record["id"] = "dialogue:" + std::to_string(i);
    record["entity"] = dialogue.entity;
    record["turns"] = nlohmann::ordered_json::array();
    std::string text;
    for (const Turn& turn : dialogue.turns) {
      record["turns"].push_back({{"role", turn.role}, {"content", turn.content}});
      text += (turn.role == "user" ? "User: " : "Assistant: ") + turn.content + "\n";
    }
    record["facts"] = nlohmann::ordered_json::array();
    for (const int f : dialogue.facts) record["facts"].push_back(facts[f].id);
    files.add(record, text + "\n");
  }
  return files.files("dialogues");
}

}  // namespace tinygpt::data
