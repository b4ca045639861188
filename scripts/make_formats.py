#!/usr/bin/env python3
"""Build a folder of bench reports in every office format zhsearch reads, made by the real
producers, with the truth about each file; scripts/check_formats.py measures zhsearch on it.

usage: scripts/make_formats.py OUT [--limit 300] [--bench ../shared/bench] [--seed formats-1]

Setup (Debian/Ubuntu, as root; nothing from PyPI):
    apt-get install -y libreoffice-writer-nogui fonts-noto-cjk fonts-wqy-microhei pandoc \\
        poppler-utils

OUT/files/<kind>/NNNN_<id>.<ext> — each report becomes one kind, round-robin:
    docx-lo      .docx by LibreOffice (soffice --convert-to docx) from flat ODF
    docx-pandoc  .docx by pandoc from Markdown (title and date in the YAML block)
    doc          .doc by LibreOffice (--convert-to 'doc:MS Word 97')
    wps          the same LibreOffice .doc under a .wps name (WPS's legacy format is the
                 same compound-file layout)
    odt          .odt by LibreOffice
    pdf          .pdf by LibreOffice: 16 or 14 pt; Noto Serif CJK (Type 1 subsets) or
                 WenQuanYi Micro Hei (TrueType subsets); page numbers; a running header on
                 every other file; Title metadata = the title, none, or "Microsoft Word - …"
    html         a whole page of a party-building site around the article (nav, breadcrumbs,
                 sidebar, footer with 备案号, script, style): UTF-8 with <meta charset>, GBK
                 declared as gb2312, or GBK with no declaration, in turn
A report with six paragraphs or more has its 4th and 5th as a bulleted list.

OUT/truth.jsonl — one JSON object per file: path (relative to OUT/files, with /), kind,
format (extension), producer, id, title, date (YYYY-MM-DD: what zhsearch's date rule finds in
the original text, title + date line + paragraphs), date_line, paragraphs (the original text
lines); for PDFs `pdf` (font, size, header, Title metadata), `pages`, `crossing` (phrases of a
paragraph that cross a line break in the PDF, by pdftotext) and `boilerplate` (the running
header and the page footers, 第N页共M页 without spaces); for HTML `boilerplate` (the strings the
page adds that are not in the article) and `charset`.

Reports are a deterministic sample of the bench (by a hash of each id with --seed), so every
year is represented. LibreOffice converts a whole batch per call (one process at a time).
Standard library only.
"""
import argparse
import glob
import gzip
import hashlib
import heapq
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import docgen  # noqa: E402

KINDS = ["docx-lo", "docx-pandoc", "doc", "wps", "odt", "pdf", "html"]
EXT = {"docx-lo": "docx", "docx-pandoc": "docx", "doc": "doc", "wps": "wps", "odt": "odt",
       "pdf": "pdf", "html": "html"}
BATCH = 60  # files per soffice call

DATE_FORMS = [
    lambda y, m, d: "时间：%04d-%02d-%02d" % (y, m, d),
    lambda y, m, d: "发布时间：%d年%d月%d日" % (y, m, d),
    lambda y, m, d: "日期：%04d/%02d/%02d" % (y, m, d),
    lambda y, m, d: "%04d-%02d-%02d" % (y, m, d),
]
JUNK_TITLE = "Microsoft Word - 文档1.docx"
HEADER = "新闻联播文字稿"


# --- zhsearch's date rule (src/ingest/extract.rs find_date), for the truth ---------------------

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
DATE_RE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})")


def valid(y, m, d):
    if not (1 <= m <= 12 and d >= 1):
        return False
    days = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31,
            31, 30, 31, 30, 31][m - 1]
    return d <= days


