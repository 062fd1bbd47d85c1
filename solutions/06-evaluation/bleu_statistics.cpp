// Exercise 06.2 (reference): BLEU's two counting functions (eval/bleu.h), clipped n-gram
// matches and the brevity penalty (Papineni et al., 2002). A plain count with a std::map
// per order is right too; this one is what makes `tinygpt eval bleu` fast.
//
// Counting n-grams means finding equal ones, and comparing words letter by letter is what
// makes a naive count slow. So every distinct word of a segment (its hypothesis and its
// references together) gets a number first, and from then on an n-gram is a number too:
// the number of the pair (its first n - 1 words, its last word). Two n-grams get the same
// number exactly when they are the same words, at every order, and counting them is
// indexing arrays.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/eval/bleu.h"

namespace tinygpt::eval {
namespace {

// Numbers distinct keys 0, 1, 2, ... in the order it first sees them: a hash table with
// linear probing, exact (a probe compares whole keys, never just hashes). clear() empties
// it at once by starting a new generation: a slot of an older one counts as empty.
template <typename Key, typename Hash>
class Numbering {
 public:
  // keys: at most how many keys will be looked up between two clear()s.
  explicit Numbering(std::size_t keys) {
    std::size_t capacity = 16;  // a power of two, at least 1.5 keys: a free slot always
    while (capacity < keys + keys / 2) capacity *= 2;
    slots_.resize(capacity);
  }

  // The key's number: the one it got before, or the next one.
  std::uint32_t number(const Key& key) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.generation != generation_) {
        slot = {key, size_, generation_};
        return size_++;
      }
      if (slot.key == key) return slot.number;
    }
  }

  // How many distinct keys it has numbered.
  std::uint32_t size() const { return size_; }

  // Forgets every key, keeping the memory.
  void clear() {
    ++generation_;
    size_ = 0;
  }

 private:
  struct Slot {
    Key key{};
    std::uint32_t number = 0;
    std::uint32_t generation = 0;  // the table's generation when the slot was filled
  };
  std::vector<Slot> slots_;
  std::uint32_t size_ = 0;
  std::uint32_t generation_ = 1;
};

// FNV-1a over a word's bytes: short words hash in a few nanoseconds.
struct WordHash {
  std::size_t operator()(std::string_view word) const {
    std::uint64_t hash = 0xCBF29CE484222325ull;
    for (char c : word) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
    return static_cast<std::size_t>(hash ^ (hash >> 29));
  }
};

// A pair of numbers as one 64-bit key, mixed so that the table's index (the low bits)
// depends on both numbers: fold the high half in, multiply by 2^64 / golden ratio, fold the
// product's high half back.
struct PairHash {
  std::size_t operator()(std::uint64_t key) const {
    key = (key ^ (key >> 32)) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(key ^ (key >> 32));
  }
};

}  // namespace

void bleu_ngram_matches(std::span<const std::string_view> hypothesis,
                        std::span<const std::vector<std::string_view>> references,
                        std::span<std::int64_t> matches, std::span<std::int64_t> totals) {
  TINYGPT_CHECK(!matches.empty() && matches.size() == totals.size(),
                "bleu_ngram_matches: matches has ", matches.size(), " orders and totals ",
                totals.size(), "; both need N >= 1");
  // The segment's sentences one after another: sentence s (0 is the hypothesis, then the
  // references) is words [start[s], start[s + 1]).
  std::vector<std::size_t> start = {0, hypothesis.size()};
  for (const std::vector<std::string_view>& reference : references) {
    start.push_back(start.back() + reference.size());
  }
  const std::size_t sentences = start.size() - 1;
  const std::size_t all_words = start.back();

  // Order 1: words[j], the number of the segment's j-th word (equal words, equal numbers).
  std::vector<std::uint32_t> words(all_words);
  Numbering<std::string_view, WordHash> word_numbers(all_words);
  for (std::size_t s = 0; s < sentences; ++s) {
    const std::span<const std::string_view> sentence =
        s == 0 ? hypothesis : std::span<const std::string_view>(references[s - 1]);
    for (std::size_t i = 0; i < sentence.size(); ++i) {
      words[start[s] + i] = word_numbers.number(sentence[i]);
    }
  }

  // ngrams[start[s] + i]: the number of the n-gram at word i of sentence s, for the
  // length(s) - n + 1 n-grams of sentence s at order n.
  std::vector<std::uint32_t> ngrams = words;
  std::uint32_t distinct = word_numbers.size();
  Numbering<std::uint64_t, PairHash> pair_numbers(all_words);
  // Counts indexed by n-gram number: in the hypothesis, in the current reference, and the
  // most in any one reference.
  std::vector<std::int64_t> counts(3 * all_words);
  const auto count_of = [&](std::size_t s, std::size_t n) {
    const std::size_t length = start[s + 1] - start[s];
    return length >= n ? length - n + 1 : 0;
  };
  for (std::size_t n = 1; n <= matches.size(); ++n) {
    if (n > 1) {  // the n-gram at i is the pair ((n-1)-gram at i, word at i + n - 1)
      pair_numbers.clear();
      for (std::size_t s = 0; s < sentences; ++s) {
        for (std::size_t i = start[s]; i < start[s] + count_of(s, n); ++i) {
          ngrams[i] = pair_numbers.number(std::uint64_t{ngrams[i]} << 32 | words[i + n - 1]);
        }
      }
      distinct = pair_numbers.size();
    }
    // Clipping: the sum over the hypothesis' distinct n-grams g of
    // min(count_h(g), max_k count_rk(g)).
    const std::span<std::int64_t> hyp(counts.data(), distinct);
    const std::span<std::int64_t> ref(counts.data() + all_words, distinct);
    const std::span<std::int64_t> most(counts.data() + 2 * all_words, distinct);
    std::fill(hyp.begin(), hyp.end(), 0);
    std::fill(most.begin(), most.end(), 0);
    const std::span<const std::uint32_t> hyp_ngrams(ngrams.data(), count_of(0, n));
    for (std::uint32_t g : hyp_ngrams) ++hyp[g];
    for (std::size_t s = 1; s < sentences; ++s) {
      std::fill(ref.begin(), ref.end(), 0);
      for (std::size_t i = start[s]; i < start[s] + count_of(s, n); ++i) ++ref[ngrams[i]];
      for (std::uint32_t g : hyp_ngrams) most[g] = std::max(most[g], ref[g]);
    }
    std::int64_t clipped = 0;
    for (std::uint32_t g : hyp_ngrams) {  // each distinct g once: its count is then zeroed
      clipped += std::min(hyp[g], most[g]);
      hyp[g] = 0;
    }
    totals[n - 1] = static_cast<std::int64_t>(hyp_ngrams.size());
    matches[n - 1] = clipped;
  }
}

double bleu_brevity_penalty(std::int64_t hyp_len, std::int64_t ref_len) {
  // BLEU has no recall (which reference words would a hypothesis have to cover?); a
  // hypothesis shorter than its references pays for it here instead:
  //   BP = 1 if c >= r, exp(1 - r/c) if 0 < c < r, 0 if c = 0 < r.
  if (hyp_len >= ref_len) return 1.0;
  if (hyp_len == 0) return 0.0;
  return std::exp(1.0 - static_cast<double>(ref_len) / static_cast<double>(hyp_len));
}

}  // namespace tinygpt::eval
