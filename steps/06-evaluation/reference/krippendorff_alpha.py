#!/usr/bin/python3
"""An independent computation of Krippendorff's alpha on Krippendorff (2011)'s example.

Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability". Annenberg School for
Communication, University of Pennsylvania. Its example of nominal data with any number of
observers and missing values: four observers A, B, C, D and twelve units (NaN: no value),

    unit  1  2  3  4  5  6  7  8  9 10 11 12
    A     1  2  3  3  2  1  4  1  2  .  .  .
    B     1  2  3  3  2  2  4  1  2  5  .  3
    C     .  3  3  3  2  3  4  2  2  5  1  .
    D     1  2  3  3  2  4  4  1  2  5  1  .

with alpha = 0.743 nominal; the same data read as ordinal, interval and ratio values give
0.815, 0.849 and 0.797 (Krippendorff 2011; the ordinal and ratio values are also the expected
values of the `krippendorff` Python package's tests on this table).

This script recomputes the four values to full precision with numpy, straight from the
definition by the coincidence matrix, sharing no code with tinygpt:

    o_ck  = sum_u (ordered pairs of values c, k from two observers of unit u) / (m_u - 1)
    n_c   = sum_k o_ck,  n = sum_c n_c
    alpha = 1 - (n - 1) sum_ck o_ck d_ck / sum_ck n_c n_k d_ck

with d_ck the level's squared difference. It writes fixtures/krippendorff_alpha.json, which
steps/06-evaluation/tests/agreement_test.cpp reads.

    /usr/bin/python3 steps/06-evaluation/reference/krippendorff_alpha.py          # (re)write
    /usr/bin/python3 steps/06-evaluation/reference/krippendorff_alpha.py --check  # compare
"""
import itertools
import json
import sys

import numpy

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import fixture_cli  # noqa: E402

FILE_NAME = "krippendorff_alpha.json"
NAN = float("nan")

# Observers (rows) by units (columns), as the document prints it.
OBSERVERS_BY_UNITS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def coincidences(data):
    values = numpy.unique(data[~numpy.isnan(data)])
    o = numpy.zeros((len(values), len(values)))
    for unit in data.T:
        present = unit[~numpy.isnan(unit)]
        if len(present) < 2:
            continue
        for x, y in itertools.permutations(present, 2):  # ordered pairs, two observers
            o[numpy.searchsorted(values, x), numpy.searchsorted(values, y)] += 1 / (len(present) - 1)
    return values, o


def squared_differences(level, values, n_c):
    size = len(values)
    d = numpy.zeros((size, size))
    for c in range(size):
        for k in range(size):
            if level == "nominal":
                d[c, k] = float(c != k)
            elif level == "ordinal":
                low, high = min(c, k), max(c, k)
                d[c, k] = (n_c[low:high + 1].sum() - (n_c[c] + n_c[k]) / 2) ** 2
            elif level == "interval":
                d[c, k] = (values[c] - values[k]) ** 2
            else:
                d[c, k] = ((values[c] - values[k]) / (values[c] + values[k])) ** 2
    return d


def fixture():
    data = numpy.array(OBSERVERS_BY_UNITS, dtype=float)
    values, o = coincidences(data)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    result = {
        "about": "Krippendorff (2011)'s 4-observer, 12-unit example, alpha by the coincidence "
                 "matrix; see steps/06-evaluation/reference/krippendorff_alpha.py",
        "numpy_version": numpy.__version__,
        "observers_by_units": [[None if numpy.isnan(x) else int(x) for x in row]
                               for row in OBSERVERS_BY_UNITS],
        "values": [float(v) for v in values],
        "coincidences": [[float(x) for x in row] for row in o],
        "pairable": float(n),
        "published": PUBLISHED,
        "alpha": {},
    }
    for level in PUBLISHED:
        d = squared_differences(level, values, n_c)
        alpha = 1 - (n - 1) * (o * d).sum() / (numpy.outer(n_c, n_c) * d).sum()
        result["alpha"][level] = float(alpha)
        assert round(alpha, 3) == PUBLISHED[level], (level, alpha)
    return result


def text(data):
    """One key a line, each list of numbers on one line."""
    lines = [f" {json.dumps(key)}: {json.dumps(value)}" for key, value in data.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main():
    return fixture_cli.run(__doc__.split("\n")[0], FILE_NAME, fixture, text,
                           lambda data: f"alpha {data['alpha']}")


if __name__ == "__main__":
    sys.exit(main())
