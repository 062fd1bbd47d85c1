// Agreement between raters (eval/agreement.h) against references: scikit-learn's
// cohen_kappa_score (reference/fixtures/agreement_sklearn.json, written by
// reference/agreement_sklearn.py), Fleiss' kappa on two published tables, and Krippendorff's
// alpha on Krippendorff (2011)'s example (published to three decimals; full precision from
// reference/krippendorff_alpha.py, which computes it with numpy and no tinygpt code).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/agreement.h"

using namespace tinygpt;
using eval::KappaWeights;
using eval::Level;
using eval::RatingMatrix;
using tinygpt::testing::contains;

namespace {

nlohmann::json read_fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TINYGPT_STEP06_FIXTURES) / name);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

RatingMatrix table_of(const std::vector<std::vector<double>>& rows) {
  RatingMatrix table(static_cast<Eigen::Index>(rows.size()),
                     static_cast<Eigen::Index>(rows.front().size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < rows[i].size(); ++j) {
      table(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
    }
  }
  return table;
}

// Kappa is a ratio of sums of a few hundred counts: ours and scikit-learn's differ only in
// the order of floating-point operations. Measured (x86-64, Release): 22 of the 27 values
// (9 cases, 3 weightings) equal to the bit, the other 5 at most 1.1e-16 apart. The bound
// leaves a factor of about 10,000 for other compilers; one count changed moves kappa by more
// than 1e-3.
constexpr double kSklearnTolerance = 1e-12;

}  // namespace

TEST_CASE(
    "Cohen's kappa equals scikit-learn's cohen_kappa_score, unweighted, linear and "
    "quadratic",
    "[step06][agreement]") {
  const nlohmann::json fixture = read_fixture("agreement_sklearn.json");
  REQUIRE(fixture["cases"].size() == 9);
  double worst = 0.0;
  for (const auto& item : fixture["cases"]) {
    const std::string name = item["name"];
    const auto a = item["a"].get<std::vector<std::int32_t>>();
    const auto b = item["b"].get<std::vector<std::int32_t>>();
    const std::pair<const char*, KappaWeights> weightings[] = {
        {"unweighted", KappaWeights::kNone},
        {"linear", KappaWeights::kLinear},
        {"quadratic", KappaWeights::kQuadratic}};
    for (const auto& [key, weights] : weightings) {
      const double expected = item[key];
      const double error = std::abs(eval::cohen_kappa(a, b, weights) - expected);
      INFO(name << " " << key << ": ours " << eval::cohen_kappa(a, b, weights) << ", sklearn "
                << expected);
      CHECK(error <= kSklearnTolerance);
      worst = std::max(worst, error);
    }
  }
  WARN("Cohen's kappa: largest difference from scikit-learn " << worst);
}

TEST_CASE("Cohen's kappa of a known confusion matrix, and its weights use label positions",
          "[step06][agreement][ex06.3]") {
  // 50 items: both say yes 20, both no 15, a yes and b no 5, a no and b yes 10.
  // p_o = 35 / 50 = 0.7; p_e = (25 * 30 + 25 * 20) / 50^2 = 0.5; kappa = 0.2 / 0.5 = 0.4.
  const RatingMatrix confusion = table_of({{20, 5}, {10, 15}});
  CHECK(eval::cohen_kappa_unweighted(confusion) == Approx(0.4).margin(1e-15));
  CHECK(eval::cohen_kappa(confusion) == Approx(0.4).margin(1e-15));
  // With two labels every weighting is the same.
  CHECK(eval::cohen_kappa(confusion, KappaWeights::kQuadratic) == Approx(0.4).margin(1e-15));

  const std::vector<std::int32_t> a = {7, 1, 3, 3}, b = {7, 3, 3, 1};
  const eval::RaterConfusion table = eval::rater_confusion(a, b);
  CHECK(table.labels == std::vector<std::int32_t>{1, 3, 7});
  CHECK(table.counts == table_of({{0, 1, 0}, {1, 1, 0}, {0, 0, 1}}));
  // Relabelling 1, 3, 7 as 0, 1, 2 changes nothing, even with weights.
  const std::vector<std::int32_t> a_ranks = {2, 0, 1, 1}, b_ranks = {2, 1, 1, 0};
  CHECK(eval::cohen_kappa(a, b, KappaWeights::kLinear) ==
        eval::cohen_kappa(a_ranks, b_ranks, KappaWeights::kLinear));
}

