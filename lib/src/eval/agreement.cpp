#include "tinygpt/eval/agreement.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "tinygpt/core/check.h"

namespace tinygpt::eval {

namespace {

/// Throws unless every entry of a table of counts is finite and not negative, and some are
/// positive.
void check_counts(const Eigen::Ref<const RatingMatrix>& counts, const char* what) {
  for (Eigen::Index i = 0; i < counts.rows(); ++i) {
    for (Eigen::Index j = 0; j < counts.cols(); ++j) {
      TINYGPT_CHECK(std::isfinite(counts(i, j)) && counts(i, j) >= 0.0, what, ": count (", i, ", ",
                    j, ") is ", counts(i, j), "; counts must be finite and not negative");
    }
  }
  TINYGPT_CHECK(counts.sum() > 0.0, what, ": the table (", counts.rows(), ", ", counts.cols(),
                ") holds no count");
}

/// Chance disagreement is 0, and every coefficient 0 / 0, when one label takes every rating.
/// Returns that label's position, or -1.
Eigen::Index sole_label(const Eigen::VectorXd& shares_a, const Eigen::VectorXd& shares_b) {
  for (Eigen::Index k = 0; k < shares_a.size(); ++k) {
    if (shares_a[k] == 1.0 && shares_b[k] == 1.0) return k;
  }
  return -1;
}

}  // namespace

RaterConfusion rater_confusion(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
  TINYGPT_CHECK(a.size() == b.size(), "cohen_kappa: rater a labelled ", a.size(),
                " items and rater b ", b.size(),
                "; give both raters' labels of the same items, in the same order");
  TINYGPT_CHECK(!a.empty(), "cohen_kappa: no items were labelled");
  RaterConfusion result;
  result.labels.assign(a.begin(), a.end());
  result.labels.insert(result.labels.end(), b.begin(), b.end());
  std::sort(result.labels.begin(), result.labels.end());
  result.labels.erase(std::unique(result.labels.begin(), result.labels.end()), result.labels.end());
  const auto position = [&](std::int32_t label) {
    return std::lower_bound(result.labels.begin(), result.labels.end(), label) -
           result.labels.begin();
  };
  const auto k = static_cast<Eigen::Index>(result.labels.size());
  result.counts = RatingMatrix::Zero(k, k);
  for (std::size_t i = 0; i < a.size(); ++i) result.counts(position(a[i]), position(b[i])) += 1.0;
  return result;
}

double cohen_kappa(const Eigen::Ref<const RatingMatrix>& confusion, KappaWeights weights) {
  TINYGPT_CHECK(confusion.rows() > 0 && confusion.rows() == confusion.cols(),
                "cohen_kappa: the confusion matrix is (", confusion.rows(), ", ", confusion.cols(),
                "); it must be square, one row and one column per label");
  check_counts(confusion, "cohen_kappa");
  const double n = confusion.sum();
  const Eigen::VectorXd rows = confusion.rowwise().sum() / n;
  const Eigen::VectorXd columns = confusion.colwise().sum().transpose() / n;
  const Eigen::Index sole = sole_label(rows, columns);
  TINYGPT_CHECK(sole < 0, "cohen_kappa: both raters gave every item the label at position ", sole,
                ", so chance agreement is 1 and kappa is 0 / 0 (undefined)");
  if (weights == KappaWeights::kNone) return cohen_kappa_unweighted(confusion);
  // kappa = 1 - sum w O / sum w E with E = r c^T / n: the weighted disagreement observed over
  // the one expected of independent raters with the same label frequencies.
  double observed = 0.0;
  double chance = 0.0;
  for (Eigen::Index k = 0; k < confusion.rows(); ++k) {
    for (Eigen::Index l = 0; l < confusion.cols(); ++l) {
      const double distance = static_cast<double>(std::abs(k - l));
      const double w = weights == KappaWeights::kLinear ? distance : distance * distance;
      observed += w * confusion(k, l);
      chance += w * rows[k] * columns[l] * n;
    }
  }
  return 1.0 - observed / chance;
}

double cohen_kappa(std::span<const std::int32_t> a, std::span<const std::int32_t> b,
                   KappaWeights weights) {
  const RaterConfusion confusion = rater_confusion(a, b);
  TINYGPT_CHECK(confusion.labels.size() > 1, "cohen_kappa: both raters gave all ", a.size(),
                " items the label ", confusion.labels[0],
                ", so chance agreement is 1 and kappa is 0 / 0 (undefined)");
  return cohen_kappa(confusion.counts, weights);
}

RatingMatrix category_counts(const Eigen::Ref<const RatingMatrix>& ratings,
                             std::int32_t categories) {
  TINYGPT_CHECK(categories > 0, "category_counts: ", categories, " categories");
  RatingMatrix counts = RatingMatrix::Zero(ratings.rows(), categories);
  for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
    for (Eigen::Index r = 0; r < ratings.cols(); ++r) {
      const double value = ratings(i, r);
      if (std::isnan(value)) continue;
      TINYGPT_CHECK(value >= 0.0 && value < categories && value == std::floor(value),
                    "category_counts: item ", i, ", rater ", r, " gave ", value,
                    "; a category is a whole number in [0, ", categories, ")");
      counts(i, static_cast<Eigen::Index>(value)) += 1.0;
    }
  }
  return counts;
}

