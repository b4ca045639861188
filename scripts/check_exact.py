#!/usr/bin/env python3
"""Check zhsearch's exact-matching guarantee and known-item ranking on a folder of reports.

usage: scripts/check_exact.py CORPUS_DIR [--n 400] [--seed 20240601] [--index DIR]
                              [--manifest MANIFEST_TSV] [--known 300] [--zhsearch PATH]
                              [--engine http://HOST:7280/NAME]

1. Samples queries with ../shared/peers/make_queries.py (substring ground truth), then takes
   the truth again on text folded to simplified characters as zhsearch folds it
   (src/analysis/TSCharacters.txt, one character for one), so that a report writing 以來 is
   expected for "以来".
2. Indexes CORPUS_DIR with `zhsearch index` (incremental: reuses an existing index of it).
3. Runs every query through `zhsearch search -l` (phrases quoted, AND terms space-separated)
   and scores recall/precision per group against the truth with the peers' score.py.
4. With --manifest (from materialize.py --manifest), samples unique titles with
   make_known_items.py, types each as an unquoted query and reports MRR@10.
With --engine, the index is pushed to that Quickwit cluster index (`zhsearch push`) and every
query of 3 and 4 is answered by it (`zhsearch search --engine`) instead of the local index.
Exits 1 when a phrase query is not exact or an AND query misses a document.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers"))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def folding_table():
    """str.translate table of zhsearch's folding: OpenCC's TSCharacters, the first simplified
    form of each single character, chains followed (as src/analysis/fold.rs does)."""
    to = {}
    with open(os.path.join(ROOT, "src", "analysis", "TSCharacters.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            key, values = line.rstrip("\n").split("\t", 1)
            first = values.split(" ")[0]
            if len(key) == 1 and len(first) == 1 and key != first:
                to[key] = first
    for k in list(to):
        v = to[k]
        for _ in range(4):
            nxt = to.get(v)
            if nxt is None or nxt == k:
                break
            v = nxt
        to[k] = v
    return str.maketrans(to)


def fold_truth(queries, corpus, peers):
    """Rewrites the truth of every query in the JSONL file `queries` over folded text."""
    sys.path.insert(0, peers)
    from common import iter_docs  # noqa: E402  (the peers' own decoding and normalization)
    fold = folding_table()
    docs = [(path, text.translate(fold)) for path, text in iter_docs(corpus)]
    with open(queries, encoding="utf-8") as f:
        items = [json.loads(line) for line in f]
    changed = 0
    for q in items:
        terms = [q["phrase"]] if q["kind"] == "phrase" else q["terms"]
        terms = [t.translate(fold) for t in terms]
        truth = [path for path, text in docs if all(t in text for t in terms)]
        changed += sorted(truth) != sorted(q["truth"])
        q["truth"] = truth
    with open(queries, "w", encoding="utf-8") as f:
        for q in items:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"truth over folded text: {changed} of {len(items)} queries gained reports written in "
          f"traditional characters")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--index", help="index folder (default: a temporary one)")
    ap.add_argument("--manifest", help="materialize.py manifest, for the known-item check")
    ap.add_argument("--known", type=int, default=300)
    ap.add_argument("--zhsearch", default=os.path.join(ROOT, "target", "release", "zhsearch"))
    ap.add_argument("--peers", default=PEERS)
    ap.add_argument("--engine", help="answer from this cluster index (http://HOST:7280/NAME)")
    args = ap.parse_args()
    engine = ["--engine", args.engine] if args.engine else []

    work = tempfile.mkdtemp(prefix="zhsearch-check-")
    index = args.index or os.path.join(work, "index")
    queries = os.path.join(work, "queries.jsonl")
    run([sys.executable, os.path.join(args.peers, "make_queries.py"), args.corpus, queries,
         "--n", str(args.n), "--seed", str(args.seed)])
    fold_truth(queries, args.corpus, args.peers)
    run([args.zhsearch, "--index", index, "index", args.corpus, "--quiet"])
    if args.engine:
        base, name = args.engine.rstrip("/").rsplit("/", 1)
        run([args.zhsearch, "--index", index, "push", "--to", base, "--index-id", name])

    out_path = os.path.join(work, "zhsearch.out.jsonl")
    failures = []
    with open(queries, encoding="utf-8") as qf, open(out_path, "w", encoding="utf-8") as out:
        for line in qf:
            q = json.loads(line)
            text = f'"{q["phrase"]}"' if q["kind"] == "phrase" else " ".join(q["terms"])
            proc = subprocess.run([args.zhsearch, "--index", index, "search", "-l", *engine, "--",
                                   text],
                                  capture_output=True, text=True)
            if proc.returncode not in (0, 1):
                sys.exit(f"query {text!r} failed: {proc.stderr.strip()}")
            hits = proc.stdout.split("\n")[:-1]
            out.write(json.dumps({"id": q["id"], "hits": hits, "ms": 0}, ensure_ascii=False) + "\n")
            truth, got = set(q["truth"]), set(hits)
            exact_needed = q["kind"] == "phrase"
            if (exact_needed and got != truth) or not truth <= got:
                failures.append((q["id"], text, len(truth - got), len(got - truth)))
    scored = subprocess.run([sys.executable, os.path.join(args.peers, "score.py"), queries, out_path],
                            check=True, capture_output=True, text=True).stdout
    print(scored.replace("ms_med", "      ").replace("ms_p95", "      "))
    for f in failures[:20]:
        print(f"FAIL {f[0]} {f[1]!r}: {f[2]} missed, {f[3]} extra")

    if args.manifest:
        known = os.path.join(work, "known.jsonl")
        run([sys.executable, os.path.join(args.peers, "make_known_items.py"), args.manifest, known,
             "--n", str(args.known)], stdout=subprocess.DEVNULL)
        rr, first, n = 0.0, 0, 0
        with open(known, encoding="utf-8") as kf:
            for line in kf:
                item = json.loads(line)
                proc = subprocess.run([args.zhsearch, "--index", index, "search", "--json",
                                       "--limit", "10", *engine, "--", item["query"]],
                                      capture_output=True, text=True)
                hits = [h["path"] for h in json.loads(proc.stdout)["hits"]] if proc.returncode == 0 else []
                n += 1
                if item["truth"] in hits:
                    k = hits.index(item["truth"]) + 1
                    rr += 1 / k
                    first += k == 1
        print(f"known-item: MRR@10 = {rr / max(n, 1):.3f}, first = {first}/{n}")

    print(f"{len(failures)} queries broke the guarantee")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
