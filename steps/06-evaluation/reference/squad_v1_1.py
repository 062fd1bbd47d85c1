#!/usr/bin/python3
"""SQuAD v1.1 reference for step 06: exact match and token F1 of eval/qa.h.

The official SQuAD v1.1 evaluation script (Rajpurkar et al., 2016) is a few lines of
Python that Debian does not package. Its definition, restated here:

    normalize(s)  = s.lower(); drop every character of string.punctuation;
                    re.sub(r"\\b(a|an|the)\\b", " ", s); " ".join(s.split())
    exact(p, g)   = normalize(p) == normalize(g)
    f1(p, g)      = with P, G the tokens (split()) of normalize(p), normalize(g) and
                    c = the size of the multiset intersection of P and G:
                    0 if c == 0, else 2 (c/|P|) (c/|G|) / (c/|P| + c/|G|)

The script scores answer pairs built from a fixed Python random.Random(6) stream: words
(articles in several cases, "U.S.", "1,000", "x_y", ...), ASCII punctuation and white
space, and characters where Python's notions matter: non-ASCII capitals and 'İ' and final
sigma for str.lower(), U+00A0 and U+3000 for split(), a combining accent, '½' and '™' for
\\w. It writes fixtures/squad_v1_1.json (each pair with its normalised prediction, exact
match and F1), which steps/06-evaluation/tests/qa_test.cpp reads: the C++ test needs no
Python.

Usage:
    /usr/bin/python3 steps/06-evaluation/reference/squad_v1_1.py            # write
    /usr/bin/python3 steps/06-evaluation/reference/squad_v1_1.py --check    # compare
    /usr/bin/python3 steps/06-evaluation/reference/squad_v1_1.py --out DIR  # elsewhere
"""
import collections
import json
import random
import re
import string
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import fixture_cli  # noqa: E402

FIXTURE = "squad_v1_1.json"
PUNCTUATION = set(string.punctuation)


def normalize(text):
    text = text.lower()
    text = "".join(c for c in text if c not in PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact(prediction, gold):
    return normalize(prediction) == normalize(gold)


def f1(prediction, gold):
    predicted = normalize(prediction).split()
    expected = normalize(gold).split()
    common = sum((collections.Counter(predicted) & collections.Counter(expected)).values())
    if common == 0:
        return 0.0
    precision = common / len(predicted)
    recall = common / len(expected)
    return 2 * precision * recall / (precision + recall)


PIECES = [
    "the", "The", "THE", "a", "A", "an", "An", "cat", "Cat's", "U.S.", "-", ",", ".", "!",
    "(", ")", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "1,000", "42", "x_y", "\u00c9",
    "\u00e9cole", "Stra\u00dfe", "\u0130stanbul", "\u039f\u0394\u039f\u03a3", "\u201c",
    "\u201d", "e\u0301", "the\u2014an", "the\u2122", "na\u00efve", "dog", "dog", "Anne",
    "theater", "\u00bd", "a\u00bd",
]


def make_pairs():
    rng = random.Random(6)

    def answer():
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 7)))

    pairs = []
    for _ in range(300):
        prediction = answer()
        roll = rng.random()
        if roll < 0.2:  # the same answer written differently: exact matches
            gold = prediction.upper() + rng.choice(["", ".", " the", "  "])
        elif roll < 0.5:  # overlapping answers: partial F1
            gold = prediction + " " + answer()
        else:
            gold = answer()
        pairs.append((prediction, gold))
    return pairs


def fixture():
    rows = [{"prediction": p, "gold": g, "normalized": normalize(p),
             "exact_match": 1.0 if exact(p, g) else 0.0, "f1": f1(p, g)}
            for p, g in make_pairs()]
    return {
        "written_by": "steps/06-evaluation/reference/squad_v1_1.py",
        "python_version": sys.version.split()[0],
        "pairs": rows,
    }


def text(data):
    return json.dumps(data, indent=1, ensure_ascii=True) + "\n"


def main():
    return fixture_cli.run(__doc__.split("\n")[0], FIXTURE, fixture, text,
                           lambda data: f"{len(data['pairs'])} answer pairs")


if __name__ == "__main__":
    sys.exit(main())
