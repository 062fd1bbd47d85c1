// Token classification (tune/tagging.h): BIO tags from byte spans (exercise 04.4), CoNLL's
// span-level scores, and a tagging run of a tiny encoder that trains its tagger only.
#include "tinygpt/tune/tagging.h"
#include "finetune_fixture.hpp"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/tune/finetune.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

TEST_CASE("bio_tags tags the tokens that overlap each name's bytes", "[step04][tagging][ex04.4]") {
  // A sentence as byte-level tokens: a name split in two ("Oss" + "el"), a token before a
  // name that holds a two-byte "é", and tokens with a leading space that the name's span
  // leaves out.
  const std::vector<tune::ByteRange> tokens = {{0, 4},   {4, 8},   {8, 12},  {12, 14},
                                               {14, 17}, {17, 21}, {21, 28}, {28, 31},
                                               {31, 37}, {37, 40}, {40, 41}};
  //  "Ilsa" " met" " Oss" "el" " at" " the" " café" " by" " Draen" "vale" "."
  const std::vector<tune::TaggedSpan> spans = {
      {0, 4, "person"}, {9, 14, "person"}, {32, 40, "place"}};
  CHECK(tune::bio_tags(tokens, spans) == std::vector<std::string>{"B-person", "O", "B-person",
                                                                  "I-person", "O", "O", "O", "O",
                                                                  "B-place", "I-place", "O"});
  // Two names in a row start two entities.
  const std::vector<tune::TaggedSpan> adjacent = {{0, 4, "person"}, {4, 8, "person"}};
  CHECK(tune::bio_tags(tokens, adjacent)[1] == "B-person");
  CHECK(tune::bio_tags(tokens, {}) == std::vector<std::string>(tokens.size(), "O"));
}

TEST_CASE("CoNLL scoring counts exact entities only", "[step04][tagging]") {
  const std::vector<std::string> gold = {"B-person", "I-person", "O", "B-place", "O", "B-product"};
  const std::vector<std::string> predicted = {"B-person", "O",       "O",
                                              "B-place",  "I-place", "I-product"};
  CHECK(tune::entities_of(gold) ==
        std::vector<tune::TokenSpan>{{0, 2, "person"}, {3, 4, "place"}, {5, 6, "product"}});
  // An I- after O starts an entity, as conlleval reads it.
  CHECK(tune::entities_of(predicted) ==
        std::vector<tune::TokenSpan>{{0, 1, "person"}, {3, 5, "place"}, {5, 6, "product"}});
  tune::SpanScores all;
  tune::add_span_scores(predicted, gold, "", all);
  CHECK(all.gold == 3);
  CHECK(all.predicted == 3);
  CHECK(all.right == 1);  // only the product: the person is too short, the place too long
  CHECK(all.f1() == Approx(1.0 / 3.0));
  tune::SpanScores product;
  tune::add_span_scores(predicted, gold, "product", product);
  CHECK(product.f1() == 1.0);
  CHECK(tune::bio_tag_set(std::vector<std::string>{"a", "b"}) ==
        std::vector<std::string>{"O", "B-a", "I-a", "B-b", "I-b"});
  CHECK_THROWS_WITH(tune::entities_of(std::vector<std::string>{"X-person"}), contains("X-person"));
}

TEST_CASE("a tagging run trains the encoder and its tagger, never its pre-training heads",
          "[step04][tagging]") {
  TempDir dir("tagging");
  data::generate({.seed = 1, .size = 20000, .kinds = {"entities"}}, dir.path() / "world");
  const std::string specials[] = {"[CLS]", "[SEP]", "[PAD]", "[MASK]"};
  const text::BpeTokenizer tokenizer =
      text::BpeTokenizer::train(read_file(dir.path() / "world" / "entities.txt"), 316, specials);
  auto encoder = testing::small_model<models::Encoder>(320, 96, 16, 2, 3);
  models::save_model_folder(dir.path() / "encoder", encoder.config(), encoder.parameters(),
                            tokenizer);
  tune::FinetuneConfig config;
  config.model = dir.path() / "encoder";
  config.data = dir.path() / "world";
  config.out = dir.path() / "run";
  config.task = "tokens";
  config.steps = 4;
  config.batch = 4;
  config.lr = 1e-2f;
  config.eval_interval = 2;
  config.eval_batches = 1;
  const tune::FinetuneResult result = tune::run_finetune(config);
  models::ModelFolder tuned = models::load_model_folder(result.model_dir);
  REQUIRE(tuned.head.has_value());
  CHECK(tuned.head->labels == std::vector<std::string>{"O", "B-organisation", "I-organisation",
                                                       "B-person", "I-person", "B-place", "I-place",
                                                       "B-product", "I-product"});
  const SafetensorsFile before =
      SafetensorsFile::read(dir.path() / "encoder" / "model.safetensors");
  const SafetensorsFile after = SafetensorsFile::read(result.model_dir / "model.safetensors");
  for (const std::string& name : before.names()) {
    INFO(name);
    const bool pretraining_head =
        name.starts_with("mlm.") || name.starts_with("pooler.") || name.starts_with("nsp.");
    CHECK((before.floats(name) == after.floats(name)) == pretraining_head);
  }
  CHECK_THAT(result.summary, contains("| person |") && contains("| all |"));
  CHECK_THAT(read_file(result.report), contains("\"entities\""));
  // An encoder cannot generate.
  config.out = dir.path() / "bad";
  config.task = "instruct";
  CHECK_THROWS_WITH(tune::check_finetune_config(config),
                    contains("--task instruct fine-tunes a gpt"));
}