TEST_CASE("Fleiss' kappa of Fleiss (1971)'s table and of the standard 14-rater example",
          "[step06][agreement]") {
  // The worked example of Wikipedia's "Fleiss' kappa" article, also in statsmodels' tests
  // (statsmodels/stats/tests/test_inter_rater.py): 10 subjects, 14 raters, 5 categories,
  // with P-bar = 0.378, P-bar_e = 0.213 and kappa = 0.210 (0.2099307044219552 in numpy).
  const RatingMatrix table = table_of({{0, 0, 0, 0, 14},
                                       {0, 2, 6, 4, 2},
                                       {0, 0, 3, 5, 6},
                                       {0, 3, 9, 2, 0},
                                       {2, 2, 8, 1, 1},
                                       {7, 7, 0, 0, 0},
                                       {3, 2, 6, 3, 0},
                                       {2, 5, 3, 2, 2},
                                       {6, 5, 2, 1, 0},
                                       {0, 2, 2, 3, 7}});
  const double kappa = eval::fleiss_kappa(table);
  CHECK(std::round(kappa * 1000.0) / 1000.0 == 0.210);
  CHECK(kappa == Approx(0.2099307044219552).margin(1e-15));

  // Fleiss (1971), Psychological Bulletin 76(5), Table 1: 30 patients, 6 psychiatrists each,
  // 5 diagnoses (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other),
  // kappa = .430. The raw ratings as R's irr package ships them (data "diagnoses"), whose
  // kappam.fleiss gives 0.4302445 (numpy: 0.43024452006014074).
  const std::vector<std::vector<double>> diagnoses = {
      {4, 4, 4, 4, 4, 4}, {2, 2, 2, 5, 5, 5}, {2, 3, 3, 3, 3, 5}, {5, 5, 5, 5, 5, 5},
      {2, 2, 2, 4, 4, 4}, {1, 1, 3, 3, 3, 3}, {3, 3, 3, 3, 5, 5}, {1, 1, 3, 3, 3, 4},
      {1, 1, 4, 4, 4, 4}, {5, 5, 5, 5, 5, 5}, {1, 4, 4, 4, 4, 4}, {1, 2, 4, 4, 4, 4},
      {2, 2, 2, 3, 3, 3}, {1, 4, 4, 4, 4, 4}, {2, 2, 4, 4, 4, 5}, {3, 3, 3, 3, 3, 5},
      {1, 1, 1, 4, 5, 5}, {1, 1, 1, 1, 1, 2}, {2, 2, 4, 4, 4, 4}, {1, 3, 3, 5, 5, 5},
      {5, 5, 5, 5, 5, 5}, {2, 4, 4, 4, 4, 4}, {2, 2, 4, 5, 5, 5}, {1, 1, 4, 4, 4, 4},
      {1, 4, 4, 4, 4, 5}, {2, 2, 2, 2, 2, 4}, {1, 1, 1, 1, 5, 5}, {2, 2, 4, 4, 4, 4},
      {1, 3, 3, 3, 3, 3}, {5, 5, 5, 5, 5, 5}};
  const RatingMatrix ratings = table_of(diagnoses).array() - 1.0;  // categories 0..4
  const RatingMatrix counts = eval::category_counts(ratings, 5);
  CHECK(counts.colwise().sum() == table_of({{26, 26, 30, 55, 43}}));
  CHECK(eval::fleiss_kappa(counts) == Approx(0.43024452006014074).margin(1e-15));
  CHECK(std::abs(eval::fleiss_kappa(counts) - 0.4302445) < 5e-8);
}

TEST_CASE(
    "Krippendorff's alpha of Krippendorff (2011)'s example, nominal, ordinal, interval "
    "and ratio, with missing values",
    "[step06][agreement]") {
  const nlohmann::json fixture = read_fixture("krippendorff_alpha.json");
  // The document's table is observers by units; ours is units by raters.
  const auto& observers = fixture["observers_by_units"];
  RatingMatrix ratings(static_cast<Eigen::Index>(observers[0].size()),
                       static_cast<Eigen::Index>(observers.size()));
  for (std::size_t r = 0; r < observers.size(); ++r) {
    for (std::size_t u = 0; u < observers[r].size(); ++u) {
      const auto& value = observers[r][u];
      ratings(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(r)) =
          value.is_null() ? eval::kMissing : value.get<double>();
    }
  }
  REQUIRE(ratings.rows() == 12);
  REQUIRE(ratings.cols() == 4);

  // The coincidence matrix as the document prints it: n = 40 pairable values (unit 12's
  // lone value does not pair), n_c = 9, 13, 10, 5, 3.
  const eval::Coincidences co = eval::coincidences(ratings);
  CHECK(co.values == std::vector<double>{1, 2, 3, 4, 5});
  CHECK(co.pairable == Approx(40.0).margin(1e-12));
  const auto expected = fixture["coincidences"].get<std::vector<std::vector<double>>>();
  // Measured: at most 3.6e-15 apart (numpy adds the thirds pair by pair, we unit by unit).
  CHECK((co.counts - table_of(expected)).cwiseAbs().maxCoeff() < 1e-12);

  const std::pair<const char*, Level> levels[] = {{"nominal", Level::kNominal},
                                                  {"ordinal", Level::kOrdinal},
                                                  {"interval", Level::kInterval},
                                                  {"ratio", Level::kRatio}};
  double worst = 0.0;
  for (const auto& [name, level] : levels) {
    const double alpha = eval::krippendorff_alpha(ratings, level);
    const double published = fixture["published"][name];
    const double independent = fixture["alpha"][name];
    INFO(name << ": ours " << alpha << ", published " << published << ", numpy " << independent);
    // Published to three decimals: 0.743, 0.815, 0.849, 0.797.
    CHECK(std::abs(alpha - published) <= 0.0005);
    // The script's numpy computation: measured difference at most 1.1e-16 (x86-64, Release).
    CHECK(std::abs(alpha - independent) <= 1e-12);
    worst = std::max(worst, std::abs(alpha - independent));
  }
  WARN("Krippendorff's alpha: largest difference from the numpy reference " << worst);
}

