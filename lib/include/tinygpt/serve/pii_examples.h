/// @file pii_examples.h
/// @brief A labelled test set for the redactor of pii.h: generated sentences with known
/// spans of personal data in many real-world formats, and look-alikes that are not personal
/// data (dates, versions, prices, ISBNs, order and tracking numbers, card numbers failing
/// Luhn, IBANs with wrong check digits, "999.1.2.3", "icon at 2x.png" file names, ...).
///
/// The formats are written from what real messages contain, not from the detector's rules:
/// some of them (a Spanish nine-digit number, a German "030/12345678", an address written
/// "name at example dot com", a lower-case IBAN) the detector does not find, and the
/// scores say so. Card numbers and IBANs get their check digits from checksums.h.
///
/// Scores count exact spans: a found span is a true positive only when a labelled span has
/// the same kind, start and end; a span found with the wrong extent is both a false positive
/// and a false negative.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tinygpt/serve/pii.h"

namespace tinygpt::serve {

/// @brief A labelled span of personal data and the format it was written in.
struct PiiLabel {
  PiiSpan span;        ///< the kind and bytes
  std::string format;  ///< e.g. "phone/uk-intl-trunk", "card/amex-4-6-5"
};

/// @brief A look-alike in a sentence, which a detector must leave alone.
struct PiiDecoy {
  std::string what;       ///< e.g. "date/iso", "card/luhn-fails"
  std::size_t begin = 0;  ///< first byte
  std::size_t end = 0;    ///< one past the last byte
};

/// @brief One generated sentence (or a few) with its labels.
struct PiiExample {
  std::string text;              ///< the text
  std::vector<PiiLabel> labels;  ///< the personal data in it, sorted by position
  std::vector<PiiDecoy> decoys;  ///< the look-alikes in it, sorted by position
};

/// @brief Generates the labelled set: example i is a pure function of (seed, i), drawn from
/// the counter-based generator's kDemo stream, so any prefix of a larger set is the smaller
/// set. About three clauses in five carry personal data (the kinds equally often), the rest
/// a look-alike.
/// @param count how many examples, at least 1.
/// @param seed the seed.
/// @return the examples.
std::vector<PiiExample> make_pii_examples(std::int64_t count, std::uint64_t seed);

/// @brief True positives, false positives and false negatives of one kind or all kinds.
struct PiiCounts {
  std::int64_t true_positives = 0;   ///< found with the right kind and extent
  std::int64_t false_positives = 0;  ///< found but not labelled so
  std::int64_t false_negatives = 0;  ///< labelled but not found so

  /// @return TP / (TP + FP), or 0 when nothing was found.
  double precision() const;
  /// @return TP / (TP + FN), or 0 when nothing was labelled.
  double recall() const;
  /// @return the harmonic mean of precision and recall, or 0 when both are 0.
  double f1() const;
};

/// @brief The scores of find_pii() on a labelled set: per kind, and over all kinds (the sums
/// of the counts, i.e. micro-averaged).
struct PiiScores {
  std::array<PiiCounts, kPiiKindCount> per_kind{};  ///< indexed by PiiKind
  PiiCounts overall;                                ///< all kinds together
  std::int64_t examples = 0;                        ///< how many examples were scored
};

/// @brief Runs find_pii() on every example and counts exact-span matches.
/// @param examples the labelled set.
/// @return the counts per kind and overall.
PiiScores evaluate_pii(const std::vector<PiiExample>& examples);

/// @brief One mistake of find_pii() on a labelled example.
struct PiiError {
  std::size_t example = 0;  ///< index of the example
  PiiSpan span;             ///< the labelled span missed, or the span found by mistake
  bool missed = false;      ///< true: a false negative; false: a false positive
  std::string label;        ///< the missed span's format, or what the false alarm hit: a
                            ///< decoy's name, "overlaps <format>" or "unlabelled"
};

/// @brief Every mistake of find_pii() on the set, in order, for the lesson's list of what
/// the detector misses and what it mistakes for personal data.
/// @param examples the labelled set.
/// @return the false negatives and false positives.
std::vector<PiiError> pii_errors(const std::vector<PiiExample>& examples);

}  // namespace tinygpt::serve
