// The Bradley-Terry ranking of systems from pairwise judgements (eval/ranking.h): closed
// forms, the likelihood equations at the fit, the bootstrap, and the refusals.
#include <cmath>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/ranking.h"

using namespace tinygpt;
using eval::Judgement;
using eval::Preference;
using tinygpt::testing::contains;

namespace {

/// `count` copies of one judgement.
void add(std::vector<Judgement>& judgements, const std::string& first, const std::string& second,
         Preference preference, int count) {
  for (int i = 0; i < count; ++i) judgements.push_back({first, second, preference});
}

const eval::SystemStrength& find(const eval::BradleyTerryRanking& ranking,
                                 const std::string& system) {
  for (const auto& entry : ranking.systems) {
    if (entry.system == system) return entry;
  }
  FAIL("no system " << system);
  return ranking.systems.front();
}

}  // namespace

TEST_CASE(
    "Bradley-Terry of two systems: the strengths' ratio is the ratio of wins, with ties "
    "as half wins",
    "[step06][ranking]") {
  // A beats B 3 times in 4: p_A / p_B = 3, and a geometric mean of 1 gives sqrt(3), 1/sqrt(3).
  std::vector<Judgement> judgements;
  add(judgements, "A", "B", Preference::kFirstWins, 2);
  add(judgements, "B", "A", Preference::kSecondWins,
      1);  // the same preference, the other way round
  add(judgements, "A", "B", Preference::kSecondWins, 1);
  const std::vector<std::string> systems = {"B", "A"};
  const eval::BradleyTerryRanking ranking =
      eval::bradley_terry_ranking(systems, judgements, {.resamples = 0});
  REQUIRE(ranking.systems.size() == 2);
  CHECK(ranking.systems[0].system == "A");  // strongest first
  CHECK(ranking.systems[0].strength.value == Approx(std::sqrt(3.0)).epsilon(1e-9));
  CHECK(ranking.systems[1].strength.value == Approx(1.0 / std::sqrt(3.0)).epsilon(1e-9));
  CHECK(ranking.systems[0].wins == 3.0);
  CHECK(ranking.systems[0].judgements == 4);
  CHECK(eval::win_probability(ranking.systems[0].strength.value,
                              ranking.systems[1].strength.value) == Approx(0.75).epsilon(1e-9));

  // Two wins and two ties are three wins in four as well.
  std::vector<Judgement> with_ties;
  add(with_ties, "A", "B", Preference::kFirstWins, 2);
  add(with_ties, "A", "B", Preference::kTie, 2);
  const eval::BradleyTerryRanking tied =
      eval::bradley_terry_ranking(systems, with_ties, {.resamples = 0});
  CHECK(find(tied, "A").strength.value == Approx(std::sqrt(3.0)).epsilon(1e-9));
  CHECK(find(tied, "B").wins == 1.0);
}

TEST_CASE("Bradley-Terry by MM: the fit solves the likelihood equations", "[step06][ranking]") {
  // At the maximum, each system's expected wins equal its wins:
  // W_i = sum_j n_ij p_i / (p_i + p_j) (Hunter, 2004, eq. 2 set to zero).
  const eval::RatingMatrix wins = [] {
    eval::RatingMatrix w(4, 4);
    w << 0, 7, 9, 12,  //
        5, 0, 6, 8,    //
        3, 4, 0, 6.5,  //
        1, 2, 3.5, 0;
    return w;
  }();
  const eval::BradleyTerryFit fit = eval::bradley_terry_fit(wins);
  REQUIRE(fit.strengths.size() == 4);
  double log_sum = 0.0;
  for (Eigen::Index i = 0; i < 4; ++i) {
    const double p_i = fit.strengths[static_cast<std::size_t>(i)];
    double expected = 0.0;
    for (Eigen::Index j = 0; j < 4; ++j) {
      if (j == i) continue;
      const double p_j = fit.strengths[static_cast<std::size_t>(j)];
      expected += (wins(i, j) + wins(j, i)) * p_i / (p_i + p_j);
    }
    CHECK(expected == Approx(wins.row(i).sum()).epsilon(1e-8));
    log_sum += std::log(p_i);
  }
  CHECK(log_sum == Approx(0.0).margin(1e-12));  // geometric mean 1
  CHECK(std::is_sorted(fit.strengths.rbegin(), fit.strengths.rend()));
  CHECK(fit.iterations > 1);
}

