// Retrieval (retrieve/bm25.h, retrieve/world_retrieval.h): BM25 by hand on three
// documents, then against SQLite's FTS5 (Debian's libsqlite3, in memory) on a generated
// world: the same terms as its unicode61 tokenizer, the same top-10 in the same order and
// the same scores on every question of the qa pairs; recall@k and MRR; the index file's
// round trip and its refusals.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "retrieval_fts5.hpp"
#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/retrieve/bm25.h"
#include "tinygpt/retrieve/world_retrieval.h"

using namespace tinygpt;
using namespace tinygpt::retrieve;
using tinygpt::testing::Fts5Index;
using tinygpt::testing::TempDir;

namespace {

// Three documents: "the" is in two of three (its IDF is clamped to 1e-6), "cat" in two,
// "dog" and "mat" in one. Lengths 3, 6 and 5 terms: avgdl = 14 / 3.
std::vector<Passage> three_documents() {
  return {{"d0", "The cat sat."}, {"d1", "The dog sat on the mat!"}, {"d2", "A cat, and a CAT"}};
}

// BM25's term weight written out again, for the hand computations.
double weight(double idf, double f, double length) {
  const double avgdl = 14.0 / 3.0;
  return idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * length / avgdl));
}

// A generated world with its facts and qa pairs (474 facts and 474 questions at this size),
// written once per test program.
const std::filesystem::path& world_folder() {
  static TempDir dir("retrieval-world");
  static const bool written = [] {
    data::GenerateOptions options;
    options.seed = 1;
    options.size = 20'000;
    options.kinds = {"facts", "qa"};
    data::generate(options, dir.path() / "world");
    return true;
  }();
  (void)written;
  static const std::filesystem::path world = dir.path() / "world";
  return world;
}

bool close_relative(double a, double b, double tolerance) {
  return std::abs(a - b) <= tolerance * std::max(std::abs(a), std::abs(b));
}

}  // namespace

TEST_CASE("retrieval_terms splits like unicode61 on ASCII: letters and digits, lowercased",
          "[step06][retrieval]") {
  CHECK(retrieval_terms("Which river is Carenton on?") ==
        std::vector<std::string>{"which", "river", "is", "carenton", "on"});
  CHECK(retrieval_terms("It costs 42 crowns; x-ray's  B2B") ==
        std::vector<std::string>{"it", "costs", "42", "crowns", "x", "ray", "s", "b2b"});
  CHECK(retrieval_terms("").empty());
  CHECK(retrieval_terms(" ,.!? ").empty());
  // Non-ASCII bytes stay inside a term, unchanged.
  CHECK(retrieval_terms("Zoë's café") == std::vector<std::string>{"zoë", "s", "café"});
}

TEST_CASE("bm25_idf is ln of the odds with 0.5 added and clamps at 1e-6 as FTS5 does",
          "[step06][retrieval][ex06.5]") {
  CHECK(bm25_idf(3, 1) == Approx(std::log(2.5 / 1.5)).epsilon(1e-14));
  CHECK(bm25_idf(3, 1) == Approx(0.5108256237659907).epsilon(1e-12));
  CHECK(bm25_idf(3, 0) == Approx(std::log(7.0)).epsilon(1e-14));
  CHECK(bm25_idf(1000, 10) == Approx(std::log(990.5 / 10.5)).epsilon(1e-14));
  // In half of the documents or more: ln(<= 1) <= 0, replaced by 1e-6.
  CHECK(bm25_idf(3, 2) == 1e-6);
  CHECK(bm25_idf(4, 2) == 1e-6);
  CHECK(bm25_idf(1, 1) == 1e-6);
}

