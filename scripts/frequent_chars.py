#!/usr/bin/env python3
"""Writes src/analysis/frequent_chars.txt: the Han characters that carry most of jieba's dictionary.

usage: scripts/frequent_chars.py [--top 500] [--out src/analysis/frequent_chars.txt] [DICT]

The same ranking, written with `--top 800 --out src/ingest/common_han.txt`, is the table by
which decoding recognises clean GB18030 Chinese (src/ingest/decode.rs); the two lists are kept
apart so that retuning the index never changes how files are decoded.

DICT is jieba-rs's dict.txt (default: the copy cargo unpacked for the version in Cargo.lock).
Each character is weighted by the summed frequency of the dictionary words it occurs in; the
top ones, in Unicode order, one per line. Bigrams are indexed only between two of these (or two
ASCII letters and digits): see `is_frequent` in src/analysis.rs. Changing the list changes the
index: bump ANALYSIS_VERSION there.
"""
import argparse
import collections
import glob
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def default_dict():
    lock = open(os.path.join(ROOT, "Cargo.lock"), encoding="utf-8").read()
    version = re.search(r'name = "jieba-rs"\nversion = "([^"]+)"', lock).group(1)
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    hits = glob.glob(os.path.join(home, "registry", "src", "*", f"jieba-rs-{version}", "src", "data", "dict.txt"))
    if not hits:
        raise SystemExit(f"jieba-rs {version} sources not found under {home}; run `cargo fetch` or pass DICT")
    return hits[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=500)
    ap.add_argument("--out", default=os.path.join("src", "analysis", "frequent_chars.txt"))
    ap.add_argument("dict", nargs="?")
    args = ap.parse_args()
    weight = collections.Counter()
    with open(args.dict or default_dict(), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                for c in parts[0]:
                    if "\u4e00" <= c <= "\u9fff":
                        weight[c] += int(parts[1])
    top = sorted(c for c, _ in weight.most_common(args.top))
    with open(os.path.join(ROOT, args.out), "w", encoding="utf-8") as out:
        out.write("".join(c + "\n" for c in top))
    print(f"{len(top)} characters")


if __name__ == "__main__":
    main()
