// Scoring a redactor on the labelled set (pii_examples.h): exact-span precision, recall and
// F1 per kind, and the list of its mistakes.
#include <algorithm>

#include "tinygpt/serve/pii.h"
#include "tinygpt/serve/pii_examples.h"

namespace tinygpt::serve {

double PiiCounts::precision() const {
  const std::int64_t found = true_positives + false_positives;
  return found == 0 ? 0.0 : static_cast<double>(true_positives) / static_cast<double>(found);
}

double PiiCounts::recall() const {
  const std::int64_t labelled = true_positives + false_negatives;
  return labelled == 0 ? 0.0 : static_cast<double>(true_positives) / static_cast<double>(labelled);
}

double PiiCounts::f1() const {
  const double p = precision();
  const double r = recall();
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

namespace {

bool labelled(const PiiExample& example, const PiiSpan& span) {
  return std::any_of(example.labels.begin(), example.labels.end(),
                     [&span](const PiiLabel& label) { return label.span == span; });
}

}  // namespace

PiiScores evaluate_pii(const std::vector<PiiExample>& examples) {
  PiiScores scores;
  scores.examples = static_cast<std::int64_t>(examples.size());
  for (const PiiExample& example : examples) {
    const std::vector<PiiSpan> found = find_pii(example.text);
    for (const PiiSpan& span : found) {
      PiiCounts& counts = scores.per_kind[static_cast<std::size_t>(span.kind)];
      if (labelled(example, span)) {
        ++counts.true_positives;
      } else {
        ++counts.false_positives;
      }
    }
    for (const PiiLabel& label : example.labels) {
      if (std::find(found.begin(), found.end(), label.span) == found.end()) {
        ++scores.per_kind[static_cast<std::size_t>(label.span.kind)].false_negatives;
      }
    }
  }
  for (const PiiCounts& counts : scores.per_kind) {
    scores.overall.true_positives += counts.true_positives;
    scores.overall.false_positives += counts.false_positives;
    scores.overall.false_negatives += counts.false_negatives;
  }
  return scores;
}

std::vector<PiiError> pii_errors(const std::vector<PiiExample>& examples) {
  std::vector<PiiError> errors;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const PiiExample& example = examples[i];
    const std::vector<PiiSpan> found = find_pii(example.text);
    for (const PiiLabel& label : example.labels) {
      if (std::find(found.begin(), found.end(), label.span) == found.end()) {
        errors.push_back({i, label.span, true, label.format});
      }
    }
    for (const PiiSpan& span : found) {
      if (labelled(example, span)) continue;
      std::string what = "unlabelled";
      for (const PiiDecoy& decoy : example.decoys) {
        if (span.begin < decoy.end && decoy.begin < span.end) what = decoy.what;
      }
      for (const PiiLabel& label : example.labels) {
        if (span.begin < label.span.end && label.span.begin < span.end) {
          what = "overlaps " + label.format;
        }
      }
      errors.push_back({i, span, false, what});
    }
  }
  return errors;
}

}  // namespace tinygpt::serve