TEST_CASE("bm25_document_score sums the saturated weights of the query terms",
          "[step06][retrieval][ex06.5]") {
  const double avgdl = 14.0 / 3.0;
  const Bm25Options defaults;
  const std::vector<double> idfs = {std::log(5.0 / 3.0), 1e-6};
  // "dog the" on "the dog sat on the mat": dog once, the twice, |d| = 6.
  const std::vector<std::int64_t> frequencies = {1, 2};
  CHECK(bm25_document_score(frequencies, idfs, 6, avgdl, defaults) ==
        Approx(weight(std::log(5.0 / 3.0), 1, 6) + weight(1e-6, 2, 6)).epsilon(1e-13));
  CHECK(bm25_document_score(std::vector<std::int64_t>{1, 0}, idfs, 6, avgdl, defaults) ==
        Approx(0.4573671282555964).epsilon(1e-12));
  CHECK(bm25_document_score(std::vector<std::int64_t>{0, 0}, idfs, 6, avgdl, defaults) == 0.0);
  // k1 = 0: a match counts idf once, however often. b = 0: the length does not matter.
  CHECK(bm25_document_score(std::vector<std::int64_t>{3, 0}, idfs, 6, avgdl, {0.0, 0.75}) ==
        Approx(std::log(5.0 / 3.0)).epsilon(1e-13));
  const double short_doc =
      bm25_document_score(std::vector<std::int64_t>{1, 0}, idfs, 2, avgdl, {1.2, 0.0});
  const double long_doc =
      bm25_document_score(std::vector<std::int64_t>{1, 0}, idfs, 20, avgdl, {1.2, 0.0});
  CHECK(short_doc == Approx(long_doc).epsilon(1e-15));
  CHECK(short_doc == Approx(std::log(5.0 / 3.0)).epsilon(1e-13));  // f (k1+1) / (f + k1) = 1
  CHECK_THROWS_AS(bm25_document_score(frequencies, std::vector<double>{1.0}, 6, avgdl, defaults),
                  Error);
}

TEST_CASE("Bm25Index ranks three documents as computed by hand and as FTS5 does",
          "[step06][retrieval][ex06.5]") {
  const Bm25Index index(three_documents());
  CHECK(index.size() == 3);
  CHECK(index.average_length() == Approx(14.0 / 3.0));
  CHECK(index.document_frequency("the") == 2);
  CHECK(index.document_frequency("cat") == 2);
  CHECK(index.document_frequency("dog") == 1);
  CHECK(index.document_frequency("horse") == 0);

  // "cat dog": d1 by dog (IDF ln(5/3)); d2 (cat twice) before d0 (cat once), both at 1e-6.
  const std::vector<Hit> hits = index.search("Cat? Dog!", 10);
  REQUIRE(hits.size() == 3);
  CHECK(hits[0].passage == 1);
  CHECK(hits[0].score == Approx(0.4573671282555964).epsilon(1e-12));
  CHECK(hits[1].passage == 2);
  CHECK(hits[1].score == Approx(1.3479212253829322e-06).epsilon(1e-12));
  CHECK(hits[2].passage == 0);
  CHECK(hits[2].score == Approx(1.1711026615969582e-06).epsilon(1e-12));
  CHECK(index.search("Cat? Dog!", 1).size() == 1);
  CHECK(index.search("horse", 10).empty());
  CHECK(index.search("?!", 10).empty());

  // FTS5 on the same three documents: the same rows, scores and order, for queries with
  // repeated, unknown and clamped terms.
  Fts5Index fts5(three_documents());
  for (const std::string query :
       {"cat dog", "the mat", "the the cat", "a cat and a horse", "sat", "dog sat on the mat"}) {
    INFO(query);
    const std::vector<Hit> ours = index.search(query, 10);
    const std::vector<Hit> theirs = fts5.search(query, 10);
    REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
      CHECK(ours[i].passage == theirs[i].passage);
      CHECK(close_relative(ours[i].score, theirs[i].score, 1e-12));
    }
  }
}

TEST_CASE("retrieval_terms finds the terms FTS5's unicode61 finds in every fact of a world",
          "[step06][retrieval]") {
  const std::vector<Passage> passages = read_world_passages(world_folder());
  REQUIRE(passages.size() == 474);
  const Bm25Index index(passages);
  Fts5Index fts5(passages);
  const std::vector<Fts5Index::VocabularyRow> vocabulary = fts5.vocabulary();
  CHECK(static_cast<std::int64_t>(vocabulary.size()) == index.term_count());
  std::int64_t occurrences = 0;
  for (const Fts5Index::VocabularyRow& row : vocabulary) {
    INFO(row.term);
    CHECK(index.document_frequency(row.term) == row.documents);
    occurrences += row.occurrences;
  }
  CHECK(static_cast<double>(occurrences) / 474.0 == Approx(index.average_length()).epsilon(1e-15));
}

