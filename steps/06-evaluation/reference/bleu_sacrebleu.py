#!/usr/bin/python3
"""sacreBLEU reference for step 06: tokenisation, lowercasing, BLEU and chrF on hard text.

Writes fixtures/bleu_sacrebleu.json with what sacreBLEU 2.x itself says about

- the 13a tokeniser (Tokenizer13a) on 40 tricky lines: numbers, periods and commas, dashes,
  HTML entities, "<skipped>", line breaks, symbols, apostrophes, other scripts;
- lowercasing (its str.lower()) and white space (str.split()) on lines that exercise
  Unicode's full mappings and the final-sigma rule, and every white-space character;
- corpus BLEU and chrF of 120 made-up translations written as people write
  (mt_corpus.make_rich_corpus: punctuation attached, numbers, entities, capitals, Greek,
  Georgian, Deseret, full-width Latin), with one and two references, under 13a, none and
  char, the four smoothing methods, lowercasing, chrF++, white space kept and epsilon
  smoothing: the score, the n-gram counts and the line sacreBLEU prints;
- sentence BLEU and chrF of the first 30 of them.

steps/06-evaluation/tests/bleu_sacrebleu_test.cpp compares eval/mt_text.h, eval/bleu.h and
eval/chrf.h with it. sacreBLEU is not a Debian package: the script imports it from a
source checkout of github.com/mjpost/sacrebleu given with --sacrebleu (the fixture records
its commit; the committed one is f615c7286d4d813370efb824d94fc2bfcd3a6b94, v2.6.0 and one
commit). Two of its imports are only for features not used here (portalocker for test-set
downloads, tabulate for tables), and a checkout lacks the version.py that packaging
writes; the script puts stand-ins for those three in sys.modules when they are missing.

    /usr/bin/python3 steps/06-evaluation/reference/bleu_sacrebleu.py --sacrebleu DIR
    /usr/bin/python3 steps/06-evaluation/reference/bleu_sacrebleu.py --sacrebleu DIR --check
"""
import argparse
import json
import os
import subprocess
import sys
import types

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import fixture_cli  # noqa: E402
from mt_corpus import EXTRAS, make_rich_corpus  # noqa: E402

FILE_NAME = "bleu_sacrebleu.json"
SEED = 13

