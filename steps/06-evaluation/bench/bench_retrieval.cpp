// How fast BM25 builds and searches, ours (retrieve/bm25.h) against SQLite's FTS5 on the
// same passages in the same run (Debian's libsqlite3, an in-memory database, the unicode61
// tokenizer, ORDER BY bm25() LIMIT 10; both give the same ranking, retrieval_test.cpp).
//
// Two collections of the generated world (seed 1): its 474 encyclopedia sentences
// (facts.jsonl), and the sentences of its default 2 MB of stories (about 50,000, many
// repeated, as templated text is). The queries are its 3,906 qa questions, in turn.
//
//   build/facts, build/stories     index every passage (FTS5: insert in one transaction
//                                  and merge the segments with 'optimize')
//   search/facts, search/stories   the 10 best passages of one question
// Counters: passages_per_s (build), queries_per_s (search).
//
// Run: build/release/steps/06-evaluation/bench/bench_retrieval
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_support.hpp"
#include "retrieval_fts5.hpp"
#include "tinygpt/data/generator.h"
#include "tinygpt/data/world.h"
#include "tinygpt/retrieve/bm25.h"

namespace tinygpt::bench {
namespace {

struct Collections {
  std::vector<retrieve::Passage> facts;
  std::vector<retrieve::Passage> stories;
  std::vector<std::string> questions;
};

// The story sentences: each story's text cut after every ". ".
std::vector<retrieve::Passage> story_sentences(const std::vector<data::Story>& stories) {
  std::vector<retrieve::Passage> passages;
  for (const data::Story& story : stories) {
    std::size_t start = 0;
    while (start < story.text.size()) {
      std::size_t end = story.text.find(". ", start);
      end = end == std::string::npos ? story.text.size() : end + 1;
      passages.push_back(
          {"story:" + std::to_string(passages.size()), story.text.substr(start, end - start)});
      start = end + 1;
    }
  }
  return passages;
}

const Collections& collections() {
  static const Collections result = [] {
    const data::World world = data::make_world(1);
    const std::vector<data::Fact> facts = data::make_facts(world);
    Collections c;
    for (const data::Fact& fact : facts) c.facts.push_back({fact.id, fact.sentence});
    c.stories = story_sentences(data::make_stories(world, facts, data::kDefaultStoryBytes));
    for (const data::QaPair& pair : data::make_qa(world, facts, 3906)) {
      c.questions.push_back(pair.question);
    }
    return c;
  }();
  return result;
}

const std::vector<retrieve::Passage>& collection(const benchmark::State& state) {
  return state.range(0) == 0 ? collections().facts : collections().stories;
}

void BM_bm25_build(benchmark::State& state) {
  const std::vector<retrieve::Passage>& passages = collection(state);
  for (auto _ : state) {
    retrieve::Bm25Index index(passages);
    benchmark::DoNotOptimize(index.term_count());
  }
  state.counters["passages_per_s"] = benchmark::Counter(
      static_cast<double>(passages.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_fts5_build(benchmark::State& state) {
  const std::vector<retrieve::Passage>& passages = collection(state);
  for (auto _ : state) {
    testing::Fts5Index index(passages);
    benchmark::ClobberMemory();
  }
  state.counters["passages_per_s"] = benchmark::Counter(
      static_cast<double>(passages.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_bm25_search(benchmark::State& state) {
  const retrieve::Bm25Index index(collection(state));
  const std::vector<std::string>& questions = collections().questions;
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.search(questions[next], 10));
    next = (next + 1) % questions.size();
  }
  state.counters["queries_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_fts5_search(benchmark::State& state) {
  testing::Fts5Index index(collection(state));
  const std::vector<std::string>& questions = collections().questions;
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.search(questions[next], 10));
    next = (next + 1) % questions.size();
  }
  state.counters["queries_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Arg 0: the 474 facts; 1: the story sentences.
BENCHMARK(BM_bm25_build)->ArgName("stories")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fts5_build)->ArgName("stories")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_bm25_search)->ArgName("stories")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fts5_search)->ArgName("stories")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tinygpt::bench

int main(int argc, char** argv) {
  return tinygpt::bench::run_benchmarks(argc, argv);
}
