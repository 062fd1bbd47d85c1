// Back-translation (eval/back_translation.h) on a generated world's translation pairs: the
// real / monolingual / held-out cut, greedy translation in batches, the world copies (the
// first N real pairs plus the synthetic ones, dev and test as they were, the reverse
// direction) and the paired comparison of two systems by BLEU and chrF.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/eval/back_translation.h"
#include "tinygpt/eval/bleu.h"
#include "tinygpt/eval/chrf.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/seq2seq.h"
#include "tinygpt/tune/task_data.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using nlohmann::ordered_json;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

namespace fs = std::filesystem;

bool is_train(const ordered_json& record) {
  return tune::split_of(record["id"].get<std::string>()) == tune::Split::kTrain;
}

// An untrained encoder-decoder saved as `tinygpt train` saves one: its tokenizer has [BOS],
// [EOS] and [PAD]. Its translations are arbitrary but fixed, which is all these tests need.
fs::path tiny_seq2seq(const fs::path& world, const fs::path& folder) {
  std::string text;
  for (const ordered_json& record : tune::translation_records(world)) {
    text +=
        record["english"].get<std::string>() + "\n" + record["conlang"].get<std::string>() + "\n";
  }
  const std::vector<std::string> specials = {"[BOS]", "[EOS]", "[PAD]"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(text, 300, specials);
  models::Seq2Seq model({.family = models::Family::kSeq2Seq,
                         .vocab_size = 300,
                         .context_length = 12,
                         .width = 16,
                         .layers = 1,
                         .heads = 2,
                         .positions = models::Positions::kSinusoidal});
  model.init(5);
  models::save_model_folder(folder, model.config(), model.parameters(), tokenizer);
  return folder;
}

}  // namespace

TEST_CASE("back-translation data: the first N training pairs, then the conlang side of the rest",
          "[step06][eval]") {
  TempDir dir("bt-data");
  const fs::path world = dir.path() / "world";
  data::generate({.seed = 1, .size = 20000, .kinds = {"translation"}}, world);
  const std::vector<ordered_json> records = tune::translation_records(world);
  const BackTranslationData data = read_back_translation_data(world, 40);

  std::vector<const ordered_json*> train;
  std::set<std::string> held_out_targets;
  for (const ordered_json& record : records) {
    if (is_train(record)) {
      train.push_back(&record);
    } else {
      held_out_targets.insert(record["conlang"].get<std::string>());
    }
  }
  REQUIRE(data.real.size() == 40);
  for (std::size_t k = 0; k < 40; ++k) CHECK(data.real[k] == *train[k]);
  CHECK(data.held_out.size() == records.size() - train.size());
  for (const ordered_json& record : data.held_out) CHECK_FALSE(is_train(record));

  // Monolingual: the other training pairs' targets, each once, never a dev or test target.
  REQUIRE(data.monolingual.size() == data.monolingual_ids.size());
  CHECK(data.monolingual.size() > 100);
  std::set<std::string> real_ids;
  for (const ordered_json& record : data.real) real_ids.insert(record["id"].get<std::string>());
  std::set<std::string> seen;
  for (std::size_t k = 0; k < data.monolingual.size(); ++k) {
    CHECK(held_out_targets.count(data.monolingual[k]) == 0);
    CHECK(seen.insert(data.monolingual[k]).second);
    CHECK(real_ids.count(data.monolingual_ids[k]) == 0);
    CHECK(tune::split_of(data.monolingual_ids[k]) == tune::Split::kTrain);
  }
  // The generated pairs repeat some sentences across splits: those stay out.
  CHECK(data.monolingual.size() <= train.size() - 40);

  // A training sentence that is also a test reference stays out (the default world of 3,906
  // pairs has 13 of them; this small one none, so one is made here).
  std::string jsonl;
  std::string test_target;
  for (const ordered_json& record : records) {
    if (!is_train(record) && test_target.empty()) test_target = record["conlang"];
  }
  int trained = 0;
  for (ordered_json record : records) {
    if (is_train(record) && ++trained == 50) record["conlang"] = test_target;
    jsonl += record.dump() + "\n";
  }
  write_file_atomically(dir.path() / "leaky" / "translation.jsonl", jsonl);
  const BackTranslationData leaky = read_back_translation_data(dir.path() / "leaky", 40);
  CHECK(leaky.monolingual.size() + 1 == data.monolingual.size());
  CHECK(std::find(leaky.monolingual.begin(), leaky.monolingual.end(), test_target) ==
        leaky.monolingual.end());

  const auto test = translation_split(world, "test");
  CHECK(test.size() > 10);
  CHECK_THROWS_WITH(translation_split(world, "valid"), contains("unknown split \"valid\""));
  CHECK_THROWS_WITH(read_back_translation_data(world, 0), contains("--real must be at least 1"));
  CHECK_THROWS_WITH(read_back_translation_data(world, 100000),
                    contains("fewer than --real 100000"));
  CHECK_THROWS_WITH(read_back_translation_data(dir.path(), 5), contains("no translation.jsonl"));
}