def find_date(text):
    """The first date in the first six non-empty lines, lines labelled 时间/日期 first."""
    lines = [l.strip() for l in text.splitlines() if l.strip()][:6]

    def parse(line):
        for m in DATE_RE.finditer(unicodedata.normalize("NFKC", line)):
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if valid(y, mo, d):
                return "%04d-%02d-%02d" % (y, mo, d)
        return None
    for l in lines:
        if "时间" in l or "日期" in l:
            found = parse(l)
            if found:
                return found
    for l in lines:
        found = parse(l)
        if found:
            return found
    return None


# --- choosing and shaping the reports ---------------------------------------------------------

def sample(bench, limit, seed):
    """The `limit` documents whose hash of (seed, id) is smallest, in that order."""
    heap = []
    shards = sorted(glob.glob(os.path.join(bench, "docs-*.jsonl.gz")))
    if not shards:
        sys.exit("no docs-*.jsonl.gz in %s" % bench)
    for shard in shards:
        with gzip.open(shard, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                title = " ".join((d.get("title") or "").split())
                text = d.get("text") or ""
                if not title or not text.strip() or CONTROL.search(title + text):
                    continue
                key = hashlib.sha1((seed + "\0" + d["id"]).encode()).digest()
                item = (-int.from_bytes(key[:8], "big"), d["id"], title, d.get("date") or "", text)
                if len(heap) < limit:
                    heapq.heappush(heap, item)
                elif item > heap[0]:
                    heapq.heapreplace(heap, item)
    return [{"id": i, "title": t, "date": dt, "text": x}
            for _, i, t, dt, x in sorted(heap, reverse=True)]


def report(doc, n):
    paras = [p.strip() for p in doc["text"].split("\n") if p.strip()]
    y, m, d = (int(x) for x in doc["date"].split("-"))
    date_line = DATE_FORMS[n % len(DATE_FORMS)](y, m, d)
    blocks = [("p", p) for p in paras]
    if len(paras) >= 6:
        blocks = blocks[:3] + [("list", paras[3:5])] + blocks[5:]
    original = "\n".join([doc["title"], date_line] + paras)
    return {"title": doc["title"], "date_line": date_line, "blocks": blocks}, paras, \
        find_date(original)


def line_crossing(pdf, paragraphs, limit=3):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                          text=True).stdout
    lines = [l.replace(" ", "") for l in text.splitlines() if l.strip()]
    found = []
    for a, b in zip(lines, lines[1:]):
        if len(a) < 5 or len(b) < 5:
            continue
        phrase = a[-5:] + b[:5]
        if phrase not in found and '"' not in phrase and any(phrase in p for p in paragraphs):
            found.append(phrase)
    step = max(1, len(found) // limit)
    return found[::step][:limit]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--bench", default=os.path.normpath(os.path.join(ROOT, "..", "shared", "bench")))
    ap.add_argument("--seed", default="formats-1")
    args = ap.parse_args()

    out = os.path.abspath(args.out)
    files = os.path.join(out, "files")
    if os.path.exists(files):
        sys.exit("%s exists; remove it first" % files)
    tmp = tempfile.mkdtemp(prefix="formats-gen-", dir="/tmp")
    profile = os.path.join(tmp, "lo-profile")
    versions = docgen.versions()
    docs = sample(args.bench, args.limit, args.seed)
    titles = [d["title"] for d in docs]

    truth = []
    lo_jobs = {}   # target format -> [(source fodt, final path)]
    for n, doc in enumerate(docs):
        kind = KINDS[n % len(KINDS)]
        turn = n // len(KINDS)  # the how-many-th file of its kind: picks the variants
        r, paras, date = report(doc, turn)
        rel = "%s/%04d_%s.%s" % (kind, n, doc["id"].split("-")[-1][:16], EXT[kind])
        path = os.path.join(files, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        t = {"path": rel, "kind": kind, "format": EXT[kind], "id": doc["id"],
             "title": doc["title"], "date": date, "date_line": r["date_line"],
             "paragraphs": paras}
        if kind == "docx-pandoc":
            md = os.path.join(tmp, "%04d.md" % n)
            with open(md, "w", encoding="utf-8") as f:
                f.write(docgen.to_markdown(r))
            docgen.pandoc_docx(md, path)
            t["producer"] = versions["pandoc"]
        elif kind == "html":
            others = [titles[(n + k) % len(titles)] for k in range(1, 8)]
            charset = ["utf-8", "gb2312", None][turn % 3]
            page, boiler = docgen.to_html(r, others[:4], others[4:], charset=charset)
            data = page.encode("utf-8" if charset == "utf-8" else "gbk", errors="xmlcharrefreplace")
            with open(path, "wb") as f:
                f.write(data)
            article = [doc["title"], r["date_line"]] + paras
            t["boilerplate"] = [b for b in boiler if not any(b in a for a in article)]
            t["charset"] = charset or "gbk (undeclared)"
            t["producer"] = "scripts/docgen.py to_html"
        else:
            if kind == "pdf":
                r["page_numbers"] = True
                r["font_pt"] = [16, 14, 16][turn % 3]  # 16 pt (三号) is the 公文 standard
                if turn % 2:
                    r["font"] = docgen.TRUETYPE
                if turn % 4 in (1, 2):
                    r["header"] = HEADER
                r["meta_title"] = [doc["title"], None, JUNK_TITLE][(turn // 3) % 3]
                t["pdf"] = {"font_pt": r["font_pt"], "font": r.get("font", docgen.SERIF),
                            "header": r.get("header"), "meta_title": r["meta_title"]}
            fodt = os.path.join(tmp, "%04d.fodt" % n)
            with open(fodt, "w", encoding="utf-8") as f:
                f.write(docgen.to_fodt(r))
            target = {"docx-lo": "docx", "doc": "doc:MS Word 97", "wps": "doc:MS Word 97",
                      "odt": "odt", "pdf": "pdf"}[kind]
            lo_jobs.setdefault(target, []).append((fodt, path))
            t["producer"] = versions["soffice"]
        truth.append(t)
        if (n + 1) % 50 == 0:
            print("%d/%d sources written" % (n + 1, len(docs)), file=sys.stderr)

    for target, jobs in lo_jobs.items():
        ext = target.split(":")[0]
        for i in range(0, len(jobs), BATCH):
            batch = jobs[i:i + BATCH]
            conv = os.path.join(tmp, "conv")
            docgen.soffice([src for src, _ in batch], target, conv, profile)
            for src, final in batch:
                made = os.path.join(conv, os.path.basename(src)[:-len(".fodt")] + "." + ext)
                if not os.path.exists(made):
                    sys.exit("LibreOffice made no %s from %s" % (ext, src))
                shutil.move(made, final)
            print("soffice %s: %d/%d" % (ext, min(i + BATCH, len(jobs)), len(jobs)),
                  file=sys.stderr)

    for t in truth:
        if t["kind"] == "pdf":
            pdf = os.path.join(files, t["path"])
            t["crossing"] = line_crossing(pdf, t["paragraphs"])
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
            pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
            boiler = ["第%d页共%d页" % (i, pages) for i in range(1, pages + 1)]
            if t["pdf"]["header"]:
                boiler.append(t["pdf"]["header"])
            article = [t["title"], t["date_line"]] + t["paragraphs"]
            t["pages"] = pages
            t["boilerplate"] = [b for b in boiler if not any(b in a for a in article)]
    with open(os.path.join(out, "truth.jsonl"), "w", encoding="utf-8") as f:
        for t in truth:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    shutil.rmtree(tmp)
    counts = {}
    for t in truth:
        counts[t["kind"]] = counts.get(t["kind"], 0) + 1
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(files) for f in fs)
    print("%d files (%s), %.1f MB, in %s; truth in %s" % (
        len(truth), ", ".join("%s %d" % kv for kv in counts.items()), size / 1e6, files,
        os.path.join(out, "truth.jsonl")))


if __name__ == "__main__":
    main()
