// The dense retriever (retrieve/dense.h) on step 04's tiny model folders (random weights:
// these tests check the mechanics, not the skill): unit embeddings, the same on every call,
// a passage's own text finding it first with cosine 1, for a GPT and for an encoder.
#include <cmath>
#include <string>
#include <vector>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/retrieve/dense.h"
#include "tinygpt/retrieve/world_retrieval.h"

using namespace tinygpt;
using namespace tinygpt::retrieve;

namespace {

void check_dense_retriever(models::ModelFolder& model, const std::vector<Passage>& passages) {
  const DenseIndex index(model, passages);
  const Embeddings& embeddings = index.embeddings();
  REQUIRE(embeddings.rows() == static_cast<Eigen::Index>(passages.size()));
  CHECK(embeddings.cols() == model.config.width);
  for (Eigen::Index row = 0; row < embeddings.rows(); ++row) {
    CHECK(embeddings.row(row).norm() == Approx(1.0f).epsilon(1e-5));
  }
  CHECK(embed_texts(model, {passages[3].text}).row(0) == embeddings.row(3));
  for (const std::size_t p : {0, 7, 19}) {
    const std::vector<Hit> hits = index.search(passages[p].text, 5);
    REQUIRE(hits.size() == 5);
    CHECK(hits[0].passage == static_cast<std::int64_t>(p));
    CHECK(hits[0].score == Approx(1.0).epsilon(1e-5));
    for (std::size_t i = 1; i < hits.size(); ++i) {
      CHECK(hits[i].score <= hits[i - 1].score);
      CHECK(hits[i].score >= -1.0 - 1e-5);
    }
  }
  CHECK(index.search("Which river is Carenton on?", 1000).size() == passages.size());
  CHECK_THROWS_AS(index.search("river", 0), Error);
}

}  // namespace

TEST_CASE("a dense retriever on a GPT and on an encoder finds a passage by its own text",
          "[step06][retrieval]") {
  const tinygpt::testing::FinetuneSetup setup;
  data::generate({.seed = 1, .size = 20000, .kinds = {"facts"}}, setup.dir.path() / "facts");
  std::vector<Passage> passages = read_world_passages(setup.dir.path() / "facts");
  passages.resize(40);
  {
    INFO("GPT");
    models::ModelFolder gpt = models::load_model_folder(setup.dir.path() / "model");
    check_dense_retriever(gpt, passages);
  }
  {
    INFO("encoder");
    models::ModelFolder encoder =
        models::load_model_folder(tinygpt::testing::make_encoder_folder(setup));
    check_dense_retriever(encoder, passages);
  }
}