TEST_CASE("BM25 gives FTS5's top 10 in FTS5's order with its scores on a world's questions",
          "[step06][retrieval][ex06.5]") {
  const std::vector<Passage> passages = read_world_passages(world_folder());
  const std::vector<Question> questions = read_world_questions(world_folder());
  REQUIRE(questions.size() >= 474);
  const Bm25Index index(passages);
  Fts5Index fts5(passages);
  // Every question once (one per fact), then every fact's sentence as a query (longer,
  // with a number or a repeated word), then a few made-up queries.
  std::vector<std::string> queries;
  for (std::size_t i = 0; i < 474; ++i) queries.push_back(questions[i].text);
  for (const Passage& passage : passages) queries.push_back(passage.text);
  for (const char* query : {"river river river", "the price of a lamp in crowns", "who keeps a cat",
                            "town on the river", "zzz unknown words"}) {
    queries.push_back(query);
  }
  std::int64_t compared = 0;
  std::int64_t hits_compared = 0;
  for (const std::string& query : queries) {
    INFO(query);
    const std::vector<Hit> ours = index.search(query, 10);
    const std::vector<Hit> theirs = fts5.search(query, 10);
    REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
      INFO("rank " << i + 1 << ": ours " << index.passages()[ours[i].passage].text << " "
                   << ours[i].score << ", FTS5's " << index.passages()[theirs[i].passage].text
                   << " " << theirs[i].score);
      REQUIRE(ours[i].passage == theirs[i].passage);
      REQUIRE(close_relative(ours[i].score, theirs[i].score, 1e-9));
      ++hits_compared;
    }
    ++compared;
  }
  CHECK(compared == 474 * 2 + 5);
  CHECK(hits_compared > 9000);
}

TEST_CASE("recall at k and MRR from ranks, by hand", "[step06][retrieval]") {
  // Ranks 1, 2, 4 and not found: recall@1 = 1/4, @3 = 2/4, @5 = 3/4; MRR = (1 + 1/2 + 1/4) / 4.
  const RetrievalQuality quality = retrieval_quality({1, 2, 4, 0}, {1, 3, 5});
  CHECK(quality.questions == 4);
  CHECK(quality.ks == std::vector<std::int64_t>{1, 3, 5});
  REQUIRE(quality.recall.size() == 3);
  CHECK(quality.recall[0] == 0.25);
  CHECK(quality.recall[1] == 0.5);
  CHECK(quality.recall[2] == 0.75);
  CHECK(quality.mrr == Approx(1.75 / 4.0));
  CHECK(relevant_ranks({{{3, 1.0}, {7, 0.5}}, {{2, 1.0}}, {}}, {7, 5, 1}) ==
        std::vector<std::int64_t>{2, 0, 0});
  CHECK_THROWS_AS(retrieval_quality({}, {1}), Error);
  CHECK_THROWS_AS(retrieval_quality({1}, {0}), Error);
  CHECK_THROWS_AS(relevant_ranks({{}}, {1, 2}), Error);
}

TEST_CASE("recall at k and MRR of BM25 on a world's questions equal FTS5's rankings'",
          "[step06][retrieval][ex06.5]") {
  const std::vector<Passage> passages = read_world_passages(world_folder());
  const std::vector<Question> questions = read_world_questions(world_folder());
  const Bm25Index index(passages);
  const std::int64_t depth = index.size();
  const RetrievalQuality ours = evaluate_bm25(index, questions, {1, 5, 10}, depth);
  CHECK(ours.questions == static_cast<std::int64_t>(questions.size()));
  REQUIRE(ours.recall.size() == 3);
  CHECK(ours.recall[0] <= ours.recall[1]);
  CHECK(ours.recall[1] <= ours.recall[2]);
  CHECK(ours.mrr >= ours.recall[0]);
  CHECK(ours.mrr <= ours.recall[2] + (1.0 - ours.recall[2]) / 11.0);
  // Each question names its entity, so its fact is almost always among the entity's few
  // sentences at the top.
  CHECK(ours.recall[2] > 0.9);

  std::map<std::string, std::int64_t> position;
  for (std::size_t p = 0; p < passages.size(); ++p) {
    position[passages[p].id] = static_cast<std::int64_t>(p);
  }
  Fts5Index fts5(passages);
  std::vector<std::vector<Hit>> ranking;
  std::vector<std::int64_t> relevant;
  for (const Question& question : questions) {
    ranking.push_back(fts5.search(question.text, depth));
    relevant.push_back(position.at(question.relevant));
  }
  const RetrievalQuality theirs = retrieval_quality(relevant_ranks(ranking, relevant), {1, 5, 10});
  CHECK(ours.recall == theirs.recall);
  CHECK(ours.mrr == Approx(theirs.mrr).epsilon(1e-12));
  CHECK_THROWS_AS(evaluate_bm25(index, questions, {1, 5, 10}, 5), Error);
}

