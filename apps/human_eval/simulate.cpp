// A simulated panel rates a study (simulate.h).
#include "human_eval/simulate.h"

#include <cmath>

#include "tinygpt/eval/panel.h"

namespace tinygpt::human_eval {

int simulate_panel(RatingStore& store, const SimulationOptions& options) {
  TINYGPT_CHECK(options.raters >= 1, "the panel needs at least 1 rater, not ", options.raters);
  const std::vector<Item>& items = store.items();
  const bool pairwise = store.mode() == Mode::kPairwise;
  // The truth of every unit: pairwise, an item's better slot; scale, each answer's score
  // (4 for the better system's, 2 for the others) as a category 0-4.
  std::vector<std::int32_t> truth;
  std::vector<int> first_unit;
  for (const Item& item : items) {
    TINYGPT_CHECK(!item.better.empty(), "item '", item.id,
                  "' has no truth: simulate needs each item's \"better\" system (the field "
                  "--truth names)");
    first_unit.push_back(static_cast<int>(truth.size()));
    for (std::size_t slot = 0; slot < item.answers.size(); ++slot) {
      const bool better = item.answers[slot].system == item.better;
      if (pairwise && better) truth.push_back(static_cast<std::int32_t>(slot));
      if (!pairwise) truth.push_back(better ? 3 : 1);
    }
  }
  const std::vector<eval::SimulatedRater> panel(static_cast<std::size_t>(options.raters),
                                                {.accuracy = options.accuracy});
  const eval::RatingMatrix labels =
      eval::simulate_labels(panel, truth, pairwise ? 2 : 5, options.seed);
  int written = 0;
  // One transaction for the whole panel: a sync per rating would take seconds.
  store.in_one_transaction([&] {
    for (int r = 0; r < options.raters; ++r) {
      const std::string rater = "simulated-" + std::to_string(r + 1);
      for (;;) {
        const Progress progress = store.next_for(rater);
        if (!progress.next) break;
        const Presentation& shown = *progress.next;
        const Item& item = items[static_cast<std::size_t>(shown.item_index)];
        const int first = first_unit[static_cast<std::size_t>(shown.item_index)];
        if (pairwise) {
          const int preferred_slot = static_cast<int>(labels(first, r));
          store.rate_pairwise(rater, item.id,
                              shown.order[0] == preferred_slot ? Choice::kLeft : Choice::kRight);
        } else {
          std::vector<int> scores;
          for (int slot : shown.order)
            scores.push_back(static_cast<int>(labels(first + slot, r)) + 1);
          store.rate_scale(rater, item.id, scores);
        }
        ++written;
      }
    }
  });
  return written;
}

}  // namespace tinygpt::human_eval