TEST_CASE("greedy translation gives each sentence the same line in any batch", "[step06][eval]") {
  TempDir dir("bt-greedy");
  const fs::path world = dir.path() / "world";
  data::generate({.seed = 1, .size = 20000, .kinds = {"translation"}}, world);
  const fs::path folder = tiny_seq2seq(world, dir.path() / "model");
  models::ModelFolder model = models::load_model_folder(folder);
  // Sources of different lengths, so that a batch pads some rows.
  const std::vector<std::string> sources = {"Shasa paiza.", "The tired doctor danced in Fenenby.",
                                            "A", "The doctor washed the small dog in a town."};
  const std::vector<std::string> together = translate_greedy(model, folder, sources, 4);
  REQUIRE(together.size() == 4);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::vector<std::string> alone =
        translate_greedy(model, folder, std::span<const std::string>(&sources[i], 1), 1);
    CHECK(alone.front() == together[i]);
    CHECK(together[i].find_first_of("\t\n\r") == std::string::npos);
  }
  CHECK(translate_greedy(model, folder, std::span<const std::string>(), 4).empty());
  CHECK_THROWS_WITH(translate_greedy(model, folder, sources, 0),
                    contains("--batch must be at least 1"));

  models::Gpt gpt({.family = models::Family::kGpt,
                   .vocab_size = 300,
                   .context_length = 8,
                   .width = 8,
                   .layers = 1,
                   .heads = 2});
  models::save_model_folder(dir.path() / "gpt", gpt.config(), gpt.parameters(), model.tokenizer);
  models::ModelFolder loaded_gpt = models::load_model_folder(dir.path() / "gpt");
  CHECK_THROWS_WITH(translate_greedy(loaded_gpt, dir.path() / "gpt", sources),
                    contains("holds a gpt model; translating needs an encoder-decoder"));
}

