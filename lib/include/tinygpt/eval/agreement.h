/// @file agreement.h
/// @brief Agreement between human raters: Cohen's kappa for two raters (unweighted, linear
/// or quadratic weights), Fleiss' kappa for a fixed number of raters per item, and
/// Krippendorff's alpha for any number of raters with missing values.
///
/// Every coefficient has the form (observed agreement - chance agreement) / (1 - chance
/// agreement), or equivalently 1 - observed disagreement / chance disagreement: 1 is perfect
/// agreement, 0 is what raters who label at random with their own label frequencies would
/// reach, below 0 is systematic disagreement. They differ in what "chance" means.
///
/// **Cohen's kappa** (Cohen, 1960; weighted: Cohen, 1968), exactly as scikit-learn's
/// cohen_kappa_score computes it. The K labels are the sorted union of both raters' labels;
/// the confusion matrix O (K, K) counts items rater a labelled k and rater b labelled l, its
/// row sums r and column sums c, n = sum O. Chance is each rater keeping their own
/// frequencies: E = r c^T / n. With a disagreement weight w(k, l) on the labels' positions
/// k, l in that sorted list (not their values: labels {1, 3, 7} are 0, 1, 2 apart):
///
///     unweighted  w = 1 if k != l else 0   ->  kappa = (p_o - p_e) / (1 - p_e),
///                                              p_o = trace(O) / n, p_e = sum_k r_k c_k / n^2
///     linear      w = |k - l|
///     quadratic   w = (k - l)^2
///     kappa = 1 - sum_kl w O / sum_kl w E
///
/// **Fleiss' kappa** (Fleiss, 1971, "Measuring nominal scale agreement among many raters",
/// Psychological Bulletin 76(5)): N items, each rated by the same number n of raters (not
/// necessarily the same people) into K categories; n_ij raters put item i in category j.
///
///     P_i = (sum_j n_ij^2 - n) / (n (n - 1))   the share of agreeing rater pairs on item i
///     p_j = sum_i n_ij / (N n)                 category j's share of all ratings
///     kappa = (mean_i P_i - sum_j p_j^2) / (1 - sum_j p_j^2)
///
/// Chance is the pooled category frequencies, as in Scott's pi.
///
/// **Krippendorff's alpha** (Krippendorff, 2011, "Computing Krippendorff's Alpha-Reliability",
/// Annenberg School for Communication, University of Pennsylvania), by the coincidence
/// matrix. Only units with at least two values are pairable. A unit u with m_u values
/// contributes each ordered pair of values from two different raters, weighted
/// 1 / (m_u - 1), to the coincidences o_ck, so that every pairable value counts once:
///
///     o_ck = sum_u (number of c-k pairs in u) / (m_u - 1)
///     n_c = sum_k o_ck,  n = sum_c n_c   (the number of pairable values)
///     alpha = 1 - D_o / D_e = 1 - (n - 1) sum_ck o_ck delta_ck^2 / sum_ck n_c n_k delta_ck^2
///
/// with the squared difference delta_ck^2 of the level of measurement:
///
///     nominal   0 if c == k else 1
///     ordinal   (sum_{g = c..k} n_g - (n_c + n_k) / 2)^2   (ranks by how often values occur)
///     interval  (c - k)^2
///     ratio     ((c - k) / (c + k))^2                       (values >= 0)
///
/// Ratings are tables (items, raters), one row per item (Krippendorff's "unit") and one column
/// per rater, with NaN (kMissing) where a rater gave no value: the transpose of
/// Krippendorff's observers-by-units layout.
///
/// cohen_kappa_unweighted's body is exercise 06.3 (the reference:
/// solutions/06-evaluation/cohen_kappa.cpp; the learner's stub:
/// exercises/06-evaluation/cohen_kappa.cpp); every other function here is the library's.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace tinygpt::eval {

/// @brief A table of doubles, row-major: ratings (items, raters) with NaN for missing
/// values, or counts (a confusion matrix, Fleiss' (items, categories) table).
using RatingMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// @brief The value of a rating a rater did not give (a quiet NaN).
inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

/// @brief How Cohen's kappa weighs a disagreement between labels at positions k and l of
/// the sorted label list (scikit-learn's `weights` argument).
enum class KappaWeights {
  kNone,       ///< every disagreement weighs 1 (unweighted kappa)
  kLinear,     ///< |k - l|
  kQuadratic,  ///< (k - l)^2
};

/// @brief Two raters' labels cross-tabulated.
struct RaterConfusion {
  std::vector<std::int32_t> labels;  ///< (K) the sorted union of both raters' labels
  RatingMatrix counts;  ///< (K, K) counts(k, l): items rater a gave labels[k], rater b labels[l]
};

