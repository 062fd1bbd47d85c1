// Byte-level BPE: training with incremental pair counts, encoding with a word cache,
// and the two file formats.
#include "tinygpt/text/bpe.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <queue>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "text_io.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/utf8.h"

namespace tinygpt::text {
namespace {

// GPT-2's bytes_to_unicode(): byte -> code point.
std::array<std::uint32_t, 256> make_byte_to_code_point() {
  std::array<std::uint32_t, 256> table{};
  std::uint32_t next_shifted = 256;
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    const bool printable =
        (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174);
    table[byte] = printable ? byte : next_shifted++;
  }
  return table;
}

const std::array<std::uint32_t, 256>& byte_to_code_point() {
  static const std::array<std::uint32_t, 256> table = make_byte_to_code_point();
  return table;
}

// Splits text around special tokens: on_text(segment) for ordinary text (never empty),
// on_special(index) for special number `index`. The leftmost occurrence wins; of two
// specials starting at the same byte, the longer one ("<|end|>x" before "<|end|>").
template <typename OnText, typename OnSpecial>
void split_specials(std::string_view text, const std::vector<std::string>& specials,
                    OnText&& on_text, OnSpecial&& on_special) {
  // next[s]: where special s occurs next at or after `position` (npos: never again), so
  // each special is searched for once per occurrence, not once per segment.
  std::vector<std::size_t> next;
  for (const std::string& special : specials) next.push_back(text.find(special));
  std::size_t position = 0;
  while (position < text.size()) {
    std::size_t best_start = std::string_view::npos;
    std::size_t best = 0;
    for (std::size_t s = 0; s < specials.size(); ++s) {
      if (next[s] != std::string_view::npos && next[s] < position) {
        next[s] = text.find(specials[s], position);
      }
      if (next[s] == std::string_view::npos) continue;
      if (next[s] < best_start ||
          (next[s] == best_start && specials[s].size() > specials[best].size())) {
        best_start = next[s];
        best = s;
      }
    }
    const std::size_t end = std::min(best_start, text.size());
    if (end > position) on_text(text.substr(position, end - position));
    if (best_start == std::string_view::npos) return;
    on_special(best);
    position = best_start + specials[best].size();
  }
}

// The max-heap entry of the trainer: the most frequent pair first, ties to the smallest
// (left, right), which makes training deterministic.
struct Candidate {
  std::int64_t count;
  TokenPair pair;
};
struct CandidateOrder {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.count != b.count) return a.count < b.count;
    if (a.pair.left != b.pair.left) return a.pair.left > b.pair.left;
    return a.pair.right > b.pair.right;
  }
};

// Lookups of std::string keys by std::string_view without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};
using WordCache =
    std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>>;

// A cache entry costs ~100 bytes; beyond this many words (a corpus with unusually many
// distinct words) new words are merged every time instead of growing the cache forever.
constexpr std::size_t kMaxCachedWords = std::size_t{1} << 20;

}  // namespace

struct BpeTokenizer::State {
  struct Rank {
    std::int32_t rank;
    TokenId merged;
  };
  std::unordered_map<TokenPair, Rank, TokenPairHash> ranks;
  std::vector<std::string> special_texts;  // in the order of specials_
  std::mutex cache_mutex;
  WordCache cache;
};

std::string gpt2_bytes_to_unicode(std::string_view bytes) {
  std::string text;
  for (const char c : bytes) {
    append_utf8(text, static_cast<char32_t>(byte_to_code_point()[static_cast<unsigned char>(c)]));
  }
  return text;
}

bool gpt2_unicode_to_bytes(std::string_view text, std::string& bytes) {
  static const std::unordered_map<std::int32_t, char> inverse = [] {
    std::unordered_map<std::int32_t, char> map;
    for (int byte = 0; byte < 256; ++byte) {
      map[static_cast<std::int32_t>(byte_to_code_point()[static_cast<std::size_t>(byte)])] =
          static_cast<char>(byte);
    }
    return map;
  }();
  bytes.clear();
  for (std::size_t position = 0; position < text.size();) {
    const auto found = inverse.find(next_code_point(text, position));
    if (found == inverse.end()) return false;  // invalid UTF-8 (-1) or not a byte's code point
    bytes += found->second;
  }
  return true;
}

