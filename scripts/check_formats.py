#!/usr/bin/env python3
"""Measure how faithfully zhsearch reads each office format, on a folder built by
scripts/make_formats.py; prints a markdown table per format.

usage: scripts/check_formats.py --folder OUT [--zhsearch target/release/zhsearch]
                                [--index DIR] [--phrases 5] [--seed 1] [--jobs 2]
                                [--no-throughput] [--details FILE] [--strict]

1. Indexes OUT/files with `zhsearch --index I index` (a fresh temporary index unless --index)
   and reads every report back with `zhsearch export --text`.
2. Per file of OUT/truth.jsonl: indexed or not; title right (compared after NFKC with all
   whitespace removed; a title zhsearch cut at 120 characters is compared on its first 120);
   date right (export's `date` = the truth's, both possibly null).
3. Phrase recall: up to --phrases phrases of 6-14 characters per file, taken from inside its
   paragraphs (for PDFs, first those that cross a line break in the PDF), each searched with
   `zhsearch search -l '"phrase"'` (--jobs at a time); a phrase counts when its file is among
   the results. A file that is not indexed misses all its phrases.
4. Boilerplate kept out: the share of indexed HTML pages whose text holds none of the strings
   the page added (navigation, footer, 备案号, sidebar titles, script and style content), and
   of indexed PDFs of two pages or more (where header and footer repeat) holding neither their
   running header nor a 第N页共M页 footer (compared with whitespace removed).
5. Throughput (unless --no-throughput): each format's subfolder is indexed alone into a fresh
   index and timed; MB/s = MB of text zhsearch extracted (export --text, UTF-8) per second of
   that `index` run. `extraction MB/s` subtracts the time of indexing the same reports written
   as .txt files (title, date line, paragraphs), which leaves what reading the format costs.
   Timings are only meaningful on an otherwise idle machine.
Works with any zhsearch: formats it does not read show 0 indexed. --details writes one JSON
line per file that missed anything (skip message from `index`, title/date got and wanted,
missed phrases, leaked boilerplate). --strict exits 1 when a format misses the targets of
issue 11 (all indexed; title and date ≥ 95%; phrases ≥ 99%; boilerplate kept out ≥ 90%).
Standard library only.
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KINDS = ["docx-lo", "docx-pandoc", "doc", "wps", "odt", "pdf", "html"]
MAX_TITLE_CHARS = 120
SPACE = re.compile(r"\s+")


def norm(s):
    return SPACE.sub("", unicodedata.normalize("NFKC", s or "")).casefold()


def title_right(got, want):
    if got is None:
        return False
    want = " ".join(want.split())
    if len(want) > MAX_TITLE_CHARS:
        return norm(got.rstrip("…")) == norm(want[:MAX_TITLE_CHARS])
    return norm(got) == norm(want)


def phrases_for(t, n, seed):
    """Up to n phrases of 6-14 characters from inside the file's paragraphs."""
    rnd = random.Random("%s\0%s" % (seed, t["path"]))
    out = []
    for p in t.get("crossing", [])[:2]:
        if usable(p):
            out.append(p)
    paras = [p for p in t["paragraphs"] if len(p) >= 8]
    weights = [len(p) for p in paras]
    tries = 0
    while paras and len(out) < n and tries < 50 * n:
        tries += 1
        p = rnd.choices(paras, weights)[0]
        size = rnd.randint(6, min(14, len(p)))
        start = rnd.randint(0, len(p) - size)
        phrase = p[start:start + size]
        if usable(phrase) and phrase not in out:
            out.append(phrase)
    return out


def usable(phrase):
    """A phrase the query syntax takes verbatim inside quotes, with some text in it."""
    return (phrase == phrase.strip() and '"' not in phrase and "\\" not in phrase
            and sum(c.isalnum() for c in phrase) >= 4)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def index(zh, idx, folder):
    """`zhsearch index`; returns (seconds, stderr). Exit 1 (some files skipped) is fine."""
    t0 = time.monotonic()
    p = run([zh, "--index", idx, "index", "--quiet", folder])
    took = time.monotonic() - t0
    if p.returncode not in (0, 1):
        sys.exit("zhsearch index %s failed (exit %d): %s" % (folder, p.returncode, p.stderr.strip()))
    return took, p.stderr


