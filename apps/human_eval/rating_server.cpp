// The rating page's API (rating_server.h): one small function per endpoint, each parsing
// its request into plain values, calling the store, and writing JSON.
#include "human_eval/rating_server.h"

namespace tinygpt::human_eval {
namespace {

using http::HttpError;

// The store's refusals as HTTP statuses.
[[noreturn]] void refuse(const RatingRefused& refused) {
  switch (refused.reason()) {
    case RatingRefused::Reason::kBadValue:
      throw HttpError(400, refused.what());
    case RatingRefused::Reason::kUnknownItem:
    case RatingRefused::Reason::kUnknownRater:
      throw HttpError(404, refused.what());
    case RatingRefused::Reason::kNotShown:
    case RatingRefused::Reason::kAlreadyRated:
      break;
  }
  throw HttpError(409, refused.what());
}

nlohmann::json study(const RatingStore& store) {
  return {{"mode", mode_name(store.mode())}, {"items", store.items().size()}};
}

nlohmann::json next(RatingStore& store, const httplib::Request& request) {
  const std::string rater = http::query_parameter(request, "rater");
  Progress progress;
  try {
    progress = store.next_for(rater);
  } catch (const RatingRefused& refused) {
    refuse(refused);
  }
  nlohmann::json body = {{"rater", rater},
                         {"mode", mode_name(store.mode())},
                         {"rated", progress.rated},
                         {"total", progress.total},
                         {"item", nullptr}};
  if (progress.next) {
    const Item& item = store.items()[static_cast<std::size_t>(progress.next->item_index)];
    nlohmann::json answers = nlohmann::json::array();
    for (std::size_t k = 0; k < progress.next->order.size(); ++k) {
      const Answer& answer = item.answers[static_cast<std::size_t>(progress.next->order[k])];
      answers.push_back(
          {{"label", std::string(1, static_cast<char>('A' + k))}, {"text", answer.text}});
    }
    body["item"] = {{"id", item.id},
                    {"sequence", progress.next->sequence},
                    {"prompt", item.prompt},
                    {"answers", answers}};
  }
  return body;
}

// "scores": an array of whole numbers (the store checks their range and count).
std::vector<int> scores_field(const nlohmann::json& body) {
  const nlohmann::json& scores = body.at("scores");
  if (!scores.is_array()) {
    throw HttpError(400, "field 'scores' must be an array of scores 1 to 5, not " +
                             std::string(scores.type_name()));
  }
  std::vector<int> values;
  for (const nlohmann::json& score : scores) {
    if (!score.is_number_integer()) {
      throw HttpError(400, "field 'scores' must hold whole numbers 1 to 5, not " + score.dump());
    }
    const std::int64_t value = score.get<std::int64_t>();
    if (value < 1 || value > 5) {
      throw HttpError(400, "score " + std::to_string(value) + " is not in 1 to 5");
    }
    values.push_back(static_cast<int>(value));
  }
  return values;
}

nlohmann::json rate(RatingStore& store, const httplib::Request& request) {
  const nlohmann::json body = http::parse_json_body(request);
  const std::string rater = http::string_field(body, "rater");
  const std::string item = http::string_field(body, "item");
  const bool has_choice = body.contains("choice"), has_scores = body.contains("scores");
  if (has_choice == has_scores) {
    throw HttpError(400,
                    "the body needs exactly one of 'choice' (mode pairwise: left, right or "
                    "tie) and 'scores' (mode scale)");
  }
  try {
    if (has_choice) {
      store.rate_pairwise(rater, item, parse_choice(http::string_field(body, "choice")));
    } else {
      store.rate_scale(rater, item, scores_field(body));
    }
    return {{"saved", true}};
  } catch (const RatingRefused& refused) {
    refuse(refused);
  }
}

}  // namespace

void add_rating_routes(http::Server& server, RatingStore& store) {
  server.serve_files(page_files());
  server.get_json("/api/study", [&store](const httplib::Request&) { return study(store); });
  server.get_json("/api/next",
                  [&store](const httplib::Request& request) { return next(store, request); });
  server.post_json("/api/rating",
                   [&store](const httplib::Request& request) { return rate(store, request); });
}

}  // namespace tinygpt::human_eval