BpeTokenizer::BpeTokenizer(std::vector<std::string> tokens, std::vector<Merge> merges,
                           std::vector<TokenId> specials, const std::string& source)
    : tokens_(std::move(tokens)),
      merges_(std::move(merges)),
      specials_(std::move(specials)),
      state_(std::make_unique<State>()) {
  const auto size = static_cast<TokenId>(tokens_.size());
  std::vector<bool> is_special(tokens_.size(), false);
  for (const TokenId id : specials_) {
    TINYGPT_CHECK(id >= 0 && id < size, source, ": special token id ", id, " is not below ", size);
    TINYGPT_CHECK(!tokens_[id].empty(), source, ": special token ", id, " is empty");
    is_special[id] = true;
    state_->special_texts.push_back(tokens_[id]);
  }
  std::array<bool, 256> seen{};
  for (TokenId id = 0; id < size; ++id) {
    if (is_special[id] || tokens_[id].size() != 1) continue;
    const auto byte = static_cast<unsigned char>(tokens_[id][0]);
    TINYGPT_CHECK(!seen[byte], source, ": byte 0x", detail::to_hex(tokens_[id]),
                  " has two tokens, ", byte_ids_[byte], " and ", id);
    seen[byte] = true;
    byte_ids_[byte] = id;
  }
  for (int byte = 0; byte < 256; ++byte) {
    TINYGPT_CHECK(seen[byte], source, ": no token for byte 0x",
                  detail::to_hex(std::string(1, static_cast<char>(byte))));
  }
  for (std::size_t rank = 0; rank < merges_.size(); ++rank) {
    const Merge& merge = merges_[rank];
    for (const TokenId id : {merge.pair.left, merge.pair.right, merge.merged}) {
      TINYGPT_CHECK(id >= 0 && id < size && !is_special[id], source, ": merge ", rank,
                    " names token ", id, ", which is not an ordinary token below ", size);
    }
    TINYGPT_CHECK(tokens_[merge.merged] == tokens_[merge.pair.left] + tokens_[merge.pair.right],
                  source, ": merge ", rank, " (", merge.pair.left, " ", merge.pair.right,
                  ") makes token ", merge.merged, ", which is not their concatenation");
    // A pair listed twice keeps its first (lowest) rank, as in GPT-2's dict of ranks.
    state_->ranks.emplace(merge.pair, State::Rank{static_cast<std::int32_t>(rank), merge.merged});
  }
}

BpeTokenizer::~BpeTokenizer() = default;
BpeTokenizer::BpeTokenizer(BpeTokenizer&& other) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&& other) noexcept = default;