double fleiss_kappa(const Eigen::Ref<const RatingMatrix>& counts) {
  TINYGPT_CHECK(counts.rows() > 0 && counts.cols() > 0, "fleiss_kappa: the table is (",
                counts.rows(), ", ", counts.cols(), "); it needs an item and a category");
  check_counts(counts, "fleiss_kappa");
  const auto items = static_cast<double>(counts.rows());
  const double raters = counts.row(0).sum();
  TINYGPT_CHECK(raters >= 2.0, "fleiss_kappa: item 0 has ", raters,
                " ratings; every item needs at least two raters");
  for (Eigen::Index i = 1; i < counts.rows(); ++i) {
    TINYGPT_CHECK(counts.row(i).sum() == raters, "fleiss_kappa: item ", i, " has ",
                  counts.row(i).sum(), " ratings but item 0 has ", raters,
                  "; Fleiss' kappa needs the same number of ratings for every item (for "
                  "missing ratings use krippendorff_alpha)");
  }
  // P_i = (sum_j n_ij^2 - n) / (n (n - 1)): of the n (n - 1) ordered pairs of raters of
  // item i, those who chose the same category.
  double agreement = 0.0;
  for (Eigen::Index i = 0; i < counts.rows(); ++i) {
    agreement += (counts.row(i).squaredNorm() - raters) / (raters * (raters - 1.0));
  }
  agreement /= items;
  // Chance: two ratings drawn from the pooled category shares p_j agree with sum_j p_j^2.
  const Eigen::VectorXd shares = counts.colwise().sum().transpose() / (items * raters);
  const Eigen::Index sole = sole_label(shares, shares);
  TINYGPT_CHECK(sole < 0, "fleiss_kappa: every rating is category ", sole,
                ", so chance agreement is 1 and kappa is 0 / 0 (undefined)");
  const double chance = shares.squaredNorm();
  return (agreement - chance) / (1.0 - chance);
}

