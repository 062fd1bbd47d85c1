// The dense retriever (retrieve/dense.h): mean-pooled hidden states and exact cosine search.
#include "tinygpt/retrieve/dense.h"

#include <algorithm>
#include <span>
#include <variant>

#include "tinygpt/core/check.h"
#include "tinygpt/core/tape.h"

namespace tinygpt::retrieve {

Embeddings embed_texts(models::ModelFolder& model, const std::vector<std::string>& texts) {
  TINYGPT_CHECK(!std::holds_alternative<models::Seq2Seq>(model.model),
                "embed_texts: a seq2seq model folder has no single stack of hidden states to "
                "pool; give a GPT or an encoder");
  const std::int64_t width = model.config.width;
  Embeddings out(static_cast<Eigen::Index>(texts.size()), static_cast<Eigen::Index>(width));
  Tape tape;
  const NoGradGuard no_grad(tape);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::vector<std::int32_t> ids = model.tokenizer.encode(texts[i]);
    if (ids.size() > static_cast<std::size_t>(model.config.context_length)) {
      ids.resize(static_cast<std::size_t>(model.config.context_length));
    }
    if (ids.empty()) ids.push_back(0);
    tape.reset();
    Tensor hidden;
    if (auto* gpt = std::get_if<models::Gpt>(&model.model)) {
      hidden = gpt->hidden(tape, ids, 1);
    } else {
      hidden = std::get<models::Encoder>(model.model).forward(tape, ids, {}, 1).hidden;
    }
    // (T, C) -> the mean over T, then length 1 (a zero vector stays zero).
    const Eigen::RowVectorXf mean = hidden.matrix().colwise().mean();
    const float norm = mean.norm();
    out.row(static_cast<Eigen::Index>(i)) = norm > 0.0f ? Eigen::RowVectorXf(mean / norm) : mean;
  }
  return out;
}

DenseIndex::DenseIndex(models::ModelFolder& model, std::vector<Passage> passages)
    : model_(model), passages_(std::move(passages)) {
  std::vector<std::string> texts;
  texts.reserve(passages_.size());
  for (const Passage& passage : passages_) texts.push_back(passage.text);
  embeddings_ = embed_texts(model_, texts);
}

std::vector<Hit> DenseIndex::search(std::string_view question, std::int64_t k) const {
  TINYGPT_CHECK(k >= 1, "DenseIndex::search: k must be at least 1, not ", k);
  if (passages_.empty()) return {};
  const Embeddings query = embed_texts(model_, {std::string(question)});
  // Unit vectors: the cosine is the dot product, (N, C) x (C) -> (N).
  const Eigen::VectorXf cosines = embeddings_ * query.row(0).transpose();
  std::vector<Hit> hits(passages_.size());
  for (std::size_t p = 0; p < hits.size(); ++p) {
    hits[p] = {static_cast<std::int64_t>(p),
               static_cast<double>(cosines(static_cast<Eigen::Index>(p)))};
  }
  const auto keep = std::min<std::size_t>(hits.size(), static_cast<std::size_t>(k));
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(),
                    [](const Hit& a, const Hit& b) {
                      return a.score != b.score ? a.score > b.score : a.passage < b.passage;
                    });
  hits.resize(keep);
  return hits;
}

}  // namespace tinygpt::retrieve
