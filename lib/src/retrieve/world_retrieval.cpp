// The generated world as a retrieval benchmark (retrieve/world_retrieval.h).
#include "tinygpt/retrieve/world_retrieval.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "../core/jsonl.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::retrieve {
namespace {

// Calls `record` with each record of a JSONL file; a record without the fields `what`
// names (or with fields of another type) is an Error naming file and line.
template <typename Record>
void for_each_record(const std::filesystem::path& path, std::string_view what, Record record) {
  if (!std::filesystem::is_regular_file(path)) {
    throw Error("no file " + path.string() + ": give --data a folder written by " +
                "`tinygpt data generate` (kinds facts,qa)");
  }
  tinygpt::detail::for_each_jsonl_object<nlohmann::json>(
      path, [&](const nlohmann::json& json, const std::string& where) {
        try {
          record(json);
        } catch (const nlohmann::json::exception&) {
          throw Error(where + ": not " + std::string(what));
        }
      });
}

}  // namespace

std::vector<Passage> read_world_passages(const std::filesystem::path& world, Facts which) {
  std::vector<Passage> passages;
  for_each_record(world / "facts.jsonl", "a fact record (id, sentence, split)",
                  [&](const nlohmann::json& json) {
                    if (which == Facts::kSeen && json.at("split").get<std::string>() != "seen") {
                      return;
                    }
                    passages.push_back(
                        {json.at("id").get<std::string>(), json.at("sentence").get<std::string>()});
                  });
  TINYGPT_CHECK(!passages.empty(), (world / "facts.jsonl").string(), " holds no fact");
  return passages;
}

std::vector<Question> read_world_questions(const std::filesystem::path& world) {
  std::vector<Question> questions;
  for_each_record(world / "qa.jsonl", "a question record (id, fact, question, response, split)",
                  [&](const nlohmann::json& json) {
                    questions.push_back(
                        {json.at("id").get<std::string>(), json.at("question").get<std::string>(),
                         json.at("fact").get<std::string>(), json.at("response").get<std::string>(),
                         json.at("split").get<std::string>() == "held_out"});
                  });
  TINYGPT_CHECK(!questions.empty(), (world / "qa.jsonl").string(), " holds no question");
  return questions;
}

std::vector<std::int64_t> relevant_ranks(const std::vector<std::vector<Hit>>& ranking,
                                         const std::vector<std::int64_t>& relevant) {
  TINYGPT_CHECK(ranking.size() == relevant.size(), "relevant_ranks: ", ranking.size(),
                " rankings but ", relevant.size(), " relevant passages");
  std::vector<std::int64_t> ranks(ranking.size(), 0);
  for (std::size_t i = 0; i < ranking.size(); ++i) {
    for (std::size_t r = 0; r < ranking[i].size(); ++r) {
      if (ranking[i][r].passage == relevant[i]) {
        ranks[i] = static_cast<std::int64_t>(r) + 1;
        break;
      }
    }
  }
  return ranks;
}

RetrievalQuality retrieval_quality(const std::vector<std::int64_t>& ranks,
                                   const std::vector<std::int64_t>& ks) {
  TINYGPT_CHECK(!ranks.empty(), "retrieval_quality: no ranks");
  RetrievalQuality quality;
  quality.questions = static_cast<std::int64_t>(ranks.size());
  quality.ks = ks;
  const auto count = static_cast<double>(ranks.size());
  for (const std::int64_t k : ks) {
    TINYGPT_CHECK(k >= 1, "retrieval_quality: a cut-off k must be at least 1, not ", k);
    const auto found = std::count_if(ranks.begin(), ranks.end(),
                                     [k](std::int64_t rank) { return rank >= 1 && rank <= k; });
    quality.recall.push_back(static_cast<double>(found) / count);
  }
  double reciprocal = 0.0;
  for (const std::int64_t rank : ranks) {
    if (rank >= 1) reciprocal += 1.0 / static_cast<double>(rank);
  }
  quality.mrr = reciprocal / count;
  return quality;
}

RetrievalQuality evaluate_bm25(const Bm25Index& index, const std::vector<Question>& questions,
                               const std::vector<std::int64_t>& ks, std::int64_t depth,
                               const Bm25Options& options) {
  const std::int64_t deepest = ks.empty() ? 1 : *std::max_element(ks.begin(), ks.end());
  TINYGPT_CHECK(depth >= deepest, "evaluate_bm25: depth ", depth, " is below the largest k, ",
                deepest);
  std::map<std::string_view, std::int64_t> position;
  for (std::size_t p = 0; p < index.passages().size(); ++p) {
    position[index.passages()[p].id] = static_cast<std::int64_t>(p);
  }
  std::vector<std::vector<Hit>> ranking;
  std::vector<std::int64_t> relevant;
  ranking.reserve(questions.size());
  for (const Question& question : questions) {
    const auto it = position.find(question.relevant);
    TINYGPT_CHECK(it != position.end(), "evaluate_bm25: question ", question.id, " asks about '",
                  question.relevant, "', which is not in the index (an index of another world?)");
    relevant.push_back(it->second);
    ranking.push_back(index.search(question.text, depth, options));
  }
  return retrieval_quality(relevant_ranks(ranking, relevant), ks);
}

}  // namespace tinygpt::retrieve