/// @brief Cross-tabulates two raters' labels of the same items. Throws Error when the lists
/// differ in length or are empty.
/// @param a (N) rater a's label of each item.
/// @param b (N) rater b's label of the same items, in the same order.
/// @return the labels and the confusion matrix.
RaterConfusion rater_confusion(std::span<const std::int32_t> a, std::span<const std::int32_t> b);

/// @brief Unweighted Cohen's kappa from a confusion matrix: (p_o - p_e) / (1 - p_e) with
/// p_o = trace(O) / n and p_e = sum_k r_k c_k / n^2. Trusts its argument (cohen_kappa checks
/// it). The body is exercise 06.3.
/// @param confusion (K, K) counts, not all zero, with p_e < 1 (the raters did not both use
///        one and the same label for every item).
/// @return kappa, in [-1, 1].
double cohen_kappa_unweighted(const Eigen::Ref<const RatingMatrix>& confusion);

/// @brief Cohen's kappa from a confusion matrix, with the given weights (see the file).
/// Throws Error when the matrix is not square, has a negative count or no count at all, or
/// when kappa is undefined (0 / 0: both raters gave every item the same one label).
/// @param confusion (K, K) counts; row k, column l: rater a said label k, rater b label l,
///        labels in their sorted order.
/// @param weights the disagreement weights.
/// @return kappa.
double cohen_kappa(const Eigen::Ref<const RatingMatrix>& confusion,
                   KappaWeights weights = KappaWeights::kNone);

/// @brief Cohen's kappa of two raters' labels, equal to scikit-learn's
/// cohen_kappa_score(a, b, weights=...). Throws Error for lists of different lengths, empty
/// lists, or an undefined kappa (both raters gave every item the same one label).
/// @param a (N) rater a's labels.
/// @param b (N) rater b's labels of the same items.
/// @param weights the disagreement weights.
/// @return kappa.
double cohen_kappa(std::span<const std::int32_t> a, std::span<const std::int32_t> b,
                   KappaWeights weights = KappaWeights::kNone);

/// @brief Fleiss' table from ratings: how many raters put each item in each category.
/// Throws Error when a rating is neither missing nor a whole number in [0, categories).
/// @param ratings (N items, raters) category indices, NaN where a rater gave none.
/// @param categories K.
/// @return (N, K) counts.
RatingMatrix category_counts(const Eigen::Ref<const RatingMatrix>& ratings,
                             std::int32_t categories);

/// @brief Fleiss' kappa of a table of counts (see the file). Throws Error when there are
/// fewer than two ratings per item, when an item has a different number of ratings from the
/// first item, when a count is negative, or when kappa is undefined (every rating in one
/// category).
/// @param counts (N items, K categories) counts(i, j): the raters who put item i in category
///        j; every row sums to the same n >= 2.
/// @return kappa, at most 1.
double fleiss_kappa(const Eigen::Ref<const RatingMatrix>& counts);

/// @brief The level of measurement of Krippendorff's alpha: which differences count how much.
enum class Level {
  kNominal,   ///< labels: any two different values disagree equally
  kOrdinal,   ///< ordered: a difference counts by how many values lie between
  kInterval,  ///< numbers: the squared difference
  kRatio,     ///< numbers >= 0 with a true zero: the squared relative difference
};

/// @brief Krippendorff's coincidence matrix of some ratings.
struct Coincidences {
  std::vector<double> values;  ///< (V) the distinct values given, sorted
  RatingMatrix counts;         ///< (V, V) o_ck, symmetric
  double pairable = 0.0;       ///< n = sum o_ck, the values in units with two or more
};

/// @brief Builds the coincidence matrix (see the file). Throws Error when there are fewer
/// than two raters or no unit has two values.
/// @param ratings (N units, m raters), NaN where a rater gave no value.
/// @return the distinct values and their coincidences.
Coincidences coincidences(const Eigen::Ref<const RatingMatrix>& ratings);

/// @brief Krippendorff's alpha (see the file). Throws Error when there are fewer than two
/// raters, when no unit has two values (nothing is pairable), when a ratio-level value is
/// negative, or when alpha is undefined (every pairable value is the same, so chance
/// disagreement is 0).
/// @param ratings (N units, m raters), NaN where a rater gave no value.
/// @param level the level of measurement.
/// @return alpha, at most 1.
double krippendorff_alpha(const Eigen::Ref<const RatingMatrix>& ratings, Level level);

}  // namespace tinygpt::eval
