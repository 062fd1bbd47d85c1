#include "tinygpt/tune/tagging.h"

#include <algorithm>

#include "tinygpt/core/check.h"

namespace tinygpt::tune {

std::vector<TokenSpan> entities_of(std::span<const std::string> tags) {
  std::vector<TokenSpan> entities;
  bool open = false;  // whether the last entity may still grow
  for (std::size_t t = 0; t < tags.size(); ++t) {
    const std::string& tag = tags[t];
    if (tag == "O") {
      open = false;
      continue;
    }
    TINYGPT_CHECK(tag.size() > 2 && (tag.starts_with("B-") || tag.starts_with("I-")),
                  "entities_of: tag ", t, " is \"", tag, "\", not O, B-label or I-label");
    const std::string label = tag.substr(2);
    if (tag[0] == 'I' && open && entities.back().label == label) {
      entities.back().end = static_cast<int>(t) + 1;
      continue;
    }
    entities.push_back({static_cast<int>(t), static_cast<int>(t) + 1, label});
    open = true;
  }
  return entities;
}

void add_span_scores(std::span<const std::string> predicted, std::span<const std::string> gold,
                     const std::string& label, SpanScores& scores) {
  TINYGPT_CHECK(predicted.size() == gold.size(), "add_span_scores: ", predicted.size(),
                " predicted tags for ", gold.size(), " gold ones");
  const auto counted = [&label](const std::vector<TokenSpan>& entities) {
    std::vector<TokenSpan> kept;
    for (const TokenSpan& entity : entities) {
      if (label.empty() || entity.label == label) kept.push_back(entity);
    }
    return kept;
  };
  const std::vector<TokenSpan> p = counted(entities_of(predicted));
  const std::vector<TokenSpan> g = counted(entities_of(gold));
  scores.predicted += static_cast<std::int64_t>(p.size());
  scores.gold += static_cast<std::int64_t>(g.size());
  for (const TokenSpan& entity : p) {
    scores.right += std::count(g.begin(), g.end(), entity);
  }
}

std::vector<std::string> bio_tag_set(std::span<const std::string> labels) {
  std::vector<std::string> tags = {"O"};
  for (const std::string& label : labels) {
    tags.push_back("B-" + label);
    tags.push_back("I-" + label);
  }
  return tags;
}

}  // namespace tinygpt::tune
