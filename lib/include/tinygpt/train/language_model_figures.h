/// @file language_model_figures.h
/// @brief The one definition of a language model's figures on a text, used by step 03's
/// reports, the bigram trainer and step 06's evaluation: perplexity and bits per byte, both
/// from the mean cross-entropy per predicted token (nats).
///
///     perplexity    = exp(loss)                      the number of equally likely tokens
///                                                    the model is as unsure as
///     bits per byte = loss x tokens / bytes / ln 2   comparable across tokenizers: the
///                                                    bytes of the text do not depend on
///                                                    how it was cut into tokens
#pragma once

#include <cstdint>

namespace tinygpt::train {

/// @param loss mean nats per predicted token, finite.
/// @return exp(loss).
double perplexity(double loss);

/// @brief Converts a mean loss per token to bits per byte of text. Throws Error when the
/// text has no bytes or the loss is not finite.
/// @param loss mean nats per predicted token.
/// @param tokens tokens the loss was measured on.
/// @param bytes UTF-8 bytes of the same text.
/// @return loss x tokens / bytes / ln 2.
double bits_per_byte(double loss, std::int64_t tokens, std::int64_t bytes);

}  // namespace tinygpt::train