BpeTokenizer BpeTokenizer::train(std::string_view text, std::int32_t vocab_size,
                                 std::span<const std::string> specials) {
  const std::vector<std::string> special_list(specials.begin(), specials.end());
  std::unordered_set<std::string> distinct;
  for (const std::string& special : special_list) {
    TINYGPT_CHECK(!special.empty(), "BpeTokenizer::train: a special token is empty");
    TINYGPT_CHECK(distinct.insert(special).second, "BpeTokenizer::train: special token '", special,
                  "' is given twice");
  }
  const auto minimum = static_cast<std::int64_t>(256 + special_list.size());
  TINYGPT_CHECK(vocab_size >= minimum, "BpeTokenizer::train: vocab_size ", vocab_size,
                " is below 256 bytes + ", special_list.size(), " special tokens = ", minimum);
  TINYGPT_CHECK(!text.empty(), "BpeTokenizer::train: the training text is empty");

  // 1. Count each distinct word once. A corpus of megabytes has only tens of thousands of
  //    distinct words, and all later work is per distinct word, weighted by its count.
  const Pretokenizer pretokenizer;
  std::unordered_map<std::string_view, std::int64_t> word_counts;
  split_specials(
      text, special_list,
      [&](std::string_view segment) {
        pretokenizer.split(segment, [&](std::string_view word) { ++word_counts[word]; });
      },
      [](std::size_t) {});
  TINYGPT_CHECK(!word_counts.empty(),
                "BpeTokenizer::train: the training text has only special tokens");

  std::vector<std::vector<TokenId>> words;
  std::vector<std::int64_t> frequencies;
  words.reserve(word_counts.size());
  frequencies.reserve(word_counts.size());
  for (const auto& [word, count] : word_counts) {
    words.emplace_back(word.begin(), word.end());
    for (TokenId& id : words.back()) id = static_cast<unsigned char>(id);  // byte b is id b
    frequencies.push_back(count);
  }

  // 2. Count every pair once (exercise 01.6), and remember which words contain it.
  PairCounts counts = count_pairs(words, frequencies);
  std::unordered_map<TokenPair, std::vector<std::int32_t>, TokenPairHash> where;
  for (std::size_t w = 0; w < words.size(); ++w) {
    for (std::size_t i = 0; i + 1 < words[w].size(); ++i) {
      std::vector<std::int32_t>& list = where[TokenPair{words[w][i], words[w][i + 1]}];
      if (list.empty() || list.back() != static_cast<std::int32_t>(w)) {
        list.push_back(static_cast<std::int32_t>(w));
      }
    }
  }
  std::priority_queue<Candidate, std::vector<Candidate>, CandidateOrder> best;
  for (const auto& [pair, count] : counts) best.push({count, pair});

  std::vector<std::string> tokens;
  for (int byte = 0; byte < 256; ++byte) tokens.emplace_back(1, static_cast<char>(byte));
  std::vector<Merge> merges;
  const auto merge_target = static_cast<std::size_t>(vocab_size) - special_list.size();

  // 3. Merge the most frequent pair, again and again. The heap may hold outdated counts
  //    (a pair's count changed after it was pushed); an entry counts only if it still
  //    matches, and every change pushed a fresh entry. Only the words that contain the
  //    pair are rewritten (exercise 01.7), and their deltas update the counts: no recount.
  std::vector<PairDelta> deltas;
  std::vector<TokenPair> changed;
  while (tokens.size() < merge_target && !best.empty()) {
    const Candidate top = best.top();
    best.pop();
    const auto current = counts.find(top.pair);
    if (current == counts.end() || current->second != top.count) continue;

    const auto new_id = static_cast<TokenId>(tokens.size());
    tokens.push_back(tokens[top.pair.left] + tokens[top.pair.right]);
    merges.push_back({top.pair, new_id});

    const std::vector<std::int32_t> occurrences = std::move(where[top.pair]);
    where.erase(top.pair);
    changed.clear();
    for (const std::int32_t w : occurrences) {
      deltas.clear();
      if (merge_pair(words[w], top.pair, new_id, deltas) == 0) continue;
      for (const PairDelta& delta : deltas) {
        counts[delta.pair] += delta.delta * frequencies[w];
        changed.push_back(delta.pair);
        if (delta.delta > 0) {
          std::vector<std::int32_t>& list = where[delta.pair];
          if (list.empty() || list.back() != w) list.push_back(w);
        }
      }
    }
    counts.erase(top.pair);  // every occurrence was merged
    std::sort(changed.begin(), changed.end(), [](const TokenPair& a, const TokenPair& b) {
      return a.left != b.left ? a.left < b.left : a.right < b.right;
    });
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (const TokenPair& pair : changed) {
      const auto found = counts.find(pair);
      if (found == counts.end()) continue;
      if (found->second <= 0) {
        counts.erase(found);
      } else {
        best.push({found->second, pair});
      }
    }
  }

  std::vector<TokenId> special_ids;
  for (const std::string& special : special_list) {
    special_ids.push_back(static_cast<TokenId>(tokens.size()));
    tokens.push_back(special);
  }
  return BpeTokenizer(std::move(tokens), std::move(merges), std::move(special_ids),
                      "BpeTokenizer::train");
}

