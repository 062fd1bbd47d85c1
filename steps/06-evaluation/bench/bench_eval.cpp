// How fast step 06's metrics score a corpus.
//
// The corpus: 10,000 made-up sentence pairs, a reference of 12 to 30 words drawn from a
// vocabulary of 3,000 (rank r with probability about 1/r, as words are), commas and a final
// period attached to words, and a hypothesis that keeps each reference word with
// probability 0.75, replaces it with another word (0.2) or drops it (0.05), and swaps a few
// neighbours: BLEU about 40. Counter-based random numbers (stream kDemo), the same corpus
// on every machine. corpus_bleu and corpus_chrf score blocks of 256 sentences on the
// harness' 2 threads; ngram_matches and tokenize_13a run on one.
//
//   corpus_bleu/13a     sacreBLEU's default: 13a tokenisation, exp smoothing
//   corpus_bleu/none    no tokenisation, no smoothing (what compare_bleu.py times against NLTK)
//   corpus_chrf         chrF2 (character n-grams 1 to 6)
//   ngram_matches       bleu_ngram_matches() alone on words split beforehand, one thread
//   tokenize_13a        13a alone on the 20,000 segments, to see where BLEU's time goes
// Counter: sentences_per_s (pairs scored per second).
//
// Run: build/release/steps/06-evaluation/bench/bench_eval
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "tinygpt/core/rng.h"
#include "tinygpt/eval/bleu.h"
#include "tinygpt/eval/chrf.h"
#include "tinygpt/eval/mt_text.h"

namespace tinygpt::bench {
namespace {

constexpr int kPairs = 10000;
constexpr std::uint32_t kVocabulary = 3000;

// A made-up word per rank: syllables spelled from the rank's digits in base 12.
std::string word_of(std::uint32_t rank) {
  static const char* const kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "sa",
                                           "ti", "vo", "be", "da", "go", "pe"};
  std::string word;
  do {
    word += kSyllables[rank % 12];
    rank /= 12;
  } while (rank > 0);
  return word;
}

// A word index with probability about 1/rank: exp of a uniform draw over [0, log V).
std::uint32_t zipf_rank(CounterRng& rng) {
  const double rank = std::exp(rng.uniform() * std::log(static_cast<double>(kVocabulary)));
  return static_cast<std::uint32_t>(rank) - 1;
}

std::string join(const std::vector<std::string>& words) {
  std::string line;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) line += ' ';
    line += words[i];
  }
  return line;
}

struct Corpus {
  std::vector<std::string> hypotheses;
  std::vector<std::vector<std::string>> references;  // one stream
};

const Corpus& corpus() {
  static const Corpus made = [] {
    Corpus c;
    c.references.resize(1);
    for (std::uint64_t i = 0; i < kPairs; ++i) {
      CounterRng rng(6, RngStream::kDemo, 0, i);
      std::vector<std::string> ref;
      const std::uint32_t length = 12 + rng.below(19);
      for (std::uint32_t w = 0; w < length; ++w) {
        ref.push_back(word_of(zipf_rank(rng)) + (rng.below(10) == 0 ? "," : ""));
      }
      ref.back() += ".";
      std::vector<std::string> hyp;
      for (const std::string& word : ref) {
        const std::uint32_t draw = rng.below(100);
        if (draw < 75) hyp.push_back(word);
        if (draw >= 75 && draw < 95) hyp.push_back(word_of(zipf_rank(rng)));
      }
      for (int s = 0; s < 2 && hyp.size() > 1; ++s) {
        const std::size_t at = rng.below(static_cast<std::uint32_t>(hyp.size() - 1));
        std::swap(hyp[at], hyp[at + 1]);
      }
      c.references[0].push_back(join(ref));
      c.hypotheses.push_back(join(hyp));
    }
    return c;
  }();
  return made;
}

void set_sentences(benchmark::State& state) {
  state.counters["sentences_per_s"] =
      benchmark::Counter(kPairs, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_corpus_bleu(benchmark::State& state, eval::BleuOptions options) {
  const Corpus& c = corpus();
  double score = 0.0;
  for (auto _ : state) {
    score = eval::corpus_bleu(c.hypotheses, c.references, options).score;
    benchmark::DoNotOptimize(score);
  }
  state.counters["bleu"] = score;
  set_sentences(state);
}
BENCHMARK_CAPTURE(BM_corpus_bleu, 13a, eval::BleuOptions{})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_corpus_bleu, none,
                  eval::BleuOptions{.tokenizer = eval::BleuTokenizer::kNone,
                                    .smoothing = eval::BleuSmoothing::kNone})
    ->Unit(benchmark::kMillisecond);

void BM_corpus_chrf(benchmark::State& state) {
  const Corpus& c = corpus();
  double score = 0.0;
  for (auto _ : state) {
    score = eval::corpus_chrf(c.hypotheses, c.references).score;
    benchmark::DoNotOptimize(score);
  }
  state.counters["chrf"] = score;
  set_sentences(state);
}
BENCHMARK(BM_corpus_chrf)->Unit(benchmark::kMillisecond);

// bleu_ngram_matches() alone, on words split beforehand: the counting without the text.
void BM_ngram_matches(benchmark::State& state) {
  const Corpus& c = corpus();
  std::vector<std::vector<std::string_view>> hyps, refs;
  for (int i = 0; i < kPairs; ++i) {
    hyps.push_back(eval::python_split(c.hypotheses[i]));
    refs.push_back(eval::python_split(c.references[0][i]));
  }
  std::vector<std::int64_t> matches(4), totals(4);
  for (auto _ : state) {
    for (int i = 0; i < kPairs; ++i) {
      eval::bleu_ngram_matches(hyps[i], std::span(&refs[i], 1), matches, totals);
    }
    benchmark::DoNotOptimize(matches.data());
  }
  set_sentences(state);
}
BENCHMARK(BM_ngram_matches)->Unit(benchmark::kMillisecond);

void BM_tokenize_13a(benchmark::State& state) {
  const Corpus& c = corpus();
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (int i = 0; i < kPairs; ++i) {
      bytes += eval::tokenize_13a(c.hypotheses[i]).size();
      bytes += eval::tokenize_13a(c.references[0][i]).size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  set_sentences(state);
}
BENCHMARK(BM_tokenize_13a)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tinygpt::bench

int main(int argc, char** argv) {
  return tinygpt::bench::run_benchmarks(argc, argv);
}
