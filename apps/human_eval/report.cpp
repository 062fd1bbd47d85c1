// Agreement and ranking of a study (report.h).
#include "human_eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "tinygpt/eval/agreement.h"

namespace tinygpt::human_eval {
namespace {

std::string fixed(double x, int digits) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, x);
  return text;
}

std::string percent(int part, int whole) {
  return whole == 0 ? "-" : fixed(100.0 * part / whole, 1) + "%";
}

// The ratings as a table (units, raters), NaN where missing: a pairwise unit is an item and
// its value the winner's slot (0, 1) or 2 for a tie; a scale unit is an (item, slot) pair
// and its value the score.
struct UnitTable {
  eval::RatingMatrix values;
  std::vector<std::string> raters;
};

UnitTable unit_table(const RatingStore& store, const std::vector<RatingRecord>& records) {
  std::map<std::string, int> rater_column;
  UnitTable table;
  for (const RatingRecord& record : records) {
    if (rater_column.emplace(record.rater, static_cast<int>(table.raters.size())).second) {
      table.raters.push_back(record.rater);
    }
  }
  // Unit index: pairwise the item; scale the item's first unit + the answer's slot.
  std::vector<int> first_unit;
  int units = 0;
  for (const Item& item : store.items()) {
    first_unit.push_back(units);
    units += store.mode() == Mode::kPairwise ? 1 : static_cast<int>(item.answers.size());
  }
  table.values = eval::RatingMatrix::Constant(units, static_cast<Eigen::Index>(table.raters.size()),
                                              eval::kMissing);
  for (const RatingRecord& record : records) {
    const Item& item = store.items()[static_cast<std::size_t>(record.item_index)];
    const auto slot_of = [&](const std::string& system) {
      for (std::size_t slot = 0; slot < item.answers.size(); ++slot) {
        if (item.answers[slot].system == system) return static_cast<int>(slot);
      }
      return -1;
    };
    const int column = rater_column[record.rater];
    const int first = first_unit[static_cast<std::size_t>(record.item_index)];
    if (record.choice) {
      table.values(first, column) = record.winner == "tie" ? 2 : slot_of(record.winner);
    } else {
      for (std::size_t k = 0; k < record.shown.size(); ++k) {
        table.values(first + slot_of(record.shown[k]), column) = record.scores[k];
      }
    }
  }
  return table;
}

// Runs a statistic; the library's refusal (undefined, too few ratings) becomes the note.
template <typename Compute>
AgreementFigure figure(std::string name, std::string note, Compute compute) {
  try {
    const double value = compute();  // before `name` moves: compute() may throw
    return {std::move(name), value, std::move(note)};
  } catch (const Error& error) {
    return {std::move(name), std::nullopt, error.what()};
  }
}

std::vector<AgreementFigure> agreement(const UnitTable& table, Mode mode,
                                       const std::vector<int>& per_unit) {
  const bool pairwise = mode == Mode::kPairwise;
  std::vector<AgreementFigure> figures;
  const Eigen::Index raters = table.values.cols();
  // Cohen's kappa: two raters, the units both rated.
  if (raters != 2) {
    figures.push_back({"Cohen's kappa", std::nullopt,
                       "needs exactly 2 raters (there are " + std::to_string(raters) + ")"});
  } else {
    std::vector<std::int32_t> a, b;
    for (Eigen::Index u = 0; u < table.values.rows(); ++u) {
      if (std::isnan(table.values(u, 0)) || std::isnan(table.values(u, 1))) continue;
      a.push_back(static_cast<std::int32_t>(table.values(u, 0)));
      b.push_back(static_cast<std::int32_t>(table.values(u, 1)));
    }
    figures.push_back(figure("Cohen's kappa",
                             pairwise ? "unweighted, " + std::to_string(a.size()) + " items"
                                      : "quadratic weights, " + std::to_string(a.size()) + " units",
                             [&] {
                               return eval::cohen_kappa(a, b,
                                                        pairwise ? eval::KappaWeights::kNone
                                                                 : eval::KappaWeights::kQuadratic);
                             }));
  }
  // Fleiss' kappa: every rated unit with the same number of ratings.
  int rated = 0, count = 0;
  for (std::size_t n = 1; n < per_unit.size(); ++n) {
    if (per_unit[n] > 0) {
      ++rated;
      count = static_cast<int>(n);
    }
  }
  if (rated != 1 || count < 2) {
    figures.push_back({"Fleiss' kappa", std::nullopt,
                       "needs every rated unit to have the same number (2 or more) of ratings"});
  } else {
    eval::RatingMatrix rows(0, raters);
    for (Eigen::Index u = 0; u < table.values.rows(); ++u) {
      if (table.values.row(u).array().isNaN().all()) continue;
      rows.conservativeResize(rows.rows() + 1, Eigen::NoChange);
      // Fleiss' categories start at 0: scores 1-5 become 0-4.
      rows.row(rows.rows() - 1) = table.values.row(u).array() - (pairwise ? 0.0 : 1.0);
    }
    figures.push_back(
        figure("Fleiss' kappa",
               std::to_string(count) + " ratings per unit" + (pairwise ? "" : ", nominal"),
               [&] { return eval::fleiss_kappa(eval::category_counts(rows, pairwise ? 3 : 5)); }));
  }
  figures.push_back(figure("Krippendorff's alpha", pairwise ? "nominal" : "ordinal", [&] {
    return eval::krippendorff_alpha(table.values,
                                    pairwise ? eval::Level::kNominal : eval::Level::kOrdinal);
  }));
  return figures;
}