std::vector<TokenId> BpeTokenizer::merge_word(std::string_view word) const {
  std::vector<TokenId> ids;
  ids.reserve(word.size());
  for (const char c : word) ids.push_back(byte_ids_[static_cast<unsigned char>(c)]);
  // GPT-2's bpe(): apply the lowest-ranked merge present, everywhere in the word, and
  // repeat. Words are short, so scanning all pairs each round is cheaper than a heap.
  std::vector<PairDelta> unused_deltas;
  while (ids.size() > 1) {
    State::Rank best{std::numeric_limits<std::int32_t>::max(), 0};
    TokenPair best_pair;
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
      const TokenPair pair{ids[i], ids[i + 1]};
      const auto found = state_->ranks.find(pair);
      if (found != state_->ranks.end() && found->second.rank < best.rank) {
        best = found->second;
        best_pair = pair;
      }
    }
    if (best.rank == std::numeric_limits<std::int32_t>::max()) break;
    merge_pair(ids, best_pair, best.merged, unused_deltas);
    unused_deltas.clear();
  }
  return ids;
}

std::vector<std::int32_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 3);
  // Share the cache when nobody else is using it; otherwise use a private one for this
  // call rather than wait.
  std::unique_lock lock(state_->cache_mutex, std::try_to_lock);
  WordCache private_cache;
  WordCache& cache = lock.owns_lock() ? state_->cache : private_cache;
  const auto encode_word = [&](std::string_view word) {
    auto found = cache.find(word);
    if (found == cache.end()) {
      std::vector<TokenId> word_ids = merge_word(word);
      if (cache.size() >= kMaxCachedWords) {
        ids.insert(ids.end(), word_ids.begin(), word_ids.end());
        return;
      }
      found = cache.emplace(std::string(word), std::move(word_ids)).first;
    }
    ids.insert(ids.end(), found->second.begin(), found->second.end());
  };
  split_specials(
      text, state_->special_texts,
      [&](std::string_view segment) { pretokenizer_.split(segment, encode_word); },
      [&](std::size_t special) { ids.push_back(specials_[special]); });
  return ids;
}

std::string BpeTokenizer::decode(std::span<const std::int32_t> ids) const {
  std::string text;
  for (const std::int32_t id : ids) text += token_bytes(id);
  return text;
}

std::int32_t BpeTokenizer::vocab_size() const {
  return static_cast<std::int32_t>(tokens_.size());
}

std::string BpeTokenizer::describe() const {
  std::ostringstream out;
  out << "byte-level BPE, " << vocab_size() << " tokens (256 bytes, " << merges_.size()
      << " merges, " << specials_.size() << (specials_.size() == 1 ? " special)" : " specials)");
  return out.str();
}

BpeTokenizer BpeTokenizer::with_specials(std::span<const std::string> added) const {
  std::vector<std::string> tokens = tokens_;
  std::vector<TokenId> specials = specials_;
  for (const std::string& special : added) {
    TINYGPT_CHECK(!special.empty(), "BpeTokenizer::with_specials: an empty special token");
    if (has_special(special) ||
        std::find(tokens.begin() + vocab_size(), tokens.end(), special) != tokens.end()) {
      continue;
    }
    specials.push_back(static_cast<TokenId>(tokens.size()));
    tokens.push_back(special);
  }
  return BpeTokenizer(std::move(tokens), merges_, std::move(specials), "with_specials");
}

bool BpeTokenizer::has_special(std::string_view special) const {
  return std::find(state_->special_texts.begin(), state_->special_texts.end(), special) !=
         state_->special_texts.end();
}

TokenId BpeTokenizer::special_id(std::string_view special) const {
  for (std::size_t s = 0; s < specials_.size(); ++s) {
    if (state_->special_texts[s] == special) return specials_[s];
  }
  throw Error("BpeTokenizer: '" + std::string(special) + "' is not a special token");
}

