/// @file clipping.h
/// @brief Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ does it.
///
///     norm = sqrt(sum over every parameter p and element i of grad_p[i]^2)
///     scale = min(1, max_norm / (norm + 1e-6))
///     grad_p *= scale for every p
///
/// One norm over all parameters together, so clipping shrinks the whole gradient and keeps
/// its direction; only its length is capped. A rare huge gradient (a bad batch, a loss
/// spike) then moves the weights no further than max_norm allows. The 1e-6 keeps the
/// division finite; it also means a norm just below max_norm is scaled by a factor a hair
/// below 1, exactly as in torch.
///
/// A non-finite norm (an inf or NaN in some gradient) is returned and the gradients are
/// left untouched: the caller should skip that step rather than scale by NaN.
///
/// The body of clip_grad_norm is exercise 03.3: the reference is
/// solutions/03-pretraining/clipping.cpp, the learner's stub exercises/03-pretraining/clipping.cpp.
#pragma once

#include "tinygpt/core/parameters.h"

namespace tinygpt::train {

/// @brief Scales every gradient so that their global L2 norm is at most about max_norm
/// (exercise 03.3).
/// @param parameters the parameters whose accumulated gradients are clipped in place.
/// @param max_norm the largest allowed norm, positive (anything else throws Error).
/// @return the global norm before clipping (summed in double, returned as float).
float clip_grad_norm(ParameterSet& parameters, float max_norm);

}  // namespace tinygpt::train
