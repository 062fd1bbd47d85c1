#!/usr/bin/python3
"""Writes the GPT-2 compatibility fixture of step 01's BPE tests.

We cannot ship GPT-2's own vocab.json and merges.txt, so this script re-implements GPT-2's
published byte-level BPE (openai/gpt-2, src/encoder.py: bytes_to_unicode, the
pre-tokenisation regex, the rank-based merge loop) from the paper's description, learns a
small vocabulary from a few KB of made-up multilingual text, and writes, in the same
formats as GPT-2's files:

    steps/01-basics/tests/data/gpt2_small/vocab.json    token -> id, "\\u0120"-style escapes
    steps/01-basics/tests/data/gpt2_small/merges.txt    "#version: 0.2", then one merge a line
    steps/01-basics/tests/data/gpt2_small/expected.txt  per text two lines: its UTF-8 bytes
                                                        in hex, then its ids

The C++ test loads the first two with BpeTokenizer::load_gpt2 and must reproduce the ids.
Needs Debian's python3-regex (\\p{L} and \\p{N}, which Python's re lacks). Deterministic:
running it again gives byte-identical files.

Usage: steps/01-basics/reference/gpt2_bpe_fixture.py [output-directory]
"""
import collections
import json
import os
import sys

import regex

PATTERN = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
END_OF_TEXT = "<|endoftext|>"
MERGES = 400


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = bytes_to_unicode()


def words_of(text):
    """Pre-tokenised words, spelt with GPT-2's byte characters."""
    return ["".join(BYTE_ENCODER[b] for b in w.encode("utf-8")) for w in PATTERN.findall(text)]


def corpus():
    """A few KB of text with contractions, digits, space runs and many scripts."""
    lines = [
        "The cat's toy isn't here; we've looked, they're sure, I'll check, you'd know, I'm done.",
        "Café au lait, crème brûlée and a naïve façade: résumé, déjà vu, Ünïcödé über alles.",
        "Grüße aus München! Fünf Bücher über Käse, Äpfel und Öl kosten 42 Euro.",
        "Ελληνικά γράμματα: αλφα, βήτα, γάμμα, δέλτα. Καλημέρα κόσμε!",
        "Русский текст: привет, мир! Сегодня 15 градусов, завтра 17.",
        "日本語のテキストと中文文本，还有한국어 문장도 있습니다。",
        "Numbers: 3.14159, 2718, 1000000 and 0x1F; dates 2024-01-31 and 12:45:07.",
        "Emoji 🙂 and symbols ©®™ — dashes – and “quotes” and ‘single’ ones…",
        "Tabs\tand\tspaces    and   runs of  spaces\n\nand blank lines\n",
        "    indented code:    if (x == 1) { return y; }  // comment",
    ]
    return "\n".join(lines * 12)


def train(text):
    """Plain BPE: merge the most frequent pair, MERGES times (ties: smallest pair)."""
    counts = collections.Counter(words_of(text))
    words = {w: list(w) for w in counts}
    merges = []
    for _ in range(MERGES):
        pairs = collections.Counter()
        for w, symbols in words.items():
            for a, b in zip(symbols, symbols[1:]):
                pairs[(a, b)] += counts[w]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        for w, symbols in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            words[w] = out
    return merges


def bpe(token, ranks):
    """GPT-2's encoder.bpe(): apply the lowest-ranked merge everywhere, repeat."""
    word = tuple(token)
    while len(word) > 1:
        pairs = set(zip(word, word[1:]))
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new_word, i = [], 0
        while i < len(word):
            try:
                j = word.index(first, i)
            except ValueError:
                new_word.extend(word[i:])
                break
            new_word.extend(word[i:j])
            i = j
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                new_word.append(first + second)
                i += 2
            else:
                new_word.append(word[i])
                i += 1
        word = tuple(new_word)
    return word


def encode(text, vocab, ranks):
    ids = []
    for k, part in enumerate(text.split(END_OF_TEXT)):
        if k > 0:
            ids.append(vocab[END_OF_TEXT])
        for w in words_of(part):
            ids.extend(vocab[t] for t in bpe(w, ranks))
    return ids


TEXTS = [
    "",
    "Hello world",
    "The cat's toy isn't here; we've looked, they're sure, I'll check, you'd know, I'm done.",
    "It's what you'd've thought: they'RE LOUD, I'M sure.",
    "Café crème brûlée, naïve résumé; Grüße über Öl.",
    "Ελληνικά και Русский текст, привет!",
    "日本語と中文，한국어。",
    "Emoji 🙂🙃 and ©®™ “quotes”…",
    "Numbers 3.14159 and 1234567890, 2024-01-31.",
    "Runs of spaces:     five, then  two\tand\ttabs\n\n\nthree newlines   \n  end  ",
    "   leading spaces and trailing spaces   ",
    "words never seen: xylophone zephyr quixotic",
    "first document<|endoftext|>second document<|endoftext|>",
    "\u00a0non-breaking\u2003em-space\u3000ideographic space",
]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "gpt2_small")
    os.makedirs(out_dir, exist_ok=True)
    merges = train(corpus())
    # GPT-2's id order: the 256 byte characters in bytes_to_unicode() order, the merges,
    # then <|endoftext|>.
    vocab = {}
    for ch in BYTE_ENCODER.values():
        vocab[ch] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab[END_OF_TEXT] = len(vocab)
    ranks = {pair: rank for rank, pair in enumerate(merges)}

    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="ascii") as f:
        json.dump(vocab, f, ensure_ascii=True)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    # Hex keeps newlines, tabs and odd spaces of the texts on one line each.
    with open(os.path.join(out_dir, "expected.txt"), "w", encoding="ascii") as f:
        for t in TEXTS:
            f.write(t.encode("utf-8").hex() + "\n")
            f.write(" ".join(map(str, encode(t, vocab, ranks))) + "\n")
    print(f"{len(vocab)} tokens, {len(merges)} merges, {len(TEXTS)} texts -> {out_dir}")


if __name__ == "__main__":
    main()