TEST_CASE("a back-translation world holds the first N real pairs and the synthetic ones",
          "[step06][eval]") {
  TempDir dir("bt-world");
  const fs::path world = dir.path() / "world";
  data::generate({.seed = 1, .size = 20000, .kinds = {"translation"}}, world);
  const std::string original = read_file(world / "translation.jsonl");
  const fs::path folder = tiny_seq2seq(world, dir.path() / "reverse");
  models::ModelFolder reverse = models::load_model_folder(folder);
  const BackTranslationData data = read_back_translation_data(world, 30);

  BackTranslationCopy copy;
  copy.synthetic = translate_greedy(reverse, folder,
                                    std::span<const std::string>(data.monolingual.data(), 25), 8);
  const BackTranslationWorld written =
      write_back_translation_world(world, data, copy, dir.path() / "bt");
  CHECK(written.real == 30);
  CHECK(written.synthetic + written.empty == 25);
  CHECK(written.held_out == static_cast<std::int64_t>(data.held_out.size()));

  const std::vector<ordered_json> records = tune::translation_records(dir.path() / "bt");
  std::vector<ordered_json> train;
  std::vector<ordered_json> held_out;
  for (const ordered_json& record : records)
    (is_train(record) ? train : held_out).push_back(record);
  REQUIRE(train.size() == static_cast<std::size_t>(30 + written.synthetic));
  for (std::size_t k = 0; k < 30; ++k) CHECK(train[k] == data.real[k]);
  // Synthetic pair k: the reverse model's English for monolingual sentence k, its conlang.
  std::size_t next = 30;
  for (std::size_t k = 0; k < 25; ++k) {
    if (copy.synthetic[k].empty()) continue;
    const ordered_json& record = train[next++];
    CHECK(record["english"] == copy.synthetic[k]);
    CHECK(record["conlang"] == data.monolingual[k]);
    CHECK(record["back_translation_of"] == data.monolingual_ids[k]);
    CHECK(record["id"].get<std::string>().rfind("translation:bt-", 0) == 0);
  }
  CHECK(held_out == data.held_out);

  // translation.txt, what `tinygpt train` reads: the training pairs alone.
  std::string expected;
  for (const ordered_json& record : train) {
    expected +=
        record["english"].get<std::string>() + "\t" + record["conlang"].get<std::string>() + "\n";
  }
  CHECK(read_file(dir.path() / "bt" / "translation.txt") == expected);
  CHECK(read_file(dir.path() / "bt" / "translation_lexicon.json") ==
        read_file(world / "translation_lexicon.json"));
  CHECK(read_file(world / "translation.jsonl") == original);
  for (const fs::directory_entry& entry : fs::directory_iterator(dir.path())) {
    CHECK(entry.path().filename().string().find(".partial") == std::string::npos);
  }

  // The reverse model's data: the real pairs turned around, nothing synthetic.
  const BackTranslationWorld reversed =
      write_back_translation_world(world, data, {.reverse = true}, dir.path() / "reversed");
  CHECK(reversed.synthetic == 0);
  std::string turned;
  for (const ordered_json& record : data.real) {
    turned +=
        record["conlang"].get<std::string>() + "\t" + record["english"].get<std::string>() + "\n";
  }
  CHECK(read_file(dir.path() / "reversed" / "translation.txt") == turned);

  CHECK_THROWS_WITH(write_back_translation_world(world, data, copy, dir.path() / "bt"),
                    contains("is not empty"));
  CHECK_THROWS_WITH(write_back_translation_world(world, data, copy, world / "copy"),
                    contains("lies inside"));
  BackTranslationCopy too_many;
  too_many.synthetic.assign(data.monolingual.size() + 1, "The dog.");
  CHECK_THROWS_WITH(write_back_translation_world(world, data, too_many, dir.path() / "x"),
                    contains("is more than the"));
  copy.reverse = true;
  CHECK_THROWS_WITH(write_back_translation_world(world, data, copy, dir.path() / "x"),
                    contains("give no synthetic pairs with it"));
  CHECK_FALSE(fs::exists(dir.path() / "x"));
}

TEST_CASE("two systems compared by BLEU and chrF with the paired bootstrap", "[step06][eval]") {
  const std::vector<std::string> references = {
      "Shasa shaipaidi Fenenby mashuzai paiza.", "Garmund silun meli paitasha.",
      "Silun paitasha ko meli.", "Fenenby mashuzai shasa paiza.", "Paitasha silun meli."};
  std::vector<std::string> garbled = references;
  for (std::string& line : garbled) std::reverse(line.begin(), line.end());
  const TranslationComparison better = compare_translations(references, garbled, references);
  const std::vector<std::vector<std::string>> streams = {references};
  CHECK(better.bleu.score_a == Approx(corpus_bleu(references, streams).score));
  CHECK(better.bleu.score_b == Approx(corpus_bleu(garbled, streams).score));
  CHECK(better.chrf.score_b == Approx(corpus_chrf(garbled, streams).score));
  CHECK(better.bleu.difference > 50.0);
  CHECK(better.bleu.p_value < 0.01);
  CHECK(better.chrf.low > 0.0);

  const TranslationComparison same = compare_translations(garbled, garbled, references);
  CHECK(same.bleu.difference == 0.0);
  CHECK(same.bleu.p_value == 1.0);
  const std::span<const std::string> one = std::span<const std::string>(references).first(1);
  CHECK_THROWS_WITH(compare_translations(references, garbled, one),
                    contains("give one translation per reference"));
}
