#include "tinygpt/eval/ranking.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"

namespace tinygpt::eval {

namespace {

std::string system_name(std::span<const std::string> names, Eigen::Index i) {
  return names.empty() ? "system " + std::to_string(i) : names[static_cast<std::size_t>(i)];
}

std::string list_names(std::span<const std::string> names, const std::vector<Eigen::Index>& group) {
  std::string text = "{";
  for (std::size_t g = 0; g < group.size(); ++g) {
    text += (g == 0 ? "" : ", ") + system_name(names, group[g]);
  }
  return text + "}";
}

/// The systems reachable from system 0 along "beat" edges (i -> j when i beat j), or along
/// "was beaten by" edges when `backward`.
std::vector<bool> reachable_from_first(const Eigen::Ref<const RatingMatrix>& wins, bool backward) {
  std::vector<bool> seen(static_cast<std::size_t>(wins.rows()), false);
  std::vector<Eigen::Index> stack = {0};
  seen[0] = true;
  while (!stack.empty()) {
    const Eigen::Index i = stack.back();
    stack.pop_back();
    for (Eigen::Index j = 0; j < wins.rows(); ++j) {
      const double edge = backward ? wins(j, i) : wins(i, j);
      if (edge > 0.0 && !seen[static_cast<std::size_t>(j)]) {
        seen[static_cast<std::size_t>(j)] = true;
        stack.push_back(j);
      }
    }
  }
  return seen;
}

/// Why the maximum-likelihood fit does not exist, or "" when it does (Hunter, 2004,
/// Assumption 1: the directed graph "i beat j" is strongly connected).
std::string why_no_fit(const Eigen::Ref<const RatingMatrix>& wins,
                       std::span<const std::string> names) {
  for (Eigen::Index i = 0; i < wins.rows(); ++i) {
    const double won = wins.row(i).sum();
    const double lost = wins.col(i).sum();
    if (won + lost == 0.0) return system_name(names, i) + " takes part in no judgement";
    if (won == 0.0) {
      return detail::concat(system_name(names, i), " never wins (it lost all ", lost,
                            " of its judgements), so its strength would be 0");
    }
    if (lost == 0.0) {
      return detail::concat(system_name(names, i), " never loses (it won all ", won,
                            " of its judgements), so its strength would be infinite");
    }
  }
  for (bool backward : {false, true}) {
    const std::vector<bool> seen = reachable_from_first(wins, backward);
    std::vector<Eigen::Index> in, out;
    for (Eigen::Index i = 0; i < wins.rows(); ++i) {
      (seen[static_cast<std::size_t>(i)] ? in : out).push_back(i);
    }
    if (out.empty()) continue;
    // Forward: nobody reached from system 0 beat anyone outside. Backward: nobody outside
    // beat anyone who leads to system 0.
    const auto& losers = backward ? out : in;
    const auto& winners = backward ? in : out;
    return "no system of " + list_names(names, losers) + " ever beat one of " +
           list_names(names, winners) + ", so the second group's strengths relative to the " +
           "first would be infinite";
  }
  return "";
}

/// The MM iteration (Hunter, 2004, eq. 3) from equal strengths; assumes the fit exists.
BradleyTerryFit fit_existing(const Eigen::Ref<const RatingMatrix>& wins,
                             const BradleyTerryOptions& options) {
  const Eigen::Index systems = wins.rows();
  const Eigen::VectorXd total_wins = wins.rowwise().sum();  // W_i
  const RatingMatrix games = wins + wins.transpose();       // n_ij
  Eigen::VectorXd strength = Eigen::VectorXd::Ones(systems);
  Eigen::VectorXd next(systems);
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    // The minorizer of the log-likelihood at p separates the parameters; its maximum is
    // p_i = W_i / sum_j n_ij / (p_i + p_j), all i at once.
    for (Eigen::Index i = 0; i < systems; ++i) {
      double denominator = 0.0;
      for (Eigen::Index j = 0; j < systems; ++j) {
        if (j != i && games(i, j) > 0.0) denominator += games(i, j) / (strength[i] + strength[j]);
      }
      next[i] = total_wins[i] / denominator;
    }
    // Only ratios are identified: scale to a geometric mean of 1.
    next /= std::exp(next.array().log().mean());
    const double change = (next.array().log() - strength.array().log()).abs().maxCoeff();
    strength = next;
    if (change <= options.tolerance) {
      return {std::vector<double>(strength.data(), strength.data() + systems), iteration};
    }
  }
  throw Error(detail::concat("bradley_terry_fit: the MM steps did not converge to ",
                             options.tolerance, " in ", options.max_iterations,
                             " iterations; raise max_iterations or the tolerance"));
}

/// One judgement as the wins it adds: first_wins to wins(first, second), second_wins to
/// wins(second, first).
struct Outcome {
  Eigen::Index first = 0;
  Eigen::Index second = 0;
  double first_wins = 0.0;
  double second_wins = 0.0;
};

void add(RatingMatrix& wins, const Outcome& outcome) {
  wins(outcome.first, outcome.second) += outcome.first_wins;
  wins(outcome.second, outcome.first) += outcome.second_wins;
}

/// The judgements with the systems as indices into `systems`; checks the names.
std::vector<Outcome> outcomes(std::span<const std::string> systems,
                              std::span<const Judgement> judgements) {
  std::unordered_map<std::string, Eigen::Index> index;
  for (std::size_t s = 0; s < systems.size(); ++s) {
    TINYGPT_CHECK(index.emplace(systems[s], static_cast<Eigen::Index>(s)).second,
                  "bradley_terry: the system \"", systems[s], "\" is listed twice");
  }
  const auto find = [&](const std::string& name, std::size_t judgement) {
    const auto found = index.find(name);
    TINYGPT_CHECK(found != index.end(), "bradley_terry: judgement ", judgement,
                  " names the system \"", name, "\", which is not among the ", systems.size(),
                  " systems ranked; add it to the list or correct the name");
    return found->second;
  };
  std::vector<Outcome> result;
  result.reserve(judgements.size());
  for (std::size_t j = 0; j < judgements.size(); ++j) {
    Outcome outcome{find(judgements[j].first, j), find(judgements[j].second, j)};
    TINYGPT_CHECK(outcome.first != outcome.second, "bradley_terry: judgement ", j, " compares \"",
                  judgements[j].first, "\" with itself");
    switch (judgements[j].preference) {
      case Preference::kFirstWins:
        outcome.first_wins = 1.0;
        break;
      case Preference::kSecondWins:
        outcome.second_wins = 1.0;
        break;
      case Preference::kTie:  // half a win each
        outcome.first_wins = 0.5;
        outcome.second_wins = 0.5;
        break;
    }
    result.push_back(outcome);
  }
  return result;
}

}  // namespace