// The share of agreeing pairs of raters on a unit, averaged over units with two ratings or
// more: what kappa corrects for chance, shown beside it because a kappa near 0 with a raw
// agreement near 1 means one category dominates (report.h), not that raters disagree.
std::optional<double> raw_agreement(const eval::RatingMatrix& values) {
  double sum = 0.0;
  int units = 0;
  for (Eigen::Index u = 0; u < values.rows(); ++u) {
    int pairs = 0, agreeing = 0;
    for (Eigen::Index a = 0; a < values.cols(); ++a) {
      for (Eigen::Index b = a + 1; b < values.cols(); ++b) {
        if (std::isnan(values(u, a)) || std::isnan(values(u, b))) continue;
        ++pairs;
        agreeing += values(u, a) == values(u, b);
      }
    }
    if (pairs == 0) continue;
    sum += static_cast<double>(agreeing) / pairs;
    ++units;
  }
  if (units == 0) return std::nullopt;
  return sum / units;
}

std::vector<eval::Judgement> judgements(const std::vector<RatingRecord>& records) {
  std::vector<eval::Judgement> all;
  for (const RatingRecord& record : records) {
    if (record.choice) {
      all.push_back({record.shown.front(), record.shown.back(),
                     *record.choice == Choice::kLeft    ? eval::Preference::kFirstWins
                     : *record.choice == Choice::kRight ? eval::Preference::kSecondWins
                                                        : eval::Preference::kTie});
      continue;
    }
    for (std::size_t i = 0; i < record.shown.size(); ++i) {
      for (std::size_t j = i + 1; j < record.shown.size(); ++j) {
        const int a = record.scores[i], b = record.scores[j];
        all.push_back({record.shown[i], record.shown[j],
                       a > b   ? eval::Preference::kFirstWins
                       : a < b ? eval::Preference::kSecondWins
                               : eval::Preference::kTie});
      }
    }
  }
  return all;
}

}  // namespace

std::string_view landis_koch(double kappa) {
  if (kappa < 0.0) return "poor";
  if (kappa <= 0.20) return "slight";
  if (kappa <= 0.40) return "fair";
  if (kappa <= 0.60) return "moderate";
  if (kappa <= 0.80) return "substantial";
  return "almost perfect";
}

StudyReport make_report(const RatingStore& store, const ReportOptions& options) {
  const std::vector<RatingRecord> records = store.ratings();
  StudyReport report{.database = store.path().string(),
                     .mode = store.mode(),
                     .items = static_cast<int>(store.items().size()),
                     .ratings = static_cast<int>(records.size())};
  for (const RatingRecord& record : records) {
    if (!record.choice) continue;
    ++(*record.choice == Choice::kLeft    ? report.left
       : *record.choice == Choice::kRight ? report.right
                                          : report.ties);
  }
  const UnitTable table = unit_table(store, records);
  report.raters = static_cast<int>(table.raters.size());
  report.ratings_per_unit.assign(static_cast<std::size_t>(report.raters) + 1, 0);
  for (Eigen::Index u = 0; u < table.values.rows(); ++u) {
    const int count = static_cast<int>((!table.values.row(u).array().isNaN()).count());
    ++report.ratings_per_unit[static_cast<std::size_t>(count)];
    if (count > 0) ++report.rated_units;
  }
  report.raw_agreement = raw_agreement(table.values);
  report.agreement = agreement(table, store.mode(), report.ratings_per_unit);

  std::vector<std::string> systems;
  for (const Item& item : store.items()) {
    for (const Answer& answer : item.answers) {
      if (std::find(systems.begin(), systems.end(), answer.system) == systems.end()) {
        systems.push_back(answer.system);
      }
    }
  }
  if (store.mode() == Mode::kScale) {
    for (const std::string& system : systems) {
      double sum = 0.0;
      int count = 0;
      for (const RatingRecord& record : records) {
        for (std::size_t k = 0; k < record.shown.size(); ++k) {
          if (record.shown[k] == system) sum += record.scores[k], ++count;
        }
      }
      if (count > 0) report.mean_scores.emplace_back(system, sum / count);
    }
  }
  try {
    report.ranking = eval::bradley_terry_ranking(
        systems, judgements(records), {.resamples = options.resamples, .seed = options.seed});
  } catch (const Error& error) {
    report.ranking_note = error.what();
  }
  return report;
}

