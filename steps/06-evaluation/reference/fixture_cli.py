"""What the agreement reference scripts share: write a fixture, or --check it against a fresh
computation (prints `same`, `DIFFERS` with what differs, or `MISSING`; exits 1 unless same)."""
import argparse
import json
import os

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def run(description, file_name, compute, text, describe):
    """compute() -> the fixture's data; text(data) -> the file's text; describe(data) -> what
    `wrote ...` adds. Returns the exit code."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=DEFAULT_OUT, help="fixture folder (default: fixtures/)")
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh computation with --out's file")
    args = parser.parse_args()
    path = os.path.join(args.out, file_name)
    fresh = compute()
    if not args.check:
        os.makedirs(args.out, exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text(fresh))
        print(f"wrote {path}: {describe(fresh)}")
        return 0
    if not os.path.exists(path):
        print("MISSING", path)
        return 1
    with open(path, encoding="utf-8") as committed_file:
        committed = json.load(committed_file)
    if committed == fresh:
        print("same")
        return 0
    differing = [key for key in fresh if committed.get(key) != fresh[key]]
    if isinstance(fresh.get("cases"), list) and isinstance(committed.get("cases"), list):
        differing += [c["name"] for c, f in zip(committed["cases"], fresh["cases"]) if c != f]
    print("DIFFERS", ", ".join(differing))
    return 1