RatingMatrix win_matrix(std::span<const std::string> systems,
                        std::span<const Judgement> judgements) {
  const auto s = static_cast<Eigen::Index>(systems.size());
  RatingMatrix wins = RatingMatrix::Zero(s, s);
  for (const Outcome& outcome : outcomes(systems, judgements)) add(wins, outcome);
  return wins;
}

BradleyTerryFit bradley_terry_fit(const Eigen::Ref<const RatingMatrix>& wins,
                                  const BradleyTerryOptions& options,
                                  std::span<const std::string> names) {
  TINYGPT_CHECK(wins.rows() >= 2 && wins.rows() == wins.cols(), "bradley_terry_fit: wins is (",
                wins.rows(), ", ", wins.cols(),
                "); it must be square, one row per system, and "
                "rank at least two systems");
  TINYGPT_CHECK(names.empty() || names.size() == static_cast<std::size_t>(wins.rows()),
                "bradley_terry_fit: ", names.size(), " names for ", wins.rows(), " systems");
  TINYGPT_CHECK((wins.array() >= 0.0).all() && wins.allFinite(),
                "bradley_terry_fit: wins must be finite and not negative");
  const std::string problem = why_no_fit(wins, names);
  TINYGPT_CHECK(problem.empty(),
                "bradley_terry: the maximum-likelihood fit does not exist: ", problem,
                ". Collect more judgements or leave those systems out");
  return fit_existing(wins, options);
}

BradleyTerryRanking bradley_terry_ranking(std::span<const std::string> systems,
                                          std::span<const Judgement> judgements,
                                          const BradleyTerryOptions& options) {
  TINYGPT_CHECK(systems.size() >= 2, "bradley_terry: ", systems.size(),
                " systems; a ranking needs at least two");
  TINYGPT_CHECK(options.resamples >= 0, "bradley_terry: ", options.resamples, " resamples");
  const std::vector<Outcome> judged = outcomes(systems, judgements);
  const auto s = static_cast<Eigen::Index>(systems.size());
  RatingMatrix wins = RatingMatrix::Zero(s, s);
  for (const Outcome& outcome : judged) add(wins, outcome);
  const BradleyTerryFit fit = bradley_terry_fit(wins, options, systems);

  std::vector<std::vector<double>> draws(systems.size());
  BradleyTerryRanking ranking;
  const auto count = static_cast<std::uint32_t>(judgements.size());
  RatingMatrix resampled(s, s);
  for (int r = 0; r < options.resamples; ++r) {
    CounterRng rng(options.seed, RngStream::kDemo, 0, static_cast<std::uint64_t>(r));
    resampled.setZero();
    for (std::uint32_t i = 0; i < count; ++i) add(resampled, judged[rng.below(count)]);
    if (!why_no_fit(resampled, systems).empty()) {
      ++ranking.resamples_dropped;
      continue;
    }
    const BradleyTerryFit refit = fit_existing(resampled, options);
    for (std::size_t i = 0; i < systems.size(); ++i) draws[i].push_back(refit.strengths[i]);
    ++ranking.resamples_kept;
  }
  TINYGPT_CHECK(options.resamples == 0 || 2 * ranking.resamples_kept >= options.resamples,
                "bradley_terry: only ", ranking.resamples_kept, " of ", options.resamples,
                " bootstrap resamples could be fitted (in the others some system never won or "
                "never lost); with so few judgements (",
                judgements.size(), ") the intervals would mean little: collect more");

  for (std::size_t i = 0; i < systems.size(); ++i) {
    SystemStrength entry;
    entry.system = systems[i];
    const double value = fit.strengths[i];
    entry.strength = {value, value, value};
    std::vector<double>& values = draws[i];
    if (!values.empty()) {
      std::sort(values.begin(), values.end());
      const auto at = [&](double q) {
        return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5)];
      };
      entry.strength.low = at(0.025);
      entry.strength.high = at(0.975);
    }
    const auto row = static_cast<Eigen::Index>(i);
    entry.wins = wins.row(row).sum();
    for (const Outcome& outcome : judged) {
      if (outcome.first == row || outcome.second == row) ++entry.judgements;
    }
    ranking.systems.push_back(std::move(entry));
  }
  std::stable_sort(ranking.systems.begin(), ranking.systems.end(),
                   [](const SystemStrength& a, const SystemStrength& b) {
                     return a.strength.value > b.strength.value;
                   });
  ranking.iterations = fit.iterations;
  return ranking;
}

double win_probability(double strength_a, double strength_b) {
  TINYGPT_CHECK(strength_a > 0.0 && strength_b > 0.0, "win_probability: strengths ", strength_a,
                " and ", strength_b, " must be positive");
  return strength_a / (strength_a + strength_b);
}

}  // namespace tinygpt::eval