std::string format_report(const StudyReport& report) {
  const bool pairwise = report.mode == Mode::kPairwise;
  std::string text =
      "study: " + report.database + " (mode " + std::string(mode_name(report.mode)) + ")\n";
  text += std::string("  ") + std::to_string(report.items) + " items, " +
          std::to_string(report.raters) + " raters, " + std::to_string(report.ratings) +
          " ratings\n";
  text += "  " + std::string(pairwise ? "items" : "item answers") + " by number of ratings:";
  for (std::size_t n = 0; n < report.ratings_per_unit.size(); ++n) {
    if (report.ratings_per_unit[n] > 0) {
      text += ' ';
      text += std::to_string(n) + ": " + std::to_string(report.ratings_per_unit[n]) + ";";
    }
  }
  text.back() = '\n';
  if (pairwise) {
    // Randomised positions make these near equal, whatever the systems: a large gap is
    // raters favouring a side, or a page that is not blind.
    text += "  choices by position: left (A) " + percent(report.left, report.ratings) +
            ", right (B) " + percent(report.right, report.ratings) + ", tie " +
            percent(report.ties, report.ratings) + "\n";
  }
  text += pairwise ? "\nagreement on the answer preferred (first or second answer of the items "
                     "file, or a tie)\n"
                   : "\nagreement on the scores of each answer\n";
  if (report.raw_agreement) {
    text += "  raw agreement          " + fixed(*report.raw_agreement, 3) +
            "  agreeing rater pairs per unit (chance not removed)\n";
  }
  for (const AgreementFigure& figure : report.agreement) {
    char line[256];
    if (figure.value) {
      std::snprintf(line, sizeof(line), "  %-22s %7.3f  %s (Landis & Koch: %s)\n",
                    figure.name.c_str(), *figure.value, figure.note.c_str(),
                    std::string(landis_koch(*figure.value)).c_str());
    } else {
      std::snprintf(line, sizeof(line), "  %-22s %7s  ", figure.name.c_str(), "-");
      text += line + figure.note + "\n";
      continue;
    }
    text += line;
  }
  if (!report.mean_scores.empty()) {
    text += "\nmean score (1-5)\n";
    for (const auto& [system, mean] : report.mean_scores) {
      char line[256];
      std::snprintf(line, sizeof(line), "  %-20s %5.2f\n", system.c_str(), mean);
      text += line;
    }
  }
  if (!report.ranking) {
    return text + "\nranking: not available: " + report.ranking_note + "\n";
  }
  const eval::BradleyTerryRanking& ranking = *report.ranking;
  text +=
      "\nranking (Bradley-Terry; strengths have a geometric mean of 1; 95% bootstrap "
      "intervals, " +
      (ranking.resamples_dropped > 0
           ? std::to_string(ranking.resamples_kept) + " of " +
                 std::to_string(ranking.resamples_kept + ranking.resamples_dropped) +
                 " resamples; the others had a system without a win or a loss"
           : std::to_string(ranking.resamples_kept) + " resamples") +
      ")\n";
  char line[256];
  std::snprintf(line, sizeof(line), "  %-20s %9s  %-19s %7s %10s\n", "system", "strength",
                "95% interval", "wins", "judgements");
  text += line;
  for (const eval::SystemStrength& system : ranking.systems) {
    std::snprintf(line, sizeof(line), "  %-20s %9.3f  [%7.3f, %7.3f] %7.1f %10lld\n",
                  system.system.c_str(), system.strength.value, system.strength.low,
                  system.strength.high, system.wins, static_cast<long long>(system.judgements));
    text += line;
  }
  if (ranking.systems.size() >= 2) {
    const eval::SystemStrength& top = ranking.systems[0];
    const eval::SystemStrength& next = ranking.systems[1];
    text += "  P(" + top.system + " beats " + next.system +
            ") = " + fixed(eval::win_probability(top.strength.value, next.strength.value), 3) +
            "\n";
  }
  return text;
}

}  // namespace tinygpt::human_eval
