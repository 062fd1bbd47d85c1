#!/usr/bin/python3
"""Compare tinygpt's byte-level BPE with SentencePiece's BPE on the same text.

Both train a 4096-token vocabulary on the same file (SentencePiece with 2 threads, as it
is normally run; tinygpt on one), then encode the file's lines one by one on a single
thread. Printed: training time, encoding speed in MB/s, the ratios, and bytes per token
(how much text one token holds: higher compresses better).

Usage (Debian's python3-sentencepiece; the tinygpt program of a Release build):
    steps/01-basics/bench/compare_sentencepiece.py --input corpus.txt \
        --tinygpt build/release/apps/tinygpt [--vocab 4096]

Without --input the text is Debian's fortunes (the files with a .u8 twin, except the
ASCII-art ones), concatenated as they are.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import sentencepiece as spm

FORTUNES = "/usr/share/games/fortunes"


def fortunes_text(path):
    """The fortune files that have a UTF-8 twin (.u8), except art and ascii-art, in order."""
    names = sorted(n[:-3] for n in os.listdir(FORTUNES) if n.endswith(".u8"))
    with open(path, "wb") as out:
        for name in names:
            if name in ("art", "ascii-art"):
                continue
            with open(os.path.join(FORTUNES, name), "rb") as f:
                out.write(f.read())


def sentencepiece_run(path, vocab, workdir):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    prefix = os.path.join(workdir, "sp")
    start = time.perf_counter()
    spm.SentencePieceTrainer.train(
        input=path, model_prefix=prefix, vocab_size=vocab, model_type="bpe",
        num_threads=2, character_coverage=1.0, byte_fallback=True,
        max_sentence_length=1 << 20, input_sentence_size=0, minloglevel=2)
    train_seconds = time.perf_counter() - start
    processor = spm.SentencePieceProcessor(model_file=prefix + ".model", num_threads=1)
    start = time.perf_counter()
    tokens = 0
    for line in lines:
        tokens += len(processor.encode(line))
    encode_seconds = time.perf_counter() - start
    nbytes = sum(len(line.encode("utf-8")) for line in lines)
    return {"train_seconds": train_seconds, "encode_seconds": encode_seconds,
            "bytes": nbytes, "tokens": tokens}


def tinygpt_run(tinygpt, path, vocab):
    output = subprocess.run([tinygpt, "tokenizer", "bench", "--input", path, "--vocab",
                             str(vocab)], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", help="text file (default: Debian's fortunes)")
    parser.add_argument("--tinygpt", required=True, help="path of the tinygpt program")
    parser.add_argument("--vocab", type=int, default=4096)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        path = args.input
        if path is None:
            path = os.path.join(workdir, "fortunes.txt")
            fortunes_text(path)
        size_mb = os.path.getsize(path) / 1e6
        print(f"text: {path} ({size_mb:.2f} MB), vocabulary {args.vocab}")
        sp = sentencepiece_run(path, args.vocab, workdir)
        tg = tinygpt_run(args.tinygpt, path, args.vocab)

    def mb_per_s(run):
        return run["bytes"] / 1e6 / run["encode_seconds"]

    print(f"{'':14}{'train (s)':>11}{'encode MB/s':>13}{'bytes/token':>13}")
    for name, run in (("sentencepiece", sp), ("tinygpt", tg)):
        print(f"{name:14}{run['train_seconds']:11.3f}{mb_per_s(run):13.1f}"
              f"{run['bytes'] / run['tokens']:13.3f}")
    print(f"tinygpt trains {sp['train_seconds'] / tg['train_seconds']:.1f}x faster "
          f"(SentencePiece on 2 threads, tinygpt on 1) and encodes "
          f"{mb_per_s(tg) / mb_per_s(sp):.1f}x faster (both on 1 thread)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