TOKENIZER_LINES = [
    "Hello, world!", "It costs $3.50, or 1,000.5 yen.", "end.", "a.b", "U.S.A.", "e.g., this",
    "9-5 shift", "well-known isn't it", "&quot;quoted&quot; &amp;amp; &lt;tag&gt; & more",
    "a <skipped> b", "line-\nbreak", "two\nlines", "(parens) [brackets] {braces}",
    "$100 @home #tag ~tilde `tick` ^caret_under|pipe", "a...b", ".,.,", "1.-2", "5..", "..5",
    "a,5", "5,a", "1.5.2018", "-5", "5-", "x-5", "café. Naïve, über-", "«guillemets» — dash",
    "tab\there", "  spaces  around  ", "", " ", "ΟΔΟΣ, ΣΟΦΙΑ.", "3.5km/h", "50%-60%",
    "R&D", "http://example.com/a?b=c", "He said: \"no\"; she: 'yes'", "<3 >_< :-)",
    "1,000,000.00", "x=y+z*2",
]
LOWERCASE_LINES = [
    "ΟΔΟΣ", "ΣΟΦΙΑ'Σ ΣΑΣ", "Σ", "ΑΣ", "ΑΣΑ", "ΑΣ'", "Α'Σ", "ΑΣ.Β", "ΑΣ\u0301", "ΣΑ", "Σ\u0345",
    "İstanbul", "İ", "STRASSE Straße", "ẞ", "ᲒᲔᲝ", "𐐀𐐁", "ＡＢＣ", "Ǆemal ǅ ǆ", "ΩMEGA Ωμέγα",
    "ÀÉÎÕÜ", "Ⅻ", "Ⓐ", "ΑΣ𐐀", "𐐀Σ", "AΣ", "ꭰꮳ ᎠᏣ", "Ꭰ", "ǰ", "ΐ",
] + EXTRAS
WHITESPACE = ("\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
SPLIT_LINES = ["a" + c + "b" for c in WHITESPACE] + [
    "  lead and trail  ", "\u200bzero-width\u200bisn't\u200bspace", "\ufeffbom", "x\u180ey"]

BLEU_SETTINGS = [  # (name, BLEU(...) arguments)
    ("13a exp", {}),
    ("13a exp lowercase", {"lowercase": True}),
    ("13a none", {"smooth_method": "none"}),
    ("13a floor", {"smooth_method": "floor"}),
    ("13a add-k 2", {"smooth_method": "add-k", "smooth_value": 2}),
    ("13a exp effective", {"effective_order": True}),
    ("none floor 0.5", {"tokenize": "none", "smooth_method": "floor", "smooth_value": 0.5}),
    ("char exp lowercase", {"tokenize": "char", "lowercase": True}),
]
CHRF_SETTINGS = [  # (name, CHRF(...) arguments)
    ("chrF2", {}),
    ("chrF2++", {"word_order": 2}),
    ("chrF2 lowercase", {"lowercase": True}),
    ("chrF2 whitespace", {"whitespace": True}),
    ("chrF2 eps", {"eps_smoothing": True}),
    ("chrF3++ lowercase", {"beta": 3, "word_order": 2, "lowercase": True}),
]


def import_sacrebleu(folder):
    """sacreBLEU from a source checkout, with stand-ins for what a checkout lacks."""
    sys.path.insert(0, os.path.abspath(folder))
    for name in ("portalocker", "tabulate"):
        try:
            __import__(name)
        except ImportError:
            stand_in = types.ModuleType(name)
            stand_in.tabulate = None
            sys.modules[name] = stand_in
    if not os.path.exists(os.path.join(folder, "sacrebleu", "version.py")):
        version = types.ModuleType("sacrebleu.version")
        version.__version__ = "checkout"
        sys.modules["sacrebleu.version"] = version
    import sacrebleu  # noqa: F401
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    return BLEU, CHRF, Tokenizer13a


def commit_of(folder):
    try:
        return subprocess.run(["git", "-C", folder, "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def printed(score, metric):
    """The line sacreBLEU's command line prints, with tinygpt's version field."""
    signature = metric.get_signature()
    signature.info["version"] = "tinygpt"
    return score.format(signature=signature.format())


def compute(folder):
    BLEU, CHRF, Tokenizer13a = import_sacrebleu(folder)
    tokenizer = Tokenizer13a()
    hypotheses, references = make_rich_corpus(120, SEED)
    corpus_bleu, corpus_chrf, sentences = [], [], []
    for streams in (1, 2):
        refs = references[:streams]
        for name, arguments in BLEU_SETTINGS:
            metric = BLEU(**arguments)
            score = metric.corpus_score(hypotheses, refs)
            corpus_bleu.append({"setting": name, "arguments": arguments, "streams": streams,
                                "score": score.score, "counts": score.counts,
                                "totals": score.totals, "sys_len": score.sys_len,
                                "ref_len": score.ref_len, "line": printed(score, metric)})
        for name, arguments in CHRF_SETTINGS:
            metric = CHRF(**arguments)
            score = metric.corpus_score(hypotheses, refs)
            corpus_chrf.append({"setting": name, "arguments": arguments, "streams": streams,
                                "score": score.score, "line": printed(score, metric)})
    for i in range(30):
        refs = [stream[i] for stream in references]
        bleu = BLEU(effective_order=True).sentence_score(hypotheses[i], refs)
        chrf = CHRF().sentence_score(hypotheses[i], refs)
        chrf_plus = CHRF(word_order=2).sentence_score(hypotheses[i], refs)
        sentences.append({"hypothesis": hypotheses[i], "references": refs, "bleu": bleu.score,
                          "chrf": chrf.score, "chrf++": chrf_plus.score})
    return {
        "generator": "steps/06-evaluation/reference/bleu_sacrebleu.py",
        "sacrebleu_commit": commit_of(folder),
        "python": sys.version.split()[0],
        "seed": SEED,
        "tokenize_13a": [[line, tokenizer(line)] for line in TOKENIZER_LINES],
        "lowercase": [[line, line.lower()] for line in LOWERCASE_LINES],
        "split": [[line, line.split()] for line in SPLIT_LINES],
        "hypotheses": hypotheses,
        "references": references,
        "corpus_bleu": corpus_bleu,
        "corpus_chrf": corpus_chrf,
        "sentences": sentences,
    }


def text(data):
    return json.dumps(data, indent=1, ensure_ascii=True) + "\n"


def describe(data):
    return (f"{len(data['corpus_bleu'])} BLEU and {len(data['corpus_chrf'])} chrF corpus "
            f"scores, {len(data['sentences'])} sentences, sacreBLEU {data['sacrebleu_commit']}")


if __name__ == "__main__":
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--sacrebleu", required=True,
                     help="a source checkout of sacreBLEU (the folder holding sacrebleu/)")
    known, rest = pre.parse_known_args()
    sys.argv = [sys.argv[0]] + rest
    sys.exit(fixture_cli.run(__doc__.split("\n")[0], FILE_NAME,
                             lambda: compute(known.sacrebleu), text, describe))