const std::string& BpeTokenizer::token_bytes(TokenId id) const {
  TINYGPT_CHECK(id >= 0 && id < vocab_size(), "BpeTokenizer: token id ", id,
                " is outside the vocabulary [0, ", vocab_size(), ")");
  return tokens_[static_cast<std::size_t>(id)];
}

std::int32_t BpeTokenizer::merge_count() const {
  return static_cast<std::int32_t>(merges_.size());
}

void BpeTokenizer::save(const std::filesystem::path& path) const {
  std::vector<bool> is_special(tokens_.size(), false);
  for (const TokenId id : specials_) is_special[id] = true;
  std::string out = "tinygpt-bpe 1\ntokens " + std::to_string(tokens_.size()) + "\n";
  for (std::size_t id = 0; id < tokens_.size(); ++id) {
    if (is_special[id]) out += "special ";
    out += detail::to_hex(tokens_[id]);
    out += '\n';
  }
  out += "merges " + std::to_string(merges_.size()) + "\n";
  for (const Merge& merge : merges_) {
    out += std::to_string(merge.pair.left) + " " + std::to_string(merge.pair.right) + " " +
           std::to_string(merge.merged) + "\n";
  }
  write_file_atomically(path, out);
}

namespace {

// "<keyword> <count>" with a count in [0, 2^31).
std::int64_t read_count_line(detail::LineReader& reader, std::string_view keyword) {
  std::string_view line;
  TINYGPT_CHECK(reader.next(line), reader.where(), ": the file ends where '", keyword,
                " <count>' was expected (truncated file?)");
  std::istringstream in{std::string(line)};
  std::string word;
  std::int64_t count = -1;
  in >> word >> count;
  TINYGPT_CHECK(word == keyword && count >= 0 && count < (std::int64_t{1} << 31) && in.eof(),
                reader.where(), ": expected '", keyword, " <count>' but found '", line, "'");
  return count;
}

}  // namespace

BpeTokenizer BpeTokenizer::load(const std::filesystem::path& path) {
  detail::LineReader reader(path, read_file(path));
  std::string_view line;
  TINYGPT_CHECK(reader.next(line) && line == "tinygpt-bpe 1", reader.where(),
                ": not a tinygpt-bpe version 1 file (the first line must be 'tinygpt-bpe 1')");
  const std::int64_t token_count = read_count_line(reader, "tokens");
  std::vector<std::string> tokens(static_cast<std::size_t>(token_count));
  std::vector<TokenId> specials;
  for (std::int64_t id = 0; id < token_count; ++id) {
    TINYGPT_CHECK(reader.next(line), reader.where(), ": the file ends after ", id, " of ",
                  token_count, " tokens (truncated file?)");
    std::string_view hex = line;
    if (hex.starts_with("special ")) {
      hex.remove_prefix(8);
      specials.push_back(static_cast<TokenId>(id));
    }
    TINYGPT_CHECK(detail::from_hex(hex, tokens[static_cast<std::size_t>(id)]), reader.where(),
                  ": token ", id, " is not hex bytes: '", line, "'");
  }
  const std::int64_t merge_count = read_count_line(reader, "merges");
  std::vector<Merge> merges;
  for (std::int64_t rank = 0; rank < merge_count; ++rank) {
    TINYGPT_CHECK(reader.next(line), reader.where(), ": the file ends after ", rank, " of ",
                  merge_count, " merges (truncated file?)");
    std::istringstream in{std::string(line)};
    Merge merge{};
    in >> merge.pair.left >> merge.pair.right >> merge.merged;
    TINYGPT_CHECK(!in.fail() && in.eof(), reader.where(),
                  ": expected '<left> <right> <merged>' but found '", line, "'");
    const auto valid = [&](TokenId id) { return id >= 0 && id < token_count; };
    TINYGPT_CHECK(valid(merge.pair.left) && valid(merge.pair.right) && valid(merge.merged),
                  reader.where(), ": merge '", line, "' names a token id outside [0, ", token_count,
                  ")");
    const std::string& left = tokens[static_cast<std::size_t>(merge.pair.left)];
    const std::string& right = tokens[static_cast<std::size_t>(merge.pair.right)];
    TINYGPT_CHECK(tokens[static_cast<std::size_t>(merge.merged)] == left + right, reader.where(),
                  ": merge '", line, "': token ", merge.merged,
                  " is not the concatenation of its two parts");
    merges.push_back(merge);
  }
  TINYGPT_CHECK(!reader.next(line), reader.where(), ": unexpected line after the last merge: '",
                line, "'");
  return BpeTokenizer(std::move(tokens), std::move(merges), std::move(specials), path.string());
}