TEST_CASE("Bradley-Terry bootstrap intervals are seeded and narrow with more judgements",
          "[step06][ranking]") {
  const std::vector<std::string> systems = {"X", "Y", "Z"};
  const auto judgements_times = [](int k) {
    std::vector<Judgement> judgements;
    add(judgements, "X", "Y", Preference::kFirstWins, 6 * k);
    add(judgements, "X", "Y", Preference::kSecondWins, 4 * k);
    add(judgements, "Y", "Z", Preference::kFirstWins, 7 * k);
    add(judgements, "Y", "Z", Preference::kSecondWins, 3 * k);
    add(judgements, "Z", "X", Preference::kFirstWins, 2 * k);
    add(judgements, "Z", "X", Preference::kSecondWins, 8 * k);
    add(judgements, "Z", "X", Preference::kTie, k);
    return judgements;
  };
  const eval::BradleyTerryOptions options{.resamples = 400, .seed = 5};
  const eval::BradleyTerryRanking few =
      eval::bradley_terry_ranking(systems, judgements_times(2), options);
  const eval::BradleyTerryRanking many =
      eval::bradley_terry_ranking(systems, judgements_times(8), options);
  CHECK(few.resamples_kept + few.resamples_dropped == 400);
  CHECK(many.resamples_kept == 400);
  for (const auto* ranking : {&few, &many}) {
    CHECK(ranking->systems[0].system == "X");
    CHECK(ranking->systems[2].system == "Z");
    for (const auto& entry : ranking->systems) {
      CHECK(entry.strength.low <= entry.strength.value);
      CHECK(entry.strength.value <= entry.strength.high);
    }
  }
  // The same data four times over: the same strengths, intervals about half as wide.
  for (const std::string& name : systems) {
    const auto& a = find(few, name).strength;
    const auto& b = find(many, name).strength;
    CHECK(a.value == Approx(b.value).epsilon(1e-8));
    CHECK(b.high - b.low < 0.7 * (a.high - a.low));
  }
  const eval::BradleyTerryRanking again =
      eval::bradley_terry_ranking(systems, judgements_times(2), options);
  CHECK(find(again, "Y").strength.low == find(few, "Y").strength.low);
  CHECK(find(again, "Y").strength.high == find(few, "Y").strength.high);
}

TEST_CASE("Bradley-Terry refuses data without a maximum-likelihood fit, and unknown systems",
          "[step06][ranking]") {
  const std::vector<std::string> systems = {"A", "B", "C", "D"};
  std::vector<Judgement> judgements;
  add(judgements, "A", "B", Preference::kFirstWins, 2);
  add(judgements, "A", "B", Preference::kSecondWins, 1);
  add(judgements, "C", "D", Preference::kFirstWins, 1);
  add(judgements, "C", "D", Preference::kSecondWins, 2);
  // A and B always beat C and D: the two groups' relative strength is unbounded.
  add(judgements, "A", "C", Preference::kFirstWins, 3);
  add(judgements, "D", "B", Preference::kSecondWins, 3);
  CHECK_THROWS_WITH(eval::bradley_terry_ranking(systems, judgements),
                    contains("no system of {C, D} ever beat one of {A, B}"));
  CHECK_THROWS_WITH(eval::bradley_terry_ranking(systems, judgements), contains("does not exist"));
  // One loss of A to C joins the groups.
  add(judgements, "A", "C", Preference::kSecondWins, 1);
  CHECK_NOTHROW(eval::bradley_terry_ranking(systems, judgements, {.resamples = 0}));

  std::vector<Judgement> never;
  add(never, "A", "B", Preference::kFirstWins, 3);
  add(never, "B", "C", Preference::kFirstWins, 1);
  add(never, "C", "B", Preference::kFirstWins, 1);
  CHECK_THROWS_WITH(eval::bradley_terry_ranking(std::vector<std::string>{"A", "B", "C"}, never),
                    contains("A never loses"));
  std::vector<Judgement> loser;
  add(loser, "A", "B", Preference::kFirstWins, 2);
  add(loser, "B", "A", Preference::kFirstWins, 1);
  add(loser, "C", "A", Preference::kSecondWins, 1);
  add(loser, "B", "C", Preference::kFirstWins, 1);
  CHECK_THROWS_WITH(eval::bradley_terry_ranking(std::vector<std::string>{"A", "B", "C"}, loser),
                    contains("C never wins (it lost all 2 of its judgements)"));
  CHECK_THROWS_WITH(eval::bradley_terry_ranking(systems, std::vector<Judgement>{}),
                    contains("A takes part in no judgement"));

  const std::vector<Judgement> unknown = {{"A", "E", Preference::kFirstWins}};
  CHECK_THROWS_WITH(eval::bradley_terry_ranking(systems, unknown),
                    contains("judgement 0 names the system \"E\", which is not among the 4"));
  const std::vector<Judgement> self = {{"B", "B", Preference::kTie}};
  CHECK_THROWS_WITH(eval::win_matrix(systems, self), contains("with itself"));
  CHECK_THROWS_WITH(eval::win_matrix(std::vector<std::string>{"A", "A"}, unknown),
                    contains("listed twice"));
  CHECK_THROWS_WITH(eval::bradley_terry_ranking(std::vector<std::string>{"A"}, unknown),
                    contains("at least two"));
}