TEST_CASE("a BM25 index survives its file and searches the same after loading",
          "[step06][retrieval][ex06.5]") {
  TempDir dir("retrieval-index");
  const Bm25Index index(read_world_passages(world_folder()));
  const std::filesystem::path path = dir.path() / "sub" / "facts.bm25";
  index.save(path);
  CHECK(read_file(path).starts_with("tinygpt bm25 index\n"));
  const Bm25Index loaded = Bm25Index::load(path);
  REQUIRE(loaded.size() == index.size());
  CHECK(loaded.term_count() == index.term_count());
  CHECK(loaded.average_length() == index.average_length());
  for (std::int64_t p = 0; p < index.size(); ++p) {
    CHECK(loaded.passages()[p].id == index.passages()[p].id);
    CHECK(loaded.passages()[p].text == index.passages()[p].text);
  }
  for (const char* query : {"Which river is Carenton on?", "What does a baker sell", "42"}) {
    const std::vector<Hit> a = index.search(query, 20);
    const std::vector<Hit> b = loaded.search(query, 20);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].passage == b[i].passage);
      CHECK(a[i].score == b[i].score);
    }
  }
  // Saving again over the file replaces it with the same bytes.
  const std::string first = read_file(path);
  loaded.save(path);
  CHECK(read_file(path) == first);
}

TEST_CASE("a BM25 index refuses foreign, cut, damaged and other-version files by name",
          "[step06][retrieval]") {
  TempDir dir("retrieval-bad");
  const Bm25Index index(three_documents());
  const std::filesystem::path good = dir.path() / "good.bm25";
  index.save(good);
  const std::string bytes = read_file(good);
  const auto message_of = [&](const std::string& content) {
    const std::filesystem::path path = dir.path() / "bad.bm25";
    write_file_atomically(path, content);
    try {
      Bm25Index::load(path);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(Bm25Index::load(dir.path() / "missing.bm25"), Contains("missing.bm25"));
  CHECK_THAT(message_of("{\"not\": \"an index\"}\n"),
             Contains("bad.bm25' is not a tinygpt BM25 index"));
  CHECK_THAT(message_of(""), Contains("is not a tinygpt BM25 index"));
  CHECK_THAT(message_of(bytes.substr(0, bytes.size() - 5)), Contains("cut short"));
  CHECK_THAT(message_of(bytes.substr(0, 22)), Contains("cut short"));
  CHECK_THAT(message_of(bytes + "x"), Contains("has bytes added"));
  std::string damaged = bytes;
  damaged[damaged.size() - 3] ^= 0x20;
  CHECK_THAT(message_of(damaged), Contains("is damaged"));
  std::string other_version = bytes;
  other_version[std::string_view("tinygpt bm25 index\n").size()] = 9;
  CHECK_THAT(message_of(other_version), Contains("format version 9"));
  CHECK_THAT(message_of(bytes), Contains("no error"));
}

TEST_CASE("BM25 refuses bad passages, bad options and bad world files", "[step06][retrieval]") {
  CHECK_THROWS_WITH(Bm25Index(std::vector<Passage>{{"a", "one"}, {"a", "two"}}),
                    Catch::Matchers::Contains("'a' is used twice"));
  CHECK_THROWS_WITH(Bm25Index(std::vector<Passage>{{"", "one"}}),
                    Catch::Matchers::Contains("empty id"));
  CHECK_THROWS_WITH(Bm25Index(std::vector<Passage>{{"p", "?!"}}),
                    Catch::Matchers::Contains("has no term"));
  const Bm25Index empty;
  CHECK(empty.search("anything", 5).empty());
  const Bm25Index index(three_documents());
  CHECK_THROWS_AS(index.search("cat", 0), Error);
  CHECK_THROWS_AS(index.search("cat", 5, {1.2, 1.5}), Error);
  CHECK_THROWS_AS(index.search("cat", 5, {-1.0, 0.75}), Error);

  TempDir dir("retrieval-world-bad");
  CHECK_THROWS_WITH(read_world_passages(dir.path()), Catch::Matchers::Contains("facts.jsonl"));
  {
    std::ofstream out(dir.path() / "facts.jsonl");
    out << "{\"id\":\"town:0/river\",\"sentence\":\"Carenton is a town.\"}\n[1, 2]\n";
  }
  CHECK_THROWS_WITH(read_world_passages(dir.path()),
                    Catch::Matchers::Contains("facts.jsonl:2: not a JSON object"));
  {
    std::ofstream out(dir.path() / "qa.jsonl");
    out << "{\"id\":\"qa:0\",\"question\":\"Where?\"}\n";
  }
  CHECK_THROWS_WITH(read_world_questions(dir.path()),
                    Catch::Matchers::Contains("qa.jsonl:1: not a question record"));
}
