/// @file cached_attention.h
/// @brief The attention step of decoding: one new token's query over every key in the
/// cache, for one head (exercise 07.3).
///
/// With S cached positions (the new token's own key and value already appended), the new
/// query sees them all, so there is no mask:
///
///     scores = q k^T / sqrt(D)     (1, S)
///     p = softmax(scores)          (1, S)
///     out = p v                    (1, D)
///
/// It is step 02's attention_forward for T = 1, without the (T, S) buffer of weights that
/// training keeps for backward. KvCache::attend runs it for every decode pass
/// (solutions/07-deployment/cached_attention.cpp; stub in exercises/07-deployment/).
#pragma once

#include "tinygpt/core/tensor.h"

namespace tinygpt::infer {

/// @brief out = softmax(q k^T / sqrt(D)) v for one query (exercise 07.3).
/// @param out (1, D) result.
/// @param q (1, D) the new token's query.
/// @param keys (S, D) the cached keys, the new token's last; S >= 1.
/// @param values (S, D) the cached values.
void attend_one(MatrixRef out, ConstMatrixRef q, ConstMatrixRef keys, ConstMatrixRef values);

}  // namespace tinygpt::infer
