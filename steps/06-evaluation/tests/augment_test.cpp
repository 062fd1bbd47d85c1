// EDA (eval/augment.h): random deletion from its draws (exercise 06.7), the four operations
// on generated reviews (what each changes, and that "not" and "but" survive), determinism,
// and refused options.
#include <algorithm>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/eval/augment.h"
#include "tinygpt/eval/perturb.h"
#include "tinygpt/tune/task_data.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text + " ") {
    if (c == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return words;
}

std::vector<std::string> sorted(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  return words;
}

}  // namespace

TEST_CASE("random deletion keeps the words whose draw reaches p, and the structural words",
          "[step06][eval][ex06.7]") {
  const std::vector<std::string> words = {"It", "is", "not", "good", "at", "all."};
  // Deleted: draws below 0.3, except "not".
  CHECK(random_deletion(words, 0.3, std::vector<float>{0.1f, 0.5f, 0.0f, 0.2f, 0.3f, 0.9f}, 0.0f) ==
        std::vector<std::string>{"is", "not", "at", "all."});
  // p = 0 deletes nothing; p = 1 deletes every word but the structural ones.
  const std::vector<float> draws = {0.9f, 0.1f, 0.5f, 0.0f, 0.7f, 0.2f};
  CHECK(random_deletion(words, 0.0, draws, 0.5f) == words);
  CHECK(random_deletion(words, 1.0, draws, 0.5f) == std::vector<std::string>{"not"});
  // Every word would go: the one at floor(u_keep * n) stays.
  const std::vector<std::string> plain = {"great", "kettle", "indeed"};
  CHECK(random_deletion(plain, 1.0, std::vector<float>{0.1f, 0.2f, 0.3f}, 0.5f) ==
        std::vector<std::string>{"kettle"});
  CHECK(random_deletion(plain, 1.0, std::vector<float>{0.1f, 0.2f, 0.3f}, 0.99f) ==
        std::vector<std::string>{"indeed"});
  CHECK(random_deletion({}, 0.5, {}, 0.5f).empty());
  CHECK_THROWS_WITH(random_deletion(plain, 0.5, std::vector<float>{0.1f}, 0.5f),
                    contains("3 words and 1 draws"));
  CHECK_THROWS_WITH(random_deletion(plain, 1.5, std::vector<float>{0.1f, 0.2f, 0.3f}, 0.5f),
                    contains("p must be in [0, 1], got 1.5"));
}

TEST_CASE("EDA's four operations edit reviews as documented and keep the structural words",
          "[step06][eval]") {
  TempDir dir("eda");
  data::generate({.seed = 1, .size = 20000, .kinds = {"reviews"}}, dir.path());
  const std::vector<tune::LabelledText> reviews =
      tune::load_reviews(dir.path(), tune::Split::kTrain);
  REQUIRE(reviews.size() > 50);
  const EdaOptions options{.alpha_sr = 0.2, .alpha_ri = 0.2, .alpha_rs = 0.2, .p_rd = 0.3};
  int replaced = 0, inserted = 0, swapped = 0, deleted = 0;
  for (std::size_t i = 0; i < 60; ++i) {
    const std::string& text = reviews[i].text;
    const std::vector<std::string> words = split(text);
    const auto structural = [](const std::vector<std::string>& ws) {
      std::vector<std::string> out;
      for (const std::string& w : ws) {
        if (is_structural_word(w)) out.push_back(word_core(w));
      }
      return out;
    };
    const std::vector<std::string> copies = eda(text, options, 7, i);
    REQUIRE(copies.size() == 4);
    // SR: as many words, each either kept or another word of its synonym group.
    const std::vector<std::string> sr = split(copies[0]);
    REQUIRE(sr.size() == words.size());
    for (std::size_t w = 0; w < sr.size(); ++w) {
      if (sr[w] == words[w]) continue;
      ++replaced;
      const auto group = synonyms_of(words[w]);
      CHECK(std::find(group.begin(), group.end(), word_core(sr[w])) != group.end());
    }
    // RI: the original words in order, and the inserted ones synonyms of table words.
    const std::vector<std::string> ri = split(copies[1]);
    CHECK(ri.size() >= words.size());
    inserted += static_cast<int>(ri.size() - words.size());
    const std::vector<std::string> ri_sorted = sorted(ri);
    const std::vector<std::string> words_sorted = sorted(words);
    CHECK(std::includes(ri_sorted.begin(), ri_sorted.end(), words_sorted.begin(),
                        words_sorted.end()));
    // RS: the same words in another order, the structural ones where they were.
    const std::vector<std::string> rs = split(copies[2]);
    CHECK(sorted(rs) == sorted(words));
    for (std::size_t w = 0; w < words.size(); ++w) {
      if (is_structural_word(words[w])) CHECK(rs[w] == words[w]);
    }
    swapped += rs != words ? 1 : 0;
    // RD: a subsequence of the words, never empty, every structural word kept.
    const std::vector<std::string> rd = split(copies[3]);
    CHECK_FALSE(rd.empty());
    CHECK(structural(rd) == structural(words));
    deleted += static_cast<int>(words.size() - rd.size());
    // The same seed and index give the same copies; another seed others.
    CHECK(eda(text, options, 7, i) == copies);
  }
  CHECK(replaced > 0);
  CHECK(inserted > 0);
  CHECK(swapped > 30);
  CHECK(deleted > 0);
  CHECK(eda(reviews[0].text, options, 8, 0) != eda(reviews[0].text, options, 7, 0));
}

