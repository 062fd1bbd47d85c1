/// @file rating_server.h
/// @brief The rating page and its JSON API on a RatingStore.
///
/// | request | answer |
/// |---|---|
/// | GET / | the page (apps/human_eval/page/, embedded in the program) |
/// | GET /api/study | {"mode": "pairwise", "items": 20} |
/// | GET /api/next?rater=NAME | {"rater", "mode", "rated", "total", "item": {"id", "sequence",
/// "prompt", "answers": [{"label": "A", "text"}, ...]}}, "item": null when all are rated | | POST
/// /api/rating | {"rater", "item", "choice": "left" / "right" / "tie"} (pairwise) or {"rater",
/// "item", "scores": [1-5 per answer, left to right]} (scale): {"saved": true} |
///
/// The answers go out in the rater's logged order, labelled A, B, ...; never their systems
/// and never the truth. Refusals are JSON errors (http/json_api.h): 400 for a malformed
/// body, a missing or mistyped field, a bad name, choice or score; 404 for an unknown item
/// or rater; 409 for an item not shown to the rater or already rated; 413 for a body over
/// 64 KiB; 415 for a body that is not application/json.
#pragma once

#include <span>

#include "http/server.h"
#include "human_eval/store.h"

namespace tinygpt::human_eval {

/// @brief The largest request body the rating API accepts: a rating is a few hundred bytes.
inline constexpr std::size_t kMaxRatingBody = 64 * 1024;

/// @return the page's files (index.html, rating.css, rating.js), embedded at build time.
std::span<const http::EmbeddedFile> page_files();

/// @brief Adds the page and the API to a server.
/// @param server the server.
/// @param store the study (must outlive the server).
void add_rating_routes(http::Server& server, RatingStore& store);

}  // namespace tinygpt::human_eval
