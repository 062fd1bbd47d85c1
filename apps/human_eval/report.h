/// @file report.h
/// @brief What a study's ratings say: how far the raters agree and how the systems rank,
/// computed by the library's statistics (eval/agreement.h, eval/ranking.h).
///
/// **Agreement** is measured on what a rating means, not on where the answers stood: a
/// pairwise rating becomes the winner's position in the items file (first answer, second
/// answer) or a tie, so two raters who saw the answers in opposite orders and preferred the
/// same one agree. A scale rating is a score of one (item, answer) unit.
///
/// Chance agreement comes from how often each category is used. When one system is better
/// on nearly every item and always listed first, nearly every rating is "first answer", the
/// chance agreement is nearly 1 and kappa is near 0 however well the raters agree (the
/// kappa paradox; Feinstein and Cicchetti, 1990): list the answers in a mixed order in the
/// items file (`tinygpt eval human items` does), and read the raw agreement too.
///
/// | statistic | when | pairwise | scale |
/// |---|---|---|---|
/// | Cohen's kappa | exactly 2 raters, on the units both rated | unweighted | quadratic weights |
/// | Fleiss' kappa | every rated unit has the same number (>= 2) of ratings | 3 categories | the 5
/// scores as categories | | Krippendorff's alpha | 2 or more raters; missing ratings allowed |
/// nominal | ordinal |
///
/// Landis and Koch (1977)'s words for a kappa: below 0 poor, to 0.20 slight, to 0.40 fair,
/// to 0.60 moderate, to 0.80 substantial, above almost perfect.
///
/// **Ranking**: Bradley-Terry strengths with bootstrap intervals from the pairwise
/// judgements (in mode scale, every two answers a rater scored make one judgement: the
/// higher score wins, equal scores tie).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "human_eval/store.h"
#include "tinygpt/eval/ranking.h"

namespace tinygpt::human_eval {

/// @brief How the report's bootstrap runs.
struct ReportOptions {
  int resamples = 1000;    ///< bootstrap resamples of the ranking
  std::uint64_t seed = 1;  ///< their seed
};

/// @brief One agreement statistic, or why it was not computed.
struct AgreementFigure {
  std::string name;             ///< "Cohen's kappa", ...
  std::optional<double> value;  ///< the statistic, none when it does not apply
  std::string note;             ///< its variant, or why it is missing
};

/// @brief A study's figures.
struct StudyReport {
  std::string database;                 ///< the file
  Mode mode = Mode::kPairwise;          ///< the study's mode
  int items = 0;                        ///< items in the study
  int raters = 0;                       ///< raters with at least one rating
  int ratings = 0;                      ///< ratings stored
  int rated_units = 0;                  ///< units (items, or item answers) with a rating
  std::vector<int> ratings_per_unit;    ///< how many units have 1, 2, ... ratings (index = count)
  int left = 0, right = 0, ties = 0;    ///< pairwise: choices by position (a bias check)
  std::optional<double> raw_agreement;  ///< share of rater pairs on a unit who agree (no chance)
  std::vector<AgreementFigure> agreement;                   ///< Cohen, Fleiss, Krippendorff
  std::optional<eval::BradleyTerryRanking> ranking;         ///< none when it cannot be fitted
  std::string ranking_note;                                 ///< why not, or ""
  std::vector<std::pair<std::string, double>> mean_scores;  ///< scale: each system's mean
};

/// @param kappa a kappa or alpha.
/// @return Landis and Koch's word for it.
std::string_view landis_koch(double kappa);

/// @brief Computes the figures of a study.
/// @param store the study.
/// @param options the bootstrap's settings.
/// @return the figures.
StudyReport make_report(const RatingStore& store, const ReportOptions& options);

/// @param report the figures.
/// @return them as the text `tinygpt eval human report` prints.
std::string format_report(const StudyReport& report);

}  // namespace tinygpt::human_eval