TEST_CASE("EDA refuses strengths outside 0 to 1 and copies outside its range", "[step06][eval]") {
  CHECK_THROWS_WITH(eda("It is good.", {.alpha_sr = -0.1}, 1, 0),
                    contains("alpha_sr must be in [0, 1], got -0.1"));
  CHECK_THROWS_WITH(eda("It is good.", {.p_rd = 2.0}, 1, 0), contains("p_rd must be in [0, 1]"));
  CHECK_THROWS_WITH(eda("It is good.", {.copies = 0}, 1, 0), contains("copies must be in [1, 64]"));
  CHECK(eda("", {}, 1, 0) == std::vector<std::string>(4, ""));
}

TEST_CASE("an EDA world keeps dev and test, the first N training reviews and their copies",
          "[step06][eval]") {
  TempDir dir("eda-world");
  data::generate({.seed = 1, .size = 20000, .kinds = {"stories", "reviews"}}, dir.path() / "world");
  const std::string original = read_file(dir.path() / "world" / "reviews.jsonl");
  const auto train = tune::load_reviews(dir.path() / "world", tune::Split::kTrain);
  const auto test = tune::load_reviews(dir.path() / "world", tune::Split::kTest);

  const EdaWorld written =
      write_eda_world(dir.path() / "world", dir.path() / "eda", 16, {.copies = 4}, 3);
  CHECK(written.originals == 16);
  CHECK(written.copies == 64);
  const auto eda_train = tune::load_reviews(dir.path() / "eda", tune::Split::kTrain);
  REQUIRE(eda_train.size() == 80);
  for (std::size_t k = 0; k < 16; ++k) CHECK(eda_train[k].id == train[k].id);
  // Copy c of review k: EDA's copy c of its text, with its label.
  const std::vector<std::string> copies = eda(train[5].text, {.copies = 4}, 3, 5);
  for (std::size_t c = 0; c < 4; ++c) {
    CHECK(eda_train[16 + 4 * 5 + c].text == copies[c]);
    CHECK(eda_train[16 + 4 * 5 + c].label == train[5].label);
  }
  CHECK(tune::load_reviews(dir.path() / "eda", tune::Split::kTest).size() == test.size());
  // The other files as they were, the original untouched.
  CHECK(read_file(dir.path() / "eda" / "stories.txt") ==
        read_file(dir.path() / "world" / "stories.txt"));
  CHECK(read_file(dir.path() / "world" / "reviews.jsonl") == original);

  // Without copies: the subset alone, the baseline.
  const EdaWorld plain =
      write_eda_world(dir.path() / "world", dir.path() / "plain", 16, {.copies = 0}, 3);
  CHECK(plain.copies == 0);
  CHECK(tune::load_reviews(dir.path() / "plain", tune::Split::kTrain).size() == 16);

  CHECK_THROWS_WITH(write_eda_world(dir.path() / "world", dir.path() / "eda", 16, {}, 3),
                    contains("is not empty"));
  CHECK_THROWS_WITH(write_eda_world(dir.path() / "world", dir.path() / "world" / "copy", 16, {}, 3),
                    contains("lies inside"));
  CHECK_THROWS_WITH(write_eda_world(dir.path() / "world", dir.path() / "x", -1, {}, 3),
                    contains("--labels must be 0 (all) or more"));
}
