#!/usr/bin/python3
"""scikit-learn reference for step 06: the classification figures of eval/classification.h.

For a handful of deterministic label lists, the script asks scikit-learn for

    accuracy_score(gold, predicted)
    confusion_matrix(gold, predicted, labels=labels)
    precision_recall_fscore_support(gold, predicted, labels=labels, average=A,
                                    zero_division=Z)

for A in None (per class), "micro", "macro", "weighted" and "binary" (each positive label
that scikit-learn accepts, or the fact that it refuses one), and Z in 0 and 1 (the default,
"warn", gives the values of 0; the script checks that). It writes them with the inputs to
fixtures/classification_sklearn.json, which steps/06-evaluation/tests/classification_test.cpp
reads: the C++ test needs no Python.

The cases: binary; three classes, imbalanced (70/20/10); a class never predicted; a label
predicted that never is gold; labels given in an order of their own, one of them absent;
labels that are negative and far apart; ten classes (numpy sums eight or more values in
another order); two labels neither of which is 1 (binary with pos_label=1 refused); a
binary set with no positive item at all; a binary set whose positive label is never
predicted. Label lists come from numpy's legacy RandomState, whose stream numpy keeps
fixed, so the file is the same on every run.

Usage:
    /usr/bin/python3 steps/06-evaluation/reference/classification_sklearn.py            # write
    /usr/bin/python3 steps/06-evaluation/reference/classification_sklearn.py --check    # compare
    /usr/bin/python3 steps/06-evaluation/reference/classification_sklearn.py --out DIR  # elsewhere
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.utils.multiclass import unique_labels

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import fixture_cli  # noqa: E402

FIXTURE = "classification_sklearn.json"


def noisy(gold, classes, right, rng):
    """Predictions that equal the gold label with probability `right`, else a random class."""
    wrong = rng.choice(classes, size=len(gold))
    keep = rng.random_sample(len(gold)) < right
    return np.where(keep, gold, wrong)


def make_cases():
    rng = np.random.RandomState(6)
    cases = []

    gold = rng.randint(0, 2, size=24)
    cases.append(("binary", noisy(gold, [0, 1], 0.7, rng), gold, None))

    gold = rng.choice([0, 1, 2], size=60, p=[0.7, 0.2, 0.1])
    cases.append(("three_class_imbalanced", noisy(gold, [0, 1, 2], 0.6, rng), gold, None))

    gold = rng.choice([0, 1, 2], size=30, p=[0.5, 0.3, 0.2])
    cases.append(("never_predicted", noisy(gold, [0, 1], 0.7, rng), gold, None))

    gold = rng.choice([0, 1, 2], size=30)
    cases.append(("predicted_only", noisy(gold, [0, 1, 2, 3], 0.6, rng), gold, None))

    gold = rng.choice([0, 1, 2, 3], size=40, p=[0.4, 0.3, 0.2, 0.1])
    cases.append(("given_labels", noisy(gold, [0, 1, 2, 3], 0.5, rng), gold, [3, 0, 2, 1, 4]))

    gold = rng.choice([-1, 7, 42], size=25)
    cases.append(("sparse_labels", noisy(gold, [-1, 7, 42], 0.5, rng), gold, None))

    gold = rng.randint(0, 10, size=80)
    cases.append(("ten_classes", noisy(gold, list(range(10)), 0.5, rng), gold, None))

    gold = rng.choice([2, 5], size=16)
    cases.append(("binary_other_labels", noisy(gold, [2, 5], 0.6, rng), gold, None))

    gold = np.zeros(8, dtype=np.int64)
    cases.append(("no_positive", gold.copy(), gold, None))

    gold = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 0])
    cases.append(("positive_never_predicted", np.zeros(10, dtype=np.int64), gold, None))
    return cases


def scores(gold, predicted, labels, average, zero_division, pos_label=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(
            gold, predicted, labels=labels, average=average, zero_division=zero_division,
            pos_label=pos_label)
        warned = precision_recall_fscore_support(
            gold, predicted, labels=labels, average=average, pos_label=pos_label)
    # The default zero_division="warn" gives the values of 0 (with a warning).
    if zero_division == 0:
        for ours, default in zip((p, r, f), warned[:3]):
            assert np.array_equal(np.asarray(ours), np.asarray(default))
    if average is None:
        return {"precision": [float(x) for x in p], "recall": [float(x) for x in r],
                "f1": [float(x) for x in f], "support": [int(x) for x in s]}
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


def case_record(name, predicted, gold, labels):
    predicted = [int(x) for x in predicted]
    gold = [int(x) for x in gold]
    matrix_labels = labels if labels is not None else [int(x) for x in unique_labels(gold, predicted)]
    record = {
        "name": name,
        "predicted": predicted,
        "gold": gold,
        "labels": labels,
        "accuracy": float(accuracy_score(gold, predicted)),
        "confusion_matrix": {
            "labels": matrix_labels,
            "counts": confusion_matrix(gold, predicted, labels=labels).tolist(),
        },
    }
    present = sorted(set(gold) | set(predicted))
    for zero_division in (0, 1):
        figures = {"per_class": scores(gold, predicted, labels, None, zero_division)}
        for average in ("micro", "macro", "weighted"):
            figures[average] = scores(gold, predicted, labels, average, zero_division)
        binary = []
        for positive in sorted(set(present) | {1}):
            try:
                entry = scores(gold, predicted, labels, "binary", zero_division, positive)
            except ValueError as error:
                entry = {"refused": str(error)}
            entry["positive_label"] = positive
            binary.append(entry)
        figures["binary"] = binary
        record["zero_division_%d" % zero_division] = figures
    return record


def fixture():
    return {
        "written_by": "steps/06-evaluation/reference/classification_sklearn.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "cases": [case_record(*case) for case in make_cases()],
    }


def text(data):
    return json.dumps(data, indent=1) + "\n"


def main():
    return fixture_cli.run(__doc__.split("\n")[0], FIXTURE, fixture, text,
                           lambda data: f"{len(data['cases'])} cases (scikit-learn "
                                        f"{data['sklearn_version']})")


if __name__ == "__main__":
    sys.exit(main())