Coincidences coincidences(const Eigen::Ref<const RatingMatrix>& ratings) {
  TINYGPT_CHECK(ratings.cols() >= 2, "krippendorff_alpha: ", ratings.cols(),
                " raters; agreement needs at least two (ratings are (units, raters))");
  Coincidences result;
  for (Eigen::Index u = 0; u < ratings.rows(); ++u) {
    for (Eigen::Index r = 0; r < ratings.cols(); ++r) {
      const double value = ratings(u, r);
      if (std::isnan(value)) continue;
      TINYGPT_CHECK(std::isfinite(value), "krippendorff_alpha: unit ", u, ", rater ", r, " gave ",
                    value, "; a value is finite, or NaN when missing");
      result.values.push_back(value);
    }
  }
  std::sort(result.values.begin(), result.values.end());
  result.values.erase(std::unique(result.values.begin(), result.values.end()), result.values.end());
  const auto v = static_cast<Eigen::Index>(result.values.size());
  result.counts = RatingMatrix::Zero(v, v);
  std::vector<Eigen::Index> unit;  // positions in `values` of one unit's values, sorted
  std::vector<std::pair<Eigen::Index, double>> tally;  // (position, how many) in the unit
  for (Eigen::Index u = 0; u < ratings.rows(); ++u) {
    unit.clear();
    for (Eigen::Index r = 0; r < ratings.cols(); ++r) {
      if (std::isnan(ratings(u, r))) continue;
      unit.push_back(std::lower_bound(result.values.begin(), result.values.end(), ratings(u, r)) -
                     result.values.begin());
    }
    if (unit.size() < 2) continue;  // a lone value pairs with nothing
    std::sort(unit.begin(), unit.end());
    tally.clear();
    for (Eigen::Index position : unit) {
      if (tally.empty() || tally.back().first != position) tally.emplace_back(position, 0.0);
      tally.back().second += 1.0;
    }
    // Ordered pairs of values from two different raters: n_c n_k of them for c != k, and
    // n_c (n_c - 1) for c == k. Each weighs 1 / (m_u - 1), so the unit's m_u values count
    // once each in the total.
    const double weight = 1.0 / static_cast<double>(unit.size() - 1);
    for (const auto& [c, n_c] : tally) {
      for (const auto& [k, n_k] : tally) {
        result.counts(c, k) += weight * (c == k ? n_c * (n_c - 1.0) : n_c * n_k);
      }
    }
  }
  result.pairable = result.counts.sum();
  TINYGPT_CHECK(result.pairable > 0.0, "krippendorff_alpha: no unit has values from two raters (",
                ratings.rows(), " units, ", ratings.cols(),
                " raters), so no value is pairable and alpha is undefined");
  return result;
}

double krippendorff_alpha(const Eigen::Ref<const RatingMatrix>& ratings, Level level) {
  const Coincidences co = coincidences(ratings);
  const std::vector<double>& values = co.values;
  const Eigen::VectorXd n_c = co.counts.rowwise().sum();
  if (level == Level::kRatio) {
    TINYGPT_CHECK(values.front() >= 0.0,
                  "krippendorff_alpha: ratio-level values must not be "
                  "negative, got ",
                  values.front());
  }
  const auto v = static_cast<Eigen::Index>(values.size());
  // delta^2(c, k), symmetric and 0 on the diagonal.
  const auto squared_difference = [&](Eigen::Index c, Eigen::Index k) {
    switch (level) {
      case Level::kNominal:
        return c == k ? 0.0 : 1.0;
      case Level::kOrdinal: {
        // How many pairable values lie from c to k, counting c's and k's by half.
        const Eigen::Index low = std::min(c, k), high = std::max(c, k);
        const double between = n_c.segment(low, high - low + 1).sum() - (n_c[c] + n_c[k]) / 2.0;
        return between * between;
      }
      case Level::kInterval:
        return (values[c] - values[k]) * (values[c] - values[k]);
      case Level::kRatio: {
        const double sum = values[c] + values[k];
        const double relative = sum == 0.0 ? 0.0 : (values[c] - values[k]) / sum;
        return relative * relative;
      }
    }
    return 0.0;
  };
  double observed = 0.0;  // sum_ck o_ck delta^2 = n D_o
  double chance = 0.0;    // sum_ck n_c n_k delta^2 = n (n - 1) D_e
  for (Eigen::Index c = 0; c < v; ++c) {
    for (Eigen::Index k = 0; k < v; ++k) {
      const double delta = squared_difference(c, k);
      observed += co.counts(c, k) * delta;
      chance += n_c[c] * n_c[k] * delta;
    }
  }
  TINYGPT_CHECK(chance > 0.0, "krippendorff_alpha: the ", co.pairable,
                " pairable values are all equal, so chance disagreement is 0 and alpha is 0 / 0 "
                "(undefined)");
  return 1.0 - (co.pairable - 1.0) * observed / chance;
}

}  // namespace tinygpt::eval