BpeTokenizer BpeTokenizer::load_gpt2(const std::filesystem::path& vocab_json,
                                     const std::filesystem::path& merges_txt) {
  const auto entries = detail::read_json_string_to_int(vocab_json, read_file(vocab_json));
  const auto size = static_cast<std::int64_t>(entries.size());
  std::vector<std::string> tokens(entries.size());
  std::vector<bool> assigned(entries.size(), false);
  std::vector<bool> spelled_in_bytes(entries.size(), false);
  std::unordered_map<std::string, TokenId> ids;  // vocab.json's spelling -> id
  for (const auto& [text, id] : entries) {
    TINYGPT_CHECK(id < size, vocab_json.string(), ": token '", text, "' has id ", id,
                  ", but ids must be 0..", size - 1, " (", size, " tokens)");
    TINYGPT_CHECK(!assigned[id], vocab_json.string(), ": id ", id, " is given twice (token '", text,
                  "')");
    TINYGPT_CHECK(ids.emplace(text, static_cast<TokenId>(id)).second, vocab_json.string(),
                  ": token '", text, "' is listed twice");
    assigned[id] = true;
    // A spelling with a code point that stands for no byte can only be a special token.
    spelled_in_bytes[id] = gpt2_unicode_to_bytes(text, tokens[id]);
    if (!spelled_in_bytes[id]) tokens[id] = text;
  }

  detail::LineReader reader(merges_txt, read_file(merges_txt));
  std::vector<Merge> merges;
  std::vector<bool> made_by_merge(entries.size(), false);
  std::string_view line;
  bool first = true;
  while (reader.next(line)) {
    const bool version_line = first && line.starts_with("#version");
    first = false;
    if (version_line || line.empty()) continue;
    const std::size_t space = line.find(' ');
    TINYGPT_CHECK(space != std::string_view::npos && space > 0 && space + 1 < line.size() &&
                      line.find(' ', space + 1) == std::string_view::npos,
                  reader.where(), ": expected two tokens separated by one space, found '", line,
                  "'");
    const std::string left(line.substr(0, space));
    const std::string right(line.substr(space + 1));
    Merge merge{};
    for (const auto& [part, id] :
         {std::pair{&left, &merge.pair.left}, {&right, &merge.pair.right}}) {
      const auto found = ids.find(*part);
      TINYGPT_CHECK(found != ids.end(), reader.where(), ": token '", *part, "' of merge '", line,
                    "' is not in ", vocab_json.string());
      *id = found->second;
    }
    const auto merged = ids.find(left + right);
    TINYGPT_CHECK(merged != ids.end(), reader.where(), ": the merged token '", left + right,
                  "' of merge '", line, "' is not in ", vocab_json.string());
    merge.merged = merged->second;
    made_by_merge[merge.merged] = true;
    merges.push_back(merge);
  }

  // GPT-2 marks no token as special; "<|endoftext|>" is simply the one token that is
  // neither a byte nor the result of a merge, so BPE could never produce it.
  std::vector<TokenId> specials;
  for (TokenId id = 0; id < static_cast<TokenId>(size); ++id) {
    const bool byte_token = spelled_in_bytes[id] && tokens[id].size() == 1;
    if (!byte_token && !made_by_merge[id]) specials.push_back(id);
  }
  return BpeTokenizer(std::move(tokens), std::move(merges), std::move(specials),
                      vocab_json.string() + " + " + merges_txt.string());
}

}  // namespace tinygpt::text
