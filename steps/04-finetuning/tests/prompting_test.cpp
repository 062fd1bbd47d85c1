// Prompting (tune/prompting.h): the verbalizer's score (exercise 04.3), demonstrations by
// seed, prompts that keep to the context, and batched scoring that agrees with scoring
// every candidate alone.
#include <cmath>
#include <set>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/tune/prompting.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

TEST_CASE("continuation_logprob sums the log-probabilities of the continuation's tokens",
          "[step04][prompting][ex04.3]") {
  const Matrix logits = testing::matrix_of({{0.0f, 1.0f, 2.0f},    // predicts position 1
                                            {3.0f, 0.0f, -1.0f},   // predicts position 2
                                            {1.0f, 1.0f, 1.0f}});  // predicts nothing
  const std::vector<std::int32_t> ids = {2, 1, 0};
  const auto log_softmax = [&logits](int row, int column) {
    double sum = 0.0;
    for (int c = 0; c < 3; ++c) sum += std::exp(logits(row, c));
    return logits(row, column) - std::log(sum);
  };
  CHECK(tune::continuation_logprob(logits, ids, 1) ==
        Approx(log_softmax(0, 1) + log_softmax(1, 0)).epsilon(1e-6));
  CHECK(tune::continuation_logprob(logits, ids, 2) == Approx(log_softmax(1, 0)).epsilon(1e-6));
  // Large logits must not overflow.
  const Matrix large = logits.array() + 1000.0f;
  CHECK(tune::continuation_logprob(large, ids, 2) == Approx(log_softmax(1, 0)).epsilon(1e-5));
  CHECK_THROWS_WITH(tune::continuation_logprob(logits, ids, 0), contains("prompt length 0"));
  CHECK_THROWS_WITH(tune::continuation_logprob(logits, ids, 3), contains("prompt length 3"));
}

TEST_CASE("demonstrations are distinct, drawn by seed, and grouped by label on request",
          "[step04][prompting]") {
  std::vector<tune::LabelledText> pool;
  for (int i = 0; i < 30; ++i) {
    pool.push_back({std::to_string(i), std::to_string(i),
                    i % 3 == 0   ? "negative"
                    : i % 3 == 1 ? "neutral"
                                 : "positive",
                    ""});
  }
  const std::vector<std::string> labels = {"negative", "neutral", "positive"};
  tune::PromptChoice choice{{"f", "{input}"}, {}, 6, 0, false};
  const auto ids = [](const std::vector<tune::LabelledText>& drawn) {
    std::vector<std::string> out;
    for (const tune::LabelledText& example : drawn) out.push_back(example.id);
    return out;
  };
  const std::vector<std::string> first = ids(tune::draw_demonstrations(pool, choice, labels));
  CHECK(first.size() == 6);
  CHECK(std::set<std::string>(first.begin(), first.end()).size() == 6);
  CHECK(ids(tune::draw_demonstrations(pool, choice, labels)) == first);
  choice.draw = 1;
  CHECK(ids(tune::draw_demonstrations(pool, choice, labels)) != first);
  choice.sorted_by_label = true;
  const std::vector<tune::LabelledText> grouped = tune::draw_demonstrations(pool, choice, labels);
  CHECK(std::is_sorted(grouped.begin(), grouped.end(),
                       [](const auto& a, const auto& b) { return a.label < b.label; }));
  choice.shots = 31;
  CHECK_THROWS_WITH(tune::draw_demonstrations(pool, choice, labels), contains("pool of 30"));
}

