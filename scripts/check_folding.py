#!/usr/bin/env python3
"""Measure traditional/simplified folding end to end with the real binary.

usage: scripts/check_folding.py [--limit 500] [--phrases 3] [--require 0.99]
                                [--corpus DIR | --shards DIR] [--zhsearch PATH]
                                [--work DIR] [--keep] [--seed 20240601]

Needs OpenCC's Python package `opencc` (pip install opencc), which converts with OpenCC's
own dictionaries: s2t here.

1. Takes --limit bench reports spread evenly over the bench corpus (the shards of
   ../shared/bench rendered like materialize.py does, or the .txt files of --corpus), and
   writes them twice under a fresh /tmp/vocab-folding-*/ folder: simp/ (the originals) and
   trad/ (OpenCC s2t of each; same file names).
2. Indexes each folder: `zhsearch --index I index FOLDER`.
3. simplified → traditional: for up to --phrases phrases of each report (6 to 12 Han
   characters from inside one paragraph of the simplified original), runs
   `zhsearch --index TRAD search -l '"phrase"'`; a phrase is found when its own report is
   among the paths (it may occur in others too: every path is listed).
4. traditional → simplified: the same with phrases taken from the traditional copies,
   against the simplified index.
5. Snippets: for the first found phrase of each report in step 3, runs
   `zhsearch --index TRAD search --json -n 200 '"phrase"'` and checks the hit of its own
   report: every piece of the snippet is text of the traditional copy (the original
   characters, not the folded ones), and one highlight covers the traditional form of the
   phrase.

Prints a table. With --require R, exits 1 when a recall or the snippet share is below R;
2 on error.
The work folder is removed at the end unless --keep.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))
HAN_RUN = re.compile(r"[\u4e00-\u9fff]{6,}")
SNIPPET_HITS = 200


def load_converter():
    try:
        import opencc
    except ImportError:
        print("the opencc package is missing: pip install opencc", file=sys.stderr)
        sys.exit(2)
    return opencc.OpenCC("s2t.json")


def bench_reports(shards, limit):
    """limit reports spread evenly over the shards, as (file name, rendered text)."""
    sys.path.insert(0, shards)
    import materialize
    docs = list(materialize.iter_docs(shards))
    picks = sorted({int(k * len(docs) / limit) for k in range(min(limit, len(docs)))})
    out = []
    for n, i in enumerate(picks):
        doc = docs[i]
        out.append((f"{n:04d}_{doc['id'][-12:]}.txt", materialize.render(doc, False)))
    return out


def folder_reports(folder, limit):
    """limit .txt reports of folder spread evenly over its sorted paths."""
    paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                   if f.endswith(".txt"))
    picks = sorted({int(k * len(paths) / limit) for k in range(min(limit, len(paths)))})
    out = []
    for n, i in enumerate(picks):
        raw = open(paths[i], "rb").read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        out.append((f"{n:04d}_{os.path.basename(paths[i])}", text))
    return out


def paragraphs(text):
    """The body paragraphs of a rendered report: everything after the title and date lines."""
    lines = [line.strip() for line in text.split("\n")]
    body = [line for line in lines[1:] if line and not line.startswith(("时间:", "時間:"))]
    return body


def pick_phrases(text, n, rng):
    """Up to n phrases of 6–12 Han characters, each from a different run of Han characters
    inside a paragraph, as (paragraph index, start, end)."""
    runs = [(p, m.start(), m.end()) for p, para in enumerate(paragraphs(text))
            for m in HAN_RUN.finditer(para)]
    rng.shuffle(runs)
    out = []
    for p, a, b in runs[:n]:
        length = rng.randint(6, min(12, b - a))
        start = rng.randint(a, b - length)
        out.append((p, start, start + length))
    return out


def counterpart(src_paras, dst_paras, p, a, b, convert):
    """The other script's form of a phrase: the same characters of the other copy when the
    paragraph kept its length (the usual case), else the phrase converted alone."""
    if p < len(dst_paras) and len(dst_paras[p]) == len(src_paras[p]):
        return dst_paras[p][a:b]
    return convert(src_paras[p][a:b]) if convert else None


def zhsearch(binary, index, *args):
    proc = subprocess.run([binary, "--index", index, "search", *args], capture_output=True,
                          text=True)
    if proc.returncode not in (0, 1):
        print(f"zhsearch search {' '.join(args)} failed: {proc.stderr.strip()}", file=sys.stderr)
        sys.exit(2)
    return proc.stdout


def recall(binary, index, queries):
    """queries: (file name, phrase). Returns the found ones and the count."""
    found = []
    for name, phrase in queries:
        paths = zhsearch(binary, index, "-l", "--", f'"{phrase}"').split("\n")[:-1]
        if any(os.path.basename(p) == name for p in paths):
            found.append((name, phrase))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=500, help="reports (default 500)")
    ap.add_argument("--phrases", type=int, default=3, help="phrases per report (default 3)")
    ap.add_argument("--require", type=float, help="exit 1 when a figure is below this")
    ap.add_argument("--corpus", help="take reports from this folder of .txt files instead")
    ap.add_argument("--shards", default=BENCH, help="folder with docs-*.jsonl.gz")
    ap.add_argument("--zhsearch", default=os.path.join(ROOT, "target", "release", "zhsearch"))
    ap.add_argument("--work", help="work folder (default: a new /tmp/vocab-folding-*)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()

    converter = load_converter()
    reports = (folder_reports(args.corpus, args.limit) if args.corpus
               else bench_reports(args.shards, args.limit))
    work = args.work or tempfile.mkdtemp(prefix="vocab-folding-", dir="/tmp")
    try:
        simp_dir, trad_dir = os.path.join(work, "simp"), os.path.join(work, "trad")
        os.makedirs(simp_dir, exist_ok=True)
        os.makedirs(trad_dir, exist_ok=True)
        trad = {}
        for name, text in reports:
            trad[name] = converter.convert(text)
            with open(os.path.join(simp_dir, name), "w", encoding="utf-8") as f:
                f.write(text)
            with open(os.path.join(trad_dir, name), "w", encoding="utf-8") as f:
                f.write(trad[name])
        simp_index, trad_index = os.path.join(work, "simp-index"), os.path.join(work, "trad-index")
        for folder, index in ((simp_dir, simp_index), (trad_dir, trad_index)):
            if subprocess.run([args.zhsearch, "--index", index, "index", folder,
                               "--quiet"]).returncode != 0:
                print(f"indexing {folder} failed", file=sys.stderr)
                sys.exit(2)

        rng = random.Random(args.seed)
        s2t_queries, t2s_queries, trad_form = [], [], {}
        changed = {"s2t": 0, "t2s": 0}
        for name, text in reports:
            sp, tp = paragraphs(text), paragraphs(trad[name])
            for p, a, b in pick_phrases(text, args.phrases, rng):
                phrase = sp[p][a:b]
                s2t_queries.append((name, phrase))
                trad_form[(name, phrase)] = counterpart(sp, tp, p, a, b, converter.convert)
                changed["s2t"] += trad_form[(name, phrase)] != phrase
            for p, a, b in pick_phrases(trad[name], args.phrases, rng):
                phrase = tp[p][a:b]
                t2s_queries.append((name, phrase))
                changed["t2s"] += counterpart(tp, sp, p, a, b, None) != phrase

        found_s2t = recall(args.zhsearch, trad_index, s2t_queries)
        found_t2s = recall(args.zhsearch, simp_index, t2s_queries)

        # Snippets of the traditional index: the first found phrase of each report.
        checked = snippet_ok = highlight_ok = 0
        seen = set()
        for name, phrase in found_s2t:
            if name in seen:
                continue
            seen.add(name)
            out = json.loads(zhsearch(args.zhsearch, trad_index, "--json", "-n",
                                      str(SNIPPET_HITS), "--", f'"{phrase}"'))
            hit = next((h for h in out["hits"] if os.path.basename(h["path"]) == name), None)
            if hit is None:
                continue
            checked += 1
            original = trad[name]
            flat = " ".join(original.split())
            pieces = [p for p in hit["snippet"].replace("…", " ").split() if p]
            snippet_ok += bool(pieces) and all(p in original or p in flat for p in pieces)
            spans = [hit["snippet"][a:b] for a, b in hit["highlights"]]
            highlight_ok += trad_form[(name, phrase)] in spans
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def share(a, b):
        return a / b if b else 0.0

    rows = [("simplified phrase → traditional index", len(found_s2t), len(s2t_queries),
             changed["s2t"]),
            ("traditional phrase → simplified index", len(found_t2s), len(t2s_queries),
             changed["t2s"])]
    print(f"{len(reports)} reports, up to {args.phrases} phrases each (6–12 Han characters)")
    print(f"{'':40} {'found':>6} {'of':>6} {'recall':>7}  {'phrases that differ':>20}")
    for label, found, total, diff in rows:
        print(f"{label:40} {found:>6} {total:>6} {share(found, total):>7.3f}  {diff:>20}")
    print(f"{'snippets in the original characters':40} {snippet_ok:>6} {checked:>6} "
          f"{share(snippet_ok, checked):>7.3f}")
    print(f"{'highlights on the traditional phrase':40} {highlight_ok:>6} {checked:>6} "
          f"{share(highlight_ok, checked):>7.3f}")
    if not args.keep:
        print("(work folder removed)")
    else:
        print(f"work folder: {work}")
    if args.require is not None:
        figures = [share(len(found_s2t), len(s2t_queries)),
                   share(len(found_t2s), len(t2s_queries)),
                   share(snippet_ok, checked), share(highlight_ok, checked)]
        sys.exit(1 if min(figures) < args.require else 0)


if __name__ == "__main__":
    main()
