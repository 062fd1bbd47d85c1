// The inverted index behind BM25 (retrieve/bm25.h): terms, postings, search, and the
// index file. The scoring itself is exercise 06.5 (solutions/06-evaluation/bm25_score.cpp).
#include "tinygpt/retrieve/bm25.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::retrieve {
namespace {

bool is_term_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// The file: kMagic, then u32 version, u64 payload size, u64 FNV-1a of the payload, then the
// payload: u32 N, N x (string id, string text, u32 length), u32 T, T x (string term, u32 P,
// P x (u32 passage, u32 frequency)). A string is u32 size + bytes. Little-endian.
constexpr std::string_view kMagic = "tinygpt bm25 index\n";
constexpr std::uint32_t kVersion = 1;

static_assert(std::endian::native == std::endian::little, "the index file is little-endian");

void put_u32(std::string& out, std::uint32_t value) {
  char bytes[4];
  std::memcpy(bytes, &value, 4);
  out.append(bytes, 4);
}
void put_u64(std::string& out, std::uint64_t value) {
  char bytes[8];
  std::memcpy(bytes, &value, 8);
  out.append(bytes, 8);
}
void put_string(std::string& out, std::string_view text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

// Reads the payload, every read checked against its end.
class Reader {
 public:
  Reader(std::string_view bytes, const std::filesystem::path& path) : bytes_(bytes), path_(path) {}
  std::uint32_t u32() { return value<std::uint32_t>(); }
  std::uint64_t u64() { return value<std::uint64_t>(); }
  std::string string() {
    const std::uint32_t size = u32();
    need(size);
    std::string text(bytes_.substr(at_, size));
    at_ += size;
    return text;
  }
  bool done() const { return at_ == bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - at_; }

 private:
  template <typename T>
  T value() {
    need(sizeof(T));
    T out{};
    std::memcpy(&out, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return out;
  }
  void need(std::size_t count) const {
    if (count > bytes_.size() - at_) {
      throw Error("'" + path_.string() + "' is cut short: a BM25 index needs " +
                  std::to_string(count) + " more bytes at byte " + std::to_string(at_) +
                  " of its payload; build it again with `tinygpt rag index`");
    }
  }
  std::string_view bytes_;
  std::size_t at_ = 0;
  const std::filesystem::path& path_;
};

}  // namespace

std::vector<std::string> retrieval_terms(std::string_view text) {
  std::vector<std::string> terms;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_term_byte(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t start = i;
    while (i < text.size() && is_term_byte(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) {
      std::string term(text.substr(start, i - start));
      for (char& c : term) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      terms.push_back(std::move(term));
    }
  }
  return terms;
}

Bm25Index::Bm25Index(std::vector<Passage> passages) : passages_(std::move(passages)) {
  TINYGPT_CHECK(passages_.size() < static_cast<std::size_t>(INT32_MAX),
                "Bm25Index: too many passages (", passages_.size(), ")");
  std::set<std::string_view> ids;
  std::map<std::string, std::vector<Posting>> postings;
  lengths_.reserve(passages_.size());
  for (std::size_t p = 0; p < passages_.size(); ++p) {
    const Passage& passage = passages_[p];
    TINYGPT_CHECK(!passage.id.empty(), "Bm25Index: passage ", p, " has an empty id");
    TINYGPT_CHECK(ids.insert(passage.id).second, "Bm25Index: the id '", passage.id,
                  "' is used twice (passage ", p, ")");
    const std::vector<std::string> terms = retrieval_terms(passage.text);
    TINYGPT_CHECK(!terms.empty(), "Bm25Index: passage '", passage.id,
                  "' has no term (no ASCII letter or digit): \"", passage.text, "\"");
    std::map<std::string_view, std::int32_t> counts;
    for (const std::string& term : terms) ++counts[term];
    for (const auto& [term, count] : counts) {
      postings[std::string(term)].push_back({static_cast<std::int32_t>(p), count});
    }
    lengths_.push_back(static_cast<std::int64_t>(terms.size()));
    total_length_ += static_cast<std::int64_t>(terms.size());
  }
  terms_.reserve(postings.size());
  for (auto& [term, list] : postings) terms_.push_back({term, std::move(list)});
}

double Bm25Index::average_length() const {
  if (passages_.empty()) return 0.0;
  return static_cast<double>(total_length_) / static_cast<double>(passages_.size());
}

const Bm25Index::TermPostings* Bm25Index::find(std::string_view term) const {
  const auto it = std::lower_bound(
      terms_.begin(), terms_.end(), term,
      [](const TermPostings& entry, std::string_view key) { return entry.term < key; });
  if (it == terms_.end() || it->term != term) return nullptr;
  return &*it;
}

std::int64_t Bm25Index::document_frequency(std::string_view term) const {
  const TermPostings* entry = find(term);
  return entry == nullptr ? 0 : static_cast<std::int64_t>(entry->postings.size());
}

std::vector<Hit> Bm25Index::search(std::string_view query, std::int64_t k,
                                   const Bm25Options& options) const {
  TINYGPT_CHECK(k >= 1, "Bm25Index::search: k must be at least 1, not ", k);
  TINYGPT_CHECK(options.k1 >= 0.0 && options.b >= 0.0 && options.b <= 1.0,
                "BM25: k1 must be >= 0 and b in [0, 1], not k1 = ", options.k1,
                " and b = ", options.b);
  const std::vector<std::string> terms = retrieval_terms(query);
  if (terms.empty() || passages_.empty()) return {};
  const std::size_t q = terms.size();
  // Each query term's postings and IDF (a repeated term is looked up again: it counts
  // once per occurrence, as FTS5's phrases do).
  std::vector<const TermPostings*> entries(q);
  std::vector<double> idfs(q);
  for (std::size_t j = 0; j < q; ++j) {
    entries[j] = find(terms[j]);
    const std::int64_t n =
        entries[j] == nullptr ? 0 : static_cast<std::int64_t>(entries[j]->postings.size());
    idfs[j] = bm25_idf(size(), n);
  }
  // The candidates (passages with at least one query term), each with a row of Q
  // frequencies: slot_of maps a passage to its row.
  std::vector<std::int32_t> slot_of(passages_.size(), -1);
  std::vector<std::int32_t> candidates;
  std::vector<std::int64_t> frequencies;  // (candidates, Q)
  for (std::size_t j = 0; j < q; ++j) {
    if (entries[j] == nullptr) continue;
    for (const Posting& posting : entries[j]->postings) {
      std::int32_t& slot = slot_of[static_cast<std::size_t>(posting.passage)];
      if (slot < 0) {
        slot = static_cast<std::int32_t>(candidates.size());
        candidates.push_back(posting.passage);
        frequencies.resize(frequencies.size() + q, 0);
      }
      frequencies[static_cast<std::size_t>(slot) * q + j] = posting.frequency;
    }
  }
  const double average = average_length();
  std::vector<Hit> hits;
  hits.reserve(candidates.size());
  for (std::size_t s = 0; s < candidates.size(); ++s) {
    const auto passage = static_cast<std::size_t>(candidates[s]);
    const double score =
        bm25_document_score(std::span<const std::int64_t>(frequencies.data() + s * q, q), idfs,
                            lengths_[passage], average, options);
    hits.push_back({static_cast<std::int64_t>(passage), score});
  }
  const auto better = [](const Hit& a, const Hit& b) {
    return a.score != b.score ? a.score > b.score : a.passage < b.passage;
  };
  const auto keep = std::min<std::size_t>(hits.size(), static_cast<std::size_t>(k));
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(),
                    better);
  hits.resize(keep);
  return hits;
}

void Bm25Index::save(const std::filesystem::path& path) const {
  std::string payload;
  put_u32(payload, static_cast<std::uint32_t>(passages_.size()));
  for (std::size_t p = 0; p < passages_.size(); ++p) {
    put_string(payload, passages_[p].id);
    put_string(payload, passages_[p].text);
    put_u32(payload, static_cast<std::uint32_t>(lengths_[p]));
  }
  put_u32(payload, static_cast<std::uint32_t>(terms_.size()));
  for (const TermPostings& entry : terms_) {
    put_string(payload, entry.term);
    put_u32(payload, static_cast<std::uint32_t>(entry.postings.size()));
    for (const Posting& posting : entry.postings) {
      put_u32(payload, static_cast<std::uint32_t>(posting.passage));
      put_u32(payload, static_cast<std::uint32_t>(posting.frequency));
    }
  }
  std::string file(kMagic);
  put_u32(file, kVersion);
  put_u64(file, payload.size());
  put_u64(file, fnv1a_64(payload));
  file += payload;
  write_file_atomically(path, file);
}

Bm25Index Bm25Index::load(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  const std::string name = "'" + path.string() + "'";
  if (!std::string_view(bytes).starts_with(kMagic)) {
    throw Error(name + " is not a tinygpt BM25 index (it does not start with \"tinygpt bm25 " +
                "index\"); build one with `tinygpt rag index --data WORLD --out FILE`");
  }
  Reader header(std::string_view(bytes).substr(kMagic.size()), path);
  const std::uint32_t version = header.u32();
  if (version != kVersion) {
    throw Error(name + " is a BM25 index of format version " + std::to_string(version) +
                "; this tinygpt reads version " + std::to_string(kVersion) +
                ": build it again with `tinygpt rag index`");
  }
  const std::uint64_t size = header.u64();
  const std::uint64_t hash = header.u64();
  if (size != header.remaining()) {
    throw Error(name + " is cut short or has bytes added: its header announces " +
                std::to_string(size) + " bytes of index but " + std::to_string(header.remaining()) +
                " follow; build it again with `tinygpt rag index`");
  }
  const std::string_view payload = std::string_view(bytes).substr(bytes.size() - size);
  if (fnv1a_64(payload) != hash) {
    throw Error(name + " is damaged: the hash of its content differs from the one it was " +
                "saved with; build it again with `tinygpt rag index`");
  }
  // The content is what save() wrote (the hash says so), but a bug or a hand-made file
  // could still disagree with itself: rebuild from the passages and compare.
  Reader in(payload, path);
  std::vector<Passage> passages(in.u32());
  std::vector<std::int64_t> lengths(passages.size());
  for (std::size_t p = 0; p < passages.size(); ++p) {
    passages[p].id = in.string();
    passages[p].text = in.string();
    lengths[p] = in.u32();
  }
  std::vector<TermPostings> terms(in.u32());
  for (TermPostings& entry : terms) {
    entry.term = in.string();
    entry.postings.resize(in.u32());
    for (Posting& posting : entry.postings) {
      posting.passage = static_cast<std::int32_t>(in.u32());
      posting.frequency = static_cast<std::int32_t>(in.u32());
    }
  }
  if (!in.done()) {
    throw Error(name + " has " + std::to_string(in.remaining()) +
                " bytes after its postings; build it again with `tinygpt rag index`");
  }
  Bm25Index index;
  try {
    index = Bm25Index(std::move(passages));
  } catch (const Error& error) {
    throw Error(name + " holds passages that cannot be indexed: " + error.what());
  }
  bool same = index.lengths_ == lengths && index.terms_.size() == terms.size();
  for (std::size_t t = 0; same && t < terms.size(); ++t) {
    const TermPostings& a = index.terms_[t];
    const TermPostings& b = terms[t];
    same = a.term == b.term && a.postings.size() == b.postings.size();
    for (std::size_t i = 0; same && i < a.postings.size(); ++i) {
      same = a.postings[i].passage == b.postings[i].passage &&
             a.postings[i].frequency == b.postings[i].frequency;
    }
  }
  if (!same) {
    throw Error(name + "'s postings disagree with its passages' text (written by another " +
                "tokeniser?); build it again with `tinygpt rag index`");
  }
  return index;
}

}  // namespace tinygpt::retrieve