TEST_CASE("batched prompt scoring picks the label that scoring each word alone picks",
          "[step04][prompting]") {
  TempDir dir("prompting");
  testing::make_world_and_model(dir.path());  // a tiny model; short texts fit its context
  models::PretrainedGpt model = models::load_pretrained_gpt(dir.path() / "model");
  // Short texts, so that a demonstration fits the tiny model's context beside the query.
  const std::vector<tune::LabelledText> pool = {{"a", "It is bad.", "negative", ""},
                                                {"b", "It is fine.", "neutral", ""},
                                                {"c", "It is good.", "positive", ""}};
  std::vector<tune::LabelledText> test;
  for (const char* product : {"kettle", "lamp"}) {
    for (const char* adjective : {"bad", "fine", "good", "awful", "lovely", "poor"}) {
      // Appended piece by piece: GCC 12 warns (wrongly, -Wrestrict) about a literal + a
      // temporary string.
      std::string text = "The ";
      text += product;
      text += " is ";
      text += adjective;
      text += ".";
      test.push_back({"t", text, std::string(adjective) == "fine" ? "neutral" : "positive", ""});
    }
  }
  const std::vector<std::string> labels = tune::label_set(pool);
  // Words of several tokens and a demonstration: the general path.
  const tune::PromptChoice choice{{"f", "Review: {input}\nSentiment:"},
                                  {"v", {"quite negative", "so-so", "really positive"}},
                                  1,
                                  2,
                                  false};
  const tune::PromptScore batched =
      tune::score_classification(model.model, model.tokenizer, choice, pool, test, labels);
  REQUIRE(batched.correct.size() == test.size());
  CHECK(batched.mean_shots > 0.0);
  CHECK(batched.mean_shots <= 1.0);
  const std::vector<tune::LabelledText> shots = tune::draw_demonstrations(pool, choice, labels);
  int compared = 0;
  for (std::size_t e = 0; e < test.size(); ++e) {
    // The same prompt, built and scored by hand, one word at a time.
    std::string prompt;
    for (const tune::LabelledText& shot : shots) {
      const auto label = std::find(labels.begin(), labels.end(), shot.label) - labels.begin();
      prompt.append("Review: ").append(shot.text).append("\nSentiment: ");
      prompt.append(choice.verbalizer.words[label]).append("\n\n");
    }
    prompt.append("Review: ").append(test[e].text).append("\nSentiment:");
    std::vector<std::int32_t> ids = model.tokenizer.encode(prompt);
    // Keep to the context as the scorer does: drop whole demonstrations from the front.
    if (ids.size() + 4 > 192) continue;  // the scorer dropped a demonstration here
    ++compared;
    double best = -1e30;
    std::size_t chosen = 0;
    for (std::size_t w = 0; w < labels.size(); ++w) {
      std::vector<std::int32_t> full = ids;
      const std::vector<std::int32_t> word =
          model.tokenizer.encode(" " + choice.verbalizer.words[w]);
      full.insert(full.end(), word.begin(), word.end());
      Tape tape;
      NoGradGuard no_grad(tape);
      const Tensor logits = model.model.forward(tape, full, 1);
      const double score =
          tune::continuation_logprob(logits.matrix(), full, static_cast<std::int64_t>(ids.size()));
      if (score > best) {
        best = score;
        chosen = w;
      }
    }
    INFO("example " << e);
    CHECK(batched.correct[e] == (labels[chosen] == test[e].label ? 1.0 : 0.0));
  }
  CHECK(compared >= 6);
}

TEST_CASE("prompt sets are checked when read", "[step04][prompting]") {
  TempDir dir("prompt-sets");
  const auto refused = [&dir](const std::string& json, std::size_t labels) {
    write_file_atomically(dir.path() / "set.json", json);
    try {
      tune::load_prompt_set(dir.path() / "set.json", labels);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  const std::string format = R"({"formats": [{"name": "f", "pattern": "Review: {input}"}]})";
  CHECK(refused(format, 0) == "accepted");
  CHECK_THAT(refused(R"({"formats": [{"name": "f", "pattern": "Review:"}]})", 0),
             contains("no {input}"));
  CHECK_THAT(refused(format, 3), contains("'verbalizers'"));
  CHECK_THAT(
      refused(
          R"({"formats": [{"name": "f", "pattern": "{input}"}], "verbalizers": [{"name": "v", "words": ["a", "b"]}]})",
          3),
      contains("2 words for 3 labels"));
  CHECK_THAT(
      refused(
          R"({"formats": [{"name": "f", "pattern": "{input}"}], "verbalizers": [{"name": "v", "words": ["a", "a", "b"]}]})",
          3),
      contains("twice"));
}
