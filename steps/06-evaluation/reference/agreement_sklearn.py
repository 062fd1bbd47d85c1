#!/usr/bin/python3
"""scikit-learn reference for step 06: Cohen's kappa, unweighted, linear and quadratic.

Writes fixtures/agreement_sklearn.json: for each of several deterministic pairs of two
raters' label lists, the lists themselves and scikit-learn's

    sklearn.metrics.cohen_kappa_score(a, b)                      "unweighted"
    sklearn.metrics.cohen_kappa_score(a, b, weights="linear")    "linear"
    sklearn.metrics.cohen_kappa_score(a, b, weights="quadratic") "quadratic"

which steps/06-evaluation/tests/agreement_test.cpp compares with eval::cohen_kappa
(eval/agreement.h). The cases cover what an implementation gets wrong: labels with gaps
({1, 3, 7}: the weights use the labels' positions in the sorted list, not their values),
negative labels, a label only one rater uses, systematic disagreement (kappa < 0), perfect
agreement (kappa = 1), two labels, and two longer lists on a five-point scale made by a
fixed linear congruential generator (no numpy randomness, so the lists never change).

Use Debian's python3-sklearn and python3-numpy (/usr/bin/python3, this file's first line):

    /usr/bin/python3 steps/06-evaluation/reference/agreement_sklearn.py          # (re)write
    /usr/bin/python3 steps/06-evaluation/reference/agreement_sklearn.py --check  # compare
    /usr/bin/python3 steps/06-evaluation/reference/agreement_sklearn.py --out DIR

--check computes everything afresh and compares it with the committed file: it prints
`same`, `DIFFERS` (with the cases that differ) or `MISSING`, and exits 1 unless `same`.
"""
import json
import sys

import numpy
import sklearn
from sklearn.metrics import cohen_kappa_score

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import fixture_cli  # noqa: E402

FILE_NAME = "agreement_sklearn.json"


def lcg(seed):
    """Numerical Recipes' 32-bit linear congruential generator: a fixed, portable stream."""
    state = seed
    while True:
        state = (1664525 * state + 1013904223) % 2**32
        yield state >> 8


def noisy_copy(truth, levels, seed, keep):
    """truth with some labels moved up or down a step (kept when a draw is below keep/100)."""
    draws = lcg(seed)
    copy = []
    for label in truth:
        if next(draws) % 100 < keep:
            copy.append(label)
        else:
            step = 1 if next(draws) % 2 == 0 else -1
            copy.append(min(levels - 1, max(0, label + step)))
    return copy


def cases():
    draws = lcg(2024)
    scale = [next(draws) % 5 for _ in range(200)]
    return [
        ("hand", [0, 0, 1, 1, 2, 2, 2, 0, 1, 2], [0, 1, 1, 1, 2, 0, 2, 0, 2, 2]),
        ("label_gaps", [1, 3, 7, 7, 3, 1, 7, 3], [1, 7, 7, 3, 3, 1, 7, 1]),
        ("negative_labels", [-1, 0, 1, 1, 0, -1, -1, 1, 0], [-1, 0, 0, 1, 1, -1, 0, 1, 0]),
        ("label_only_one_rater_uses", [0, 0, 1, 1, 1, 0, 1, 0], [0, 2, 1, 1, 2, 0, 1, 0]),
        ("systematic_disagreement", [0, 1, 0, 1, 0, 1, 2, 2], [1, 0, 1, 0, 1, 0, 0, 1]),
        ("perfect", [2, 0, 1, 2, 1, 0], [2, 0, 1, 2, 1, 0]),
        ("binary", [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1], [1, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1]),
        ("five_point_close", scale, noisy_copy(scale, 5, 7, 70)),
        ("five_point_noisy", scale, noisy_copy(scale, 5, 11, 30)),
    ]


def fixture():
    result = {
        "about": "sklearn.metrics.cohen_kappa_score on pairs of label lists; see "
                 "steps/06-evaluation/reference/agreement_sklearn.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": numpy.__version__,
        "cases": [],
    }
    for name, a, b in cases():
        assert len(a) == len(b), name
        result["cases"].append({
            "name": name,
            "a": a,
            "b": b,
            "unweighted": float(cohen_kappa_score(a, b)),
            "linear": float(cohen_kappa_score(a, b, weights="linear")),
            "quadratic": float(cohen_kappa_score(a, b, weights="quadratic")),
        })
    return result


def text(data):
    """One case a line. json writes the shortest decimal that reads back as the same double."""
    head = {key: value for key, value in data.items() if key != "cases"}
    lines = [json.dumps(case) for case in data["cases"]]
    return (json.dumps(head)[:-1] + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n")


def main():
    return fixture_cli.run(__doc__.split("\n")[0], FILE_NAME, fixture, text,
                           lambda data: f"{len(data['cases'])} cases (scikit-learn "
                                        f"{data['sklearn_version']})")


if __name__ == "__main__":
    sys.exit(main())
