// The parts of the MLM and NSP objectives that are not exercises: batches, eligibility flags
// and the sentence/document index. mlm_mask is exercise 03.4
// (solutions/03-pretraining/masking.cpp), nsp_sample_pair exercise 03.5
// (solutions/03-pretraining/nsp.cpp).
#include "tinygpt/data/objectives.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "tinygpt/core/check.h"

namespace tinygpt::data {

void mlm_mask_batch(std::span<std::int32_t> inputs, std::span<std::int32_t> targets,
                    std::span<const std::int32_t> ids, std::span<const std::uint8_t> maskable,
                    std::int64_t batch, const MlmSettings& settings, const ExampleKey& key) {
  TINYGPT_CHECK(batch > 0 && ids.size() % static_cast<std::size_t>(batch) == 0,
                "mlm_mask_batch: ", ids.size(), " ids do not split into ", batch, " sequences");
  TINYGPT_CHECK(
      inputs.size() == ids.size() && targets.size() == ids.size() && maskable.size() == ids.size(),
      "mlm_mask_batch: ids has ", ids.size(), " values, inputs ", inputs.size(), ", targets ",
      targets.size(), ", maskable ", maskable.size());
  const std::size_t length = ids.size() / static_cast<std::size_t>(batch);
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::size_t start = static_cast<std::size_t>(b) * length;
    ExampleKey row_key = key;
    row_key.example = key.example + static_cast<std::uint64_t>(b);
    mlm_mask(inputs.subspan(start, length), targets.subspan(start, length),
             ids.subspan(start, length), maskable.subspan(start, length), settings, row_key);
  }
}

std::vector<std::uint8_t> maskable_flags(std::span<const std::int32_t> ids,
                                         std::span<const std::int32_t> special_ids) {
  std::vector<std::uint8_t> flags(ids.size());
  for (std::size_t t = 0; t < ids.size(); ++t) {
    const bool special =
        std::find(special_ids.begin(), special_ids.end(), ids[t]) != special_ids.end();
    flags[t] = special ? 0 : 1;
  }
  return flags;
}

SentenceDocuments::SentenceDocuments(std::span<const std::int64_t> sentences_per_document) {
  TINYGPT_CHECK(sentences_per_document.size() >= 2,
                "SentenceDocuments: next-sentence pairs need at least 2 documents, got ",
                sentences_per_document.size());
  starts_.reserve(sentences_per_document.size() + 1);
  starts_.push_back(0);
  bool has_pair = false;
  for (std::size_t d = 0; d < sentences_per_document.size(); ++d) {
    const std::int64_t count = sentences_per_document[d];
    TINYGPT_CHECK(count >= 1, "SentenceDocuments: document ", d, " has ", count,
                  " sentences; every document needs at least 1");
    has_pair = has_pair || count >= 2;
    starts_.push_back(starts_.back() + count);
  }
  TINYGPT_CHECK(has_pair,
                "SentenceDocuments: no document has 2 sentences, so there is no true next pair");
  // CounterRng::below() takes 32-bit bounds.
  constexpr auto kMax = static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max());
  TINYGPT_CHECK(starts_.back() <= kMax, "SentenceDocuments: ", starts_.back(),
                " sentences; at most ", kMax, " are supported");
}

std::int64_t SentenceDocuments::first_sentence(std::int64_t document) const {
  TINYGPT_CHECK(document >= 0 && document < documents(), "SentenceDocuments: document ", document,
                " is outside [0, ", documents(), ")");
  return starts_[static_cast<std::size_t>(document)];
}

std::int64_t SentenceDocuments::sentence_count(std::int64_t document) const {
  return starts_[static_cast<std::size_t>(document) + 1] - first_sentence(document);
}

std::int64_t SentenceDocuments::document_of(std::int64_t sentence) const {
  TINYGPT_CHECK(sentence >= 0 && sentence < sentences(), "SentenceDocuments: sentence ", sentence,
                " is outside [0, ", sentences(), ")");
  // The last document whose first sentence is <= sentence.
  const auto after = std::upper_bound(starts_.begin(), starts_.end(), sentence);
  return static_cast<std::int64_t>(after - starts_.begin()) - 1;
}

std::int64_t SentenceDocuments::nth_pair_start(std::int64_t k) const {
  TINYGPT_CHECK(k >= 0 && k < pair_starts(), "SentenceDocuments: pair start ", k,
                " is outside [0, ", pair_starts(), ")");
  // Document d offers sentence_count(d) - 1 pair starts, and the documents before it
  // before(d) = starts_[d] - d together, a non-decreasing sequence. The k-th lies in the last
  // document with before(d) <= k: a single-sentence document d has before(d + 1) = before(d),
  // so the search passes over it.
  std::int64_t low = 0;
  std::int64_t high = documents() - 1;
  while (low < high) {
    const std::int64_t middle = (low + high + 1) / 2;
    if (starts_[static_cast<std::size_t>(middle)] - middle <= k) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  const std::int64_t before = starts_[static_cast<std::size_t>(low)] - low;
  return starts_[static_cast<std::size_t>(low)] + (k - before);
}

}  // namespace tinygpt::data
