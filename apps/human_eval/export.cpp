// Ratings as CSV and JSONL (export.h).
#include "human_eval/export.h"

#include <nlohmann/json.hpp>

namespace tinygpt::human_eval {
namespace {

// RFC 4180: a field with a comma, a quote or a line break goes in quotes, quotes doubled.
std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (k > 0) row += ',';
    row += csv_field(fields[k]);
  }
  return row + "\r\n";
}

}  // namespace

std::string export_csv(const RatingStore& store) {
  const bool pairwise = store.mode() == Mode::kPairwise;
  std::string text = pairwise ? csv_row({"rater", "item", "sequence", "left_system", "right_system",
                                         "choice", "winner", "shown_at", "rated_at"})
                              : csv_row({"rater", "item", "sequence", "position", "system", "score",
                                         "shown_at", "rated_at"});
  for (const RatingRecord& record : store.ratings()) {
    const std::string sequence = std::to_string(record.sequence);
    if (pairwise) {
      text += csv_row({record.rater, record.item_id, sequence, record.shown.front(),
                       record.shown.back(), std::string(choice_name(*record.choice)), record.winner,
                       record.shown_at, record.rated_at});
      continue;
    }
    for (std::size_t k = 0; k < record.shown.size(); ++k) {
      text +=
          csv_row({record.rater, record.item_id, sequence, std::to_string(k + 1), record.shown[k],
                   std::to_string(record.scores[k]), record.shown_at, record.rated_at});
    }
  }
  return text;
}

std::string export_jsonl(const RatingStore& store) {
  std::string text;
  for (const RatingRecord& record : store.ratings()) {
    nlohmann::ordered_json line;
    line["rater"] = record.rater;
    line["item"] = record.item_id;
    line["sequence"] = record.sequence;
    line["mode"] = mode_name(store.mode());
    line["shown"] = record.shown;
    if (record.choice) {
      line["left"] = record.shown.front();
      line["right"] = record.shown.back();
      line["choice"] = choice_name(*record.choice);
      line["winner"] = record.winner;
    } else {
      line["scores"] = nlohmann::ordered_json::object();
      for (std::size_t k = 0; k < record.shown.size(); ++k) {
        line["scores"][record.shown[k]] = record.scores[k];
      }
    }
    line["shown_at"] = record.shown_at;
    line["rated_at"] = record.rated_at;
    text += line.dump() + "\n";
  }
  return text;
}

}  // namespace tinygpt::human_eval