def export(zh, idx):
    p = run([zh, "--index", idx, "export", "--text"])
    if p.returncode != 0:
        sys.exit("zhsearch export failed (exit %d): %s" % (p.returncode, p.stderr.strip()))
    return {r["path"]: r for r in map(json.loads, filter(None, p.stdout.splitlines()))}


def search_files(zh, idx, phrase):
    p = run([zh, "--index", idx, "search", "-l", "--", '"%s"' % phrase])
    if p.returncode == 1:
        return set(), None
    if p.returncode != 0:
        return set(), p.stderr.strip()
    return set(l for l in p.stdout.splitlines() if l), None


def pct(k, n):
    return "—" if n == 0 else "%.1f%% (%d/%d)" % (100.0 * k / n, k, n)


def txt_of(t):
    return "%s\n\n%s\n\n%s\n" % (t["title"], t["date_line"], "\n\n".join(t["paragraphs"]))


def throughput(zh, folder, truth, tmp):
    rows = {}
    for kind in KINDS:
        sub = os.path.join(folder, "files", kind)
        if not os.path.isdir(sub):
            continue
        idx = os.path.join(tmp, "tp-" + kind)
        took, _ = index(zh, idx, sub)
        mb = sum(len(r.get("text", "").encode("utf-8")) for r in export(zh, idx).values()) / 1e6
        shutil.rmtree(idx)
        txt_dir = os.path.join(tmp, "txt-" + kind)
        os.makedirs(txt_dir)
        for t in truth:
            if t["kind"] == kind:
                name = os.path.basename(t["path"]).rsplit(".", 1)[0] + ".txt"
                with open(os.path.join(txt_dir, name), "w", encoding="utf-8") as f:
                    f.write(txt_of(t))
        idx_txt = os.path.join(tmp, "tp-txt-" + kind)
        took_txt, _ = index(zh, idx_txt, txt_dir)
        shutil.rmtree(idx_txt)
        shutil.rmtree(txt_dir)
        rows[kind] = (mb, took, took_txt)
        print("timed %s: %.2f MB in %.2f s (as .txt: %.2f s)" % (kind, mb, took, took_txt),
              file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", required=True, help="output folder of make_formats.py")
    ap.add_argument("--zhsearch", default=os.path.join(ROOT, "target", "release", "zhsearch"))
    ap.add_argument("--index", help="index folder (default: a temporary one)")
    ap.add_argument("--phrases", type=int, default=5)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--jobs", type=int, default=2, help="searches run at once")
    ap.add_argument("--no-throughput", action="store_true")
    ap.add_argument("--details", help="write one JSON line per file that missed anything")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()

    zh = os.path.abspath(args.zhsearch)
    folder = os.path.abspath(args.folder)
    with open(os.path.join(folder, "truth.jsonl"), encoding="utf-8") as f:
        truth = [json.loads(l) for l in f if l.strip()]
    tmp = tempfile.mkdtemp(prefix="formats-check-", dir="/tmp")
    idx = os.path.abspath(args.index) if args.index else os.path.join(tmp, "index")
    try:
        took, log = index(zh, idx, os.path.join(folder, "files"))
        print("indexed %s in %.1f s" % (folder, took), file=sys.stderr)
        got = export(zh, idx)
        by_name = {os.path.basename(t["path"]): t["path"] for t in truth}
        skipped = {}
        for line in log.splitlines():
            for name, path in by_name.items():
                if name in line:
                    skipped[path] = line.strip()

        # phrases, searched --jobs at a time
        queries = []
        for t in truth:
            for ph in phrases_for(t, args.phrases, args.seed):
                queries.append((t["path"], ph))
        found = {}
        errors = []
        todo = [(p, ph) for p, ph in queries if p in got]
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(search_files, zh, idx, ph): (p, ph) for p, ph in todo}
            for i, fut in enumerate(concurrent.futures.as_completed(futures), 1):
                p, ph = futures[fut]
                hits, err = fut.result()
                found[(p, ph)] = p in hits
                if err:
                    errors.append("%s: %s" % (ph, err))
                if i % 200 == 0:
                    print("searched %d/%d phrases" % (i, len(todo)), file=sys.stderr)

        stats = {k: {"files": 0, "indexed": 0, "title": 0, "date": 0, "ph": 0, "ph_ok": 0,
                     "pages": 0, "clean": 0} for k in KINDS + ["all"]}
        details = []
        for t in truth:
            r = got.get(t["path"])
            ok_title = r is not None and title_right(r.get("title"), t["title"])
            ok_date = r is not None and r.get("date") == t["date"]
            mine = [ph for p, ph in queries if p == t["path"]]
            missed = [ph for ph in mine if not found.get((t["path"], ph), False)]
            leaked = []
            measured = t.get("boilerplate") is not None and t.get("pages", 2) >= 2
            if r is not None and measured:
                text = norm(r.get("text", ""))
                leaked = [b for b in t.get("boilerplate", []) if norm(b) in text]
            for k in (t["kind"], "all"):
                s = stats[k]
                s["files"] += 1
                s["indexed"] += r is not None
                s["title"] += ok_title
                s["date"] += ok_date
                s["ph"] += len(mine)
                s["ph_ok"] += len(mine) - len(missed)
                if r is not None and measured:
                    s["pages"] += 1
                    s["clean"] += not leaked
            if r is None or not ok_title or not ok_date or missed or leaked:
                d = {"path": t["path"], "kind": t["kind"], "indexed": r is not None}
                if r is None:
                    d["skipped"] = skipped.get(t["path"], "not indexed")
                else:
                    if not ok_title:
                        d["title"] = {"got": r.get("title"), "want": t["title"]}
                    if not ok_date:
                        d["date"] = {"got": r.get("date"), "want": t["date"]}
                    if missed:
                        d["missed_phrases"] = missed
                    if leaked:
                        d["leaked"] = leaked
                details.append(d)

        tp = {} if args.no_throughput else throughput(zh, folder, truth, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    head = ["format", "files", "indexed", "title right", "date right", "phrase recall",
            "boilerplate kept out"]
    if tp:
        head += ["text MB", "index s", "MB/s", "as .txt s", "extraction MB/s"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    failing = []
    for k in KINDS + ["all"]:
        s = stats[k]
        if s["files"] == 0:
            continue
        row = [k if k != "all" else "**all**", str(s["files"]), pct(s["indexed"], s["files"]),
               pct(s["title"], s["files"]), pct(s["date"], s["files"]), pct(s["ph_ok"], s["ph"]),
               pct(s["clean"], s["pages"]) if k in ("html", "pdf", "all") else ""]
        if tp:
            if k in tp:
                mb, took, took_txt = tp[k]
                extra = took - took_txt
                row += ["%.2f" % mb, "%.2f" % took, "%.2f" % (mb / took) if mb else "—",
                        "%.2f" % took_txt, "%.2f" % (mb / extra) if mb and extra > 0 else "—"]
            else:
                row += [""] * 5
        print("| " + " | ".join(row) + " |")
        if k != "all" and (s["indexed"] < s["files"] or s["title"] < 0.95 * s["files"]
                           or s["date"] < 0.95 * s["files"] or s["ph_ok"] < 0.99 * s["ph"]
                           or s["clean"] < 0.9 * s["pages"]):
            failing.append(k)
    if errors:
        print("\n%d searches failed, e.g. %s" % (len(errors), errors[0]), file=sys.stderr)
    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            for d in details:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        print("details of %d files in %s" % (len(details), args.details), file=sys.stderr)
    if args.strict and failing:
        print("below target: %s" % ", ".join(failing), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