TEST_CASE(
    "agreement coefficients are 1 for perfect agreement, and Krippendorff's alpha of two "
    "raters without missing values is Scott's pi corrected for sample size",
    "[step06][agreement]") {
  const RatingMatrix same = table_of({{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {1, 1, 1}});
  CHECK(eval::fleiss_kappa(eval::category_counts(same, 3)) == 1.0);
  CHECK(eval::krippendorff_alpha(same, Level::kNominal) == 1.0);
  CHECK(eval::krippendorff_alpha(same, Level::kInterval) == 1.0);

  // Two raters and N items give n = 2N pairable values. Fleiss' kappa of two raters is
  // Scott's pi = 1 - n sum o delta / sum n_c n_k delta, and alpha has n - 1 where pi has n:
  // 1 - alpha = (1 - pi) (n - 1) / n. Alpha corrects pi for the small sample.
  const RatingMatrix two = table_of({{0, 0}, {0, 1}, {1, 1}, {2, 2}, {2, 0}, {1, 1}, {0, 0}});
  const double pi = eval::fleiss_kappa(eval::category_counts(two, 3));
  const double alpha = eval::krippendorff_alpha(two, Level::kNominal);
  const double n = 2.0 * 7.0;
  CHECK(1.0 - alpha == Approx((1.0 - pi) * (n - 1.0) / n).margin(1e-12));
}

TEST_CASE("agreement statistics refuse bad input with a message naming the problem",
          "[step06][agreement]") {
  const std::vector<std::int32_t> three = {0, 1, 2}, two = {0, 1};
  CHECK_THROWS_WITH(eval::cohen_kappa(three, two),
                    contains("rater a labelled 3 items and rater b 2"));
  CHECK_THROWS_WITH(eval::cohen_kappa(std::vector<std::int32_t>{}, std::vector<std::int32_t>{}),
                    contains("no items"));
  const std::vector<std::int32_t> ones = {1, 1, 1};
  CHECK_THROWS_WITH(eval::cohen_kappa(ones, ones), contains("undefined"));
  CHECK_THROWS_WITH(eval::cohen_kappa(table_of({{1, 2, 3}, {4, 5, 6}})), contains("square"));
  CHECK_THROWS_WITH(eval::cohen_kappa(table_of({{1, -2}, {4, 5}})), contains("not negative"));

  // Fleiss: one rater per item; an item with a different number of ratings; a bad category.
  CHECK_THROWS_WITH(eval::fleiss_kappa(table_of({{1, 0}, {0, 1}})),
                    contains("at least two raters"));
  CHECK_THROWS_WITH(eval::fleiss_kappa(table_of({{2, 1}, {1, 2}, {2, 0}})),
                    contains("item 2 has 2 ratings but item 0 has 3"));
  const RatingMatrix missing = table_of({{0, 1, 1}, {1, eval::kMissing, 0}});
  CHECK_THROWS_WITH(eval::fleiss_kappa(eval::category_counts(missing, 2)),
                    contains("item 1 has 2 ratings"));
  CHECK_THROWS_WITH(eval::category_counts(table_of({{0, 3}}), 3), contains("[0, 3)"));
  CHECK_THROWS_WITH(eval::fleiss_kappa(table_of({{3, 0}, {3, 0}})), contains("undefined"));

  // Krippendorff: one rater; nothing pairable; nothing to disagree about; negative ratio.
  CHECK_THROWS_WITH(eval::krippendorff_alpha(table_of({{1}, {2}}), Level::kNominal),
                    contains("1 raters; agreement needs at least two"));
  const RatingMatrix lonely = table_of({{1, eval::kMissing}, {eval::kMissing, 2}});
  CHECK_THROWS_WITH(eval::krippendorff_alpha(lonely, Level::kNominal),
                    contains("no value is pairable"));
  const RatingMatrix constant = table_of({{4, 4}, {4, 4}, {4, eval::kMissing}});
  CHECK_THROWS_WITH(eval::krippendorff_alpha(constant, Level::kInterval), contains("all equal"));
  CHECK_THROWS_WITH(eval::krippendorff_alpha(table_of({{-1, 2}, {2, 2}}), Level::kRatio),
                    contains("negative"));
}
