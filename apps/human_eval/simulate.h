/// @file simulate.h
/// @brief A simulated panel fills a study (eval/panel.h), so that the report has data
/// before any person has rated: rater r is called "simulated-r" and goes through the study
/// exactly as a person on the page would (same item order, same answer order, both logged).
///
/// Each simulated rater knows an item's truth (its "better" system) and reports it with
/// probability `accuracy`, else answers at random (eval::simulate_labels, on the answer's
/// slot in the items file, so its draws do not depend on the order it was shown):
/// - pairwise: the better answer (random: either answer, never a tie);
/// - scale: 4 for the better system's answer and 2 for the others (random: any of 1-5).
#pragma once

#include <cstdint>

#include "human_eval/store.h"

namespace tinygpt::human_eval {

/// @brief The panel.
struct SimulationOptions {
  int raters = 4;          ///< how many simulated raters
  double accuracy = 0.8;   ///< each one's probability of reporting the truth
  std::uint64_t seed = 1;  ///< the panel's seed (the answers; the orders are the study's)
};

/// @brief Every simulated rater rates every item it has not rated yet. Throws Error naming
/// the first item without a truth ("better").
/// @param store the study (open for writing).
/// @param options the panel.
/// @return the ratings written.
int simulate_panel(RatingStore& store, const SimulationOptions& options);

}  // namespace tinygpt::human_eval
