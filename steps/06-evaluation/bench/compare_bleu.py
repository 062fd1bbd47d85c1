#!/usr/bin/python3
"""Time NLTK's corpus_bleu and `tinygpt eval bleu` on the same 10,000 sentence pairs.

The pairs are made-up translations (steps/06-evaluation/reference/mt_corpus.py), two of its
sentences per line, about 22 words a line (WMT news test sets average about 25), one
reference each; every hypothesis has at least 4 words, so NLTK's corpus_bleu and sacreBLEU's
definition agree (reference/bleu_nltk.py says why). Both score words split at white space
with no smoothing: NLTK's corpus_bleu() on lists of words, and

    tinygpt eval bleu --refs refs.txt --hyps hyps.txt --tokenize none --smooth none

Printed, best of --repeats runs each:

- NLTK: corpus_bleu() alone, in this process, on words split beforehand (its file reading,
  splitting and Python's start are not counted);
- tinygpt: the whole command, as a user runs it: starting the program, reading and
  checking both files (UTF-8, line counts), splitting, scoring (blocks of 256 sentences on
  OpenMP's threads, as many as the machine's cores), printing;
- the ratio NLTK / tinygpt, and both scores, which must agree.

Usage (Debian's python3-nltk; the tinygpt program of a Release build):
    steps/06-evaluation/bench/compare_bleu.py --tinygpt build/release/apps/tinygpt [--pairs 10000]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from mt_corpus import make_corpus  # noqa: E402

import nltk  # noqa: E402
from nltk.translate.bleu_score import corpus_bleu  # noqa: E402

SEED = 2024


def best_time(run, repeats):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tinygpt", required=True, help="path of the tinygpt program")
    parser.add_argument("--pairs", type=int, default=10000, help="sentence pairs (lines)")
    parser.add_argument("--repeats", type=int, default=10, help="runs of each, best counts")
    args = parser.parse_args()

    hyps, refs = make_corpus(2 * args.pairs, SEED, streams=1)
    hypotheses = [hyps[2 * i] + " " + hyps[2 * i + 1] for i in range(args.pairs)]
    references = [refs[0][2 * i] + " " + refs[0][2 * i + 1] for i in range(args.pairs)]
    words = sum(len(line.split()) for line in hypotheses + references)
    print(f"{args.pairs} pairs, {words / (2 * args.pairs):.1f} words a line, "
          f"NLTK {nltk.__version__}, {args.tinygpt}")

    hyp_words = [line.split() for line in hypotheses]
    ref_words = [[line.split()] for line in references]
    warnings.simplefilter("ignore")
    nltk_seconds, nltk_bleu = best_time(lambda: corpus_bleu(ref_words, hyp_words), args.repeats)

    with tempfile.TemporaryDirectory() as folder:
        hyp_file, ref_file = os.path.join(folder, "hyps.txt"), os.path.join(folder, "refs.txt")
        for path, lines in ((hyp_file, hypotheses), (ref_file, references)):
            with open(path, "w", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
        command = [args.tinygpt, "eval", "bleu", "--refs", ref_file, "--hyps", hyp_file,
                   "--tokenize", "none", "--smooth", "none", "--score-only", "--width", "10"]
        tinygpt_seconds, output = best_time(
            lambda: subprocess.run(command, check=True, capture_output=True, text=True).stdout,
            args.repeats)
    tinygpt_bleu = float(output)

    print(f"NLTK corpus_bleu:  {1000 * nltk_seconds:8.1f} ms  BLEU {100 * nltk_bleu:.10f}")
    print(f"tinygpt eval bleu: {1000 * tinygpt_seconds:8.1f} ms  BLEU {tinygpt_bleu:.10f}")
    print(f"ratio: tinygpt is {nltk_seconds / tinygpt_seconds:.1f}x faster (best of "
          f"{args.repeats} each)")
    if abs(100 * nltk_bleu - tinygpt_bleu) > 1e-8:
        sys.exit("the two BLEU scores differ")


if __name__ == "__main__":
    main()
