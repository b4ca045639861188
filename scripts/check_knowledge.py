#!/usr/bin/env python3
"""The knowledge base of a whole index checked against itself: `zhsearch export` against the
knowledge filters and counts.

usage: scripts/check_knowledge.py --index DIR [--sample 50] [--seed 1130]

Exports every report (timed), then for every kind and a seeded sample of people, places,
organizations and keywords (frequent and rare alike) runs `zhsearch search -l 'facet:"value"'`
and compares the paths with the reports whose export lists the value (people, places and
organizations under the canonical names of the export's `canonical` map); then compares
`zhsearch entities --json` with the counts the export implies. Prints the kinds found, the
number of distinct values per facet and every disagreement; exits 1 on any.
"""
import argparse
import collections
import json
import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ZH = os.path.join(os.path.dirname(HERE), "target", "release", "zhsearch")
FACETS = ["kind", "person", "place", "org", "keyword"]


def values(record, facet):
    """The values of `facet` as the index counts them: names under their canonical names (the
    export's `canonical` map), each once."""
    if facet == "kind":
        return [record["kind"]]
    if facet == "keyword":
        return record["keywords"]
    canonical = record.get("canonical", {}).get(facet, {})
    return sorted({canonical.get(name, name) for name in record["entities"][facet]})


def run(index, *args):
    out = subprocess.run([ZH, "--index", index, *args], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"zhsearch {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--sample", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1130)
    args = ap.parse_args()

    started = time.monotonic()
    records = [json.loads(line) for line in run(args.index, "export").splitlines()]
    took = time.monotonic() - started
    print(f"export: {len(records)} reports in {took:.2f} s")

    inverted = {f: collections.defaultdict(set) for f in FACETS}
    for r in records:
        for f in FACETS:
            for v in values(r, f):
                inverted[f][v].add(r["path"])

    kinds = sorted(inverted["kind"].items(), key=lambda kv: -len(kv[1]))
    print("kinds: " + ", ".join(f"{k} {len(p)}" for k, p in kinds))
    for f in FACETS[1:]:
        with_any = sum(1 for r in records if values(r, f))
        print(f"{f}: {len(inverted[f])} distinct values; {with_any} reports have at least one")

    rng = random.Random(args.seed)
    bad = 0
    checked = 0
    for f in FACETS:
        items = sorted(inverted[f].items())
        if f != "kind":
            by_count = sorted(items, key=lambda kv: -len(kv[1]))
            frequent = by_count[: args.sample // 2]
            rest = [kv for kv in items if kv not in frequent]
            items = frequent + rng.sample(rest, min(len(rest), args.sample - len(frequent)))
        for value, paths in items:
            if '"' in value:
                continue
            found = set(run(args.index, "search", "-l", "--", f'{f}:"{value}"').splitlines())
            checked += 1
            if found != paths:
                bad += 1
                print(f"MISMATCH {f}:{value}: export lists {len(paths)}, search finds {len(found)}")
    print(f"filters: {checked} values checked, {bad} disagree with the export")

    listed = json.loads(run(args.index, "entities", "--json", "--top", "10000000"))
    for f in ["person", "place", "org"]:
        implied = {v: len(p) for v, p in inverted[f].items()}
        got = {v: n for v, n in listed[f]}
        if got != implied:
            bad += 1
            diff = [v for v in set(got) | set(implied) if got.get(v) != implied.get(v)]
            print(f"MISMATCH entities --type {f}: {len(diff)} values differ, e.g. {diff[:5]}")
        else:
            print(f"entities --type {f}: {len(got)} values, counts equal to the export's")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
