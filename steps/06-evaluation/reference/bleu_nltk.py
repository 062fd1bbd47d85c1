#!/usr/bin/python3
"""NLTK reference for step 06: BLEU where NLTK's definition is sacreBLEU's.

Writes fixtures/bleu_nltk.json: a deterministic corpus of made-up "translations"
(mt_corpus.py: sentences from a small grammar, references and hypotheses that differ by
synonyms, dropped, swapped and added words, cut endings) and the scores of Debian's NLTK (python3-nltk 3.8)

    nltk.translate.bleu_score.corpus_bleu(refs, hyps, smoothing_function=f)
    nltk.translate.bleu_score.sentence_bleu(refs, hyp, smoothing_function=f, auto_reweigh=True)

on its words (Python's str.split(), which is sacreBLEU's tokenize="none"), which
steps/06-evaluation/tests/bleu_nltk_test.cpp compares with eval::corpus_bleu and
eval::sentence_bleu (eval/bleu.h).

Where the two definitions agree (NLTK's SmoothingFunction on the left):

    method0 (none)       = smooth "none"   every hypothesis has at least 4 words (corpus)
    method1 (eps 0.1)    = smooth "floor"  a zero count becomes 0.1 over the n-gram count
    method2              = smooth "add-k"  k = 1, orders 2 and up (sentences: 4 words or more)
    method3 (NIST)       = smooth "exp"    the i-th zero count becomes 1 / (2^i n-gram count)
    auto_reweigh=True    = effective order for sentences (weights 1/len over len orders)

They disagree, on purpose or not, in four places, so the corpus stays clear of them:

- NLTK counts max(1, n-grams) per sentence, so a hypothesis shorter than n words adds a
  phantom n-gram to the corpus' denominator; sacreBLEU counts 0. Every corpus hypothesis
  here has at least 4 words.
- With no smoothing, a precision of 0 gives sacreBLEU log 0 = -9999999999 (BLEU 0); NLTK
  takes the smallest float instead (log = -708), so BLEU is about 1e-77 rather than 0.
  The test allows 1e-9 on the 0-100 scale, which covers this.
- sacreBLEU's add-k adds k to every order's count, so with the effective order a
  sentence of 2 words still averages over 4 orders; NLTK's auto_reweigh averages over 2.
  add-k sentence scores are kept for hypotheses of 4 words or more.
- NLTK's methods 4 to 7 have no sacreBLEU counterpart; sacreBLEU's floor value and add-k's
  k other than 0.1 and 1 have no NLTK one (method2's 1 is fixed).

Use Debian's python3-nltk (/usr/bin/python3, this file's first line):

    /usr/bin/python3 steps/06-evaluation/reference/bleu_nltk.py          # (re)write the fixture
    /usr/bin/python3 steps/06-evaluation/reference/bleu_nltk.py --check  # compare, exit 1 if not
    /usr/bin/python3 steps/06-evaluation/reference/bleu_nltk.py --out DIR

The corpus comes from mt_corpus.py, which steps/06-evaluation/bench/compare_bleu.py also uses
for its 10,000 pairs.
"""
import json
import sys
import warnings

import nltk
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import fixture_cli  # noqa: E402
from mt_corpus import make_corpus  # noqa: E402

FILE_NAME = "bleu_nltk.json"
SEED = 6

SMOOTHING = {  # sacreBLEU's name -> NLTK's function
    "none": SmoothingFunction().method0,
    "floor": SmoothingFunction(epsilon=0.1).method1,
    "add-k": SmoothingFunction().method2,
    "exp": SmoothingFunction().method3,
}


def nltk_corpus(hypotheses, references, smoothing):
    refs = [[stream[i].split() for stream in references] for i in range(len(hypotheses))]
    return corpus_bleu(refs, [h.split() for h in hypotheses], smoothing_function=SMOOTHING[smoothing])


def nltk_sentence(hypothesis, references, smoothing):
    return sentence_bleu([r.split() for r in references], hypothesis.split(),
                         smoothing_function=SMOOTHING[smoothing], auto_reweigh=True)


def compute():
    warnings.simplefilter("ignore")  # method0's "the hypothesis contains 0 counts of 4-gram"
    hypotheses, references = make_corpus(200, SEED)
    assert min(len(h.split()) for h in hypotheses) >= 4, "a corpus hypothesis under 4 words"
    # A corpus without a single matching 4-gram (every hypothesis reversed), where the
    # smoothing methods differ from each other.
    reversed_hyps = [" ".join(reversed(h.split())) for h in hypotheses[:12]]
    reversed_refs = [stream[:12] for stream in references]
    corpora = []
    for name, hyps, refs in [("corpus", hypotheses, references),
                             ("reversed", reversed_hyps, reversed_refs)]:
        for streams in (1, 2):
            for smoothing in SMOOTHING:
                corpora.append({"corpus": name, "streams": streams, "smoothing": smoothing,
                                "bleu": nltk_corpus(hyps, refs[:streams], smoothing)})
    # Sentences: the first 40 of the corpus, and short hypotheses of 1 to 3 words.
    short_hyps, short_refs = make_corpus(24, SEED + 1, streams=2, minimum=1)
    short = [(" ".join(h.split()[:1 + i % 3]), [r[i] for r in short_refs])
             for i, h in enumerate(short_hyps)]
    pairs = [(hypotheses[i], [r[i] for r in references]) for i in range(40)] + short
    sentences = []
    for hypothesis, refs in pairs:
        scores = {s: nltk_sentence(hypothesis, refs, s) for s in SMOOTHING
                  if s != "add-k" or len(hypothesis.split()) >= 4}
        sentences.append({"hypothesis": hypothesis, "references": refs, "bleu": scores})
    return {
        "generator": "steps/06-evaluation/reference/bleu_nltk.py",
        "nltk": nltk.__version__,
        "seed": SEED,
        "scale": "NLTK's BLEU in [0, 1]; tinygpt's is 100 times it",
        "hypotheses": hypotheses,
        "references": references,
        "reversed_hypotheses": reversed_hyps,
        "corpora": corpora,
        "sentences": sentences,
    }


def text(data):
    return json.dumps(data, indent=1, ensure_ascii=True) + "\n"


def describe(data):
    return (f"{len(data['corpora'])} corpus scores, {len(data['sentences'])} sentences, "
            f"NLTK {data['nltk']}")


if __name__ == "__main__":
    sys.exit(fixture_cli.run(__doc__.split("\n")[0], FILE_NAME, compute, text, describe))
