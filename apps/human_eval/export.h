/// @file export.h
/// @brief The ratings of a study as CSV or JSONL, for a spreadsheet, pandas or another
/// statistics tool.
///
/// **CSV** (RFC 4180: fields with a comma, a quote or a line break are quoted), one row per
/// rating in mode pairwise:
///
///     rater,item,sequence,left_system,right_system,choice,winner,shown_at,rated_at
///
/// and one row per rated answer in mode scale:
///
///     rater,item,sequence,position,system,score,shown_at,rated_at
///
/// **JSONL**, one rating a line, with the systems as shown from left to right, and the
/// choice mapped back to the system it means (or the scores to theirs):
///
///     {"rater":"ada","item":"preference:7","sequence":1,"mode":"pairwise",
///      "shown":["rejected","preferred"],"left":"rejected","right":"preferred",
///      "choice":"right","winner":"preferred","shown_at":"...","rated_at":"..."}
///     {..., "mode":"scale","shown":["b","a"],"scores":{"b":4,"a":2}, ...}
#pragma once

#include <string>

#include "human_eval/store.h"

namespace tinygpt::human_eval {

/// @param store the study.
/// @return its ratings as CSV (see the file), header first.
std::string export_csv(const RatingStore& store);

/// @param store the study.
/// @return its ratings as JSONL (see the file).
std::string export_jsonl(const RatingStore& store);

}  // namespace tinygpt::human_eval
