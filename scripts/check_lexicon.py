#!/usr/bin/env python3
"""Check the bundled lexicon (src/vocabulary/data/lexicon.txt) against a folder of reports.

usage: scripts/check_lexicon.py CORPUS_DIR [--index DIR] [--zhsearch PATH] [--lexicon FILE]
                                [--synonyms FILE] [--segmentation] [--show N]

Needs the `jieba` package (pip install jieba): the segmentation of the terms is reported
with the jieba that zhsearch's segmenter (jieba-rs) ports, on the same dictionary.

1. Reads CORPUS_DIR (.txt and .md, UTF-8 or GB18030) and finds, by a substring scan of the
   normalized text (NFKC, lower case, as zhsearch normalizes), the reports that contain each
   lexicon term.
2. Indexes CORPUS_DIR with `zhsearch --index DIR index` (incremental: an index of the same
   folder is reused; default /tmp/vocab-lexicon-index) and, for each term that occurs, runs
   `zhsearch search -l TERM` (unquoted) and `zhsearch search -l '"TERM"'` (quoted).
3. Prints the terms whose two result sets differ, each with the reason: the term has
   synonyms (synonyms.txt), it contains punctuation or a character jieba separates at like
   punctuation (〇; the query splits there), or it is an unexpected difference, shown with
   the words stock jieba cuts it into. A quoted phrase
   that differs from the substring scan is a broken exact-match guarantee and always
   unexpected.

With --segmentation, step 2 and 3 are replaced by a check of the dictionary itself, without
the binary: which terms stock jieba already keeps whole, and which are not one word after
`jieba.load_userdict(lexicon)`, alone and inside up to three sentences of CORPUS_DIR that
contain them (three fixed sentences when none does); whether every word that a synonym rule
expands is one word with the lexicon (a rule fires only on a whole word); and which terms occur
in at least twice as many reports once quotation marks and 、 are removed (“一带一路”倡议: such
a term would make its unquoted query miss those reports).

Exit status: 0 when every difference is expected, 1 when some are not, 2 on error. With
--segmentation: 1 when a term is not one word alone or is split between its own characters in
a sentence, or a word that a synonym rule expands is not one word.
"""
import argparse
import bisect
import os
import re
import subprocess
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "src", "vocabulary", "data")
# The runs of characters jieba segments; anything else (〇 too) ends a run, like punctuation.
JIEBA_BLOCK = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%-]+")
SENTENCE_END = re.compile(r"[。！？；!?;\n]")
TEMPLATES = ["会议强调，要深入学习贯彻{}的重要要求。",
             "各地把{}作为一项重要工作来抓，取得新成效。",
             "他说，{}是我们必须长期坚持的。"]


def normalize(text):
    """What zhsearch indexes and queries: NFKC, Latin lower case, unified line endings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFKC", text).lower()


def is_word_char(c):
    """zhsearch's word characters: letters and digits of any script (Han included)."""
    return c.isalnum()


def pad(text, width):
    """text left-aligned in width terminal columns (Han characters take two)."""
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - cols, 1)


def load_lexicon(path):
    terms = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if fields:
                terms.append(fields[0])
    return terms


def load_synonyms(path):
    """The terms whose unquoted query a synonym rule expands: every term of an equivalence
    (`a, b, c`) and the left side of a one-way rule (`a => b, c`)."""
    expanded = set()
    if not path or not os.path.exists(path):
        return expanded
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if "=>" in line:
                left = line.split("=>", 1)[0]
                expanded.update(normalize(t.strip()) for t in left.split(",") if t.strip())
            else:
                expanded.update(normalize(t.strip()) for t in line.split(",") if t.strip())
    return expanded


def read_corpus(folder):
    """Relative path → normalized text of every .txt/.md file under folder."""
    docs = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            if not name.endswith((".txt", ".md")):
                continue
            path = os.path.join(dirpath, name)
            raw = open(path, "rb").read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("gb18030", errors="replace")
            docs[os.path.relpath(path, folder)] = normalize(text.lstrip("\ufeff"))
    return docs


class Corpus:
    """All texts joined, to find the reports (and sentences) containing a string quickly."""

    def __init__(self, docs):
        self.docs = docs
        self.paths = sorted(docs)
        self.starts = []
        parts, pos = [], 0
        for p in self.paths:
            self.starts.append(pos)
            parts.append(docs[p])
            pos += len(docs[p]) + 1
        self.text = "\0".join(parts)

    def positions(self, s):
        i = self.text.find(s)
        while i >= 0:
            yield i
            i = self.text.find(s, i + 1)

    def reports(self, s):
        return {self.paths[bisect.bisect_right(self.starts, i) - 1] for i in self.positions(s)}

    def sentences(self, s, n=3, longest=120):
        found = []
        for i in self.positions(s):
            a = i
            while a > 0 and not SENTENCE_END.match(self.text[a - 1]) and self.text[a - 1] != "\0":
                a -= 1
            b = i + len(s)
            while b < len(self.text) and not SENTENCE_END.match(self.text[b]) and self.text[b] != "\0":
                b += 1
            sentence = self.text[a:b].strip()
            if len(sentence) <= longest and sentence != s and sentence not in found:
                found.append(sentence)
                if len(found) == n:
                    break
        return found


def cut_at(jieba, term, sentence):
    """How jieba cuts each occurrence of term in sentence: "whole" when one word holds it,
    "overlap" when a word crossing its edge joins its first or last characters to the
    neighbouring text (学思想 in 科学思想: the characters are not the term there), "split"
    when jieba cuts between its own characters though both edges are word boundaries."""
    spans = [(start, end) for _, start, end in jieba.tokenize(sentence)]
    starts = [s for s, _ in spans]
    verdicts = []
    i = sentence.find(term)
    while i >= 0:
        j = i + len(term)
        k = bisect.bisect_right(starts, i) - 1
        if spans[k][1] >= j:
            verdicts.append("whole")
        elif spans[k][0] < i or any(s < j < e for s, e in spans):
            verdicts.append("overlap")
        else:
            verdicts.append("split")
        i = sentence.find(term, i + 1)
    return verdicts


def check_segmentation(terms, corpus, lexicon, expanded):
    import jieba
    jieba.setLogLevel(60)
    stock = {t: jieba.lcut(t) for t in terms}
    jieba.load_userdict(lexicon)
    separated = [t for t in terms if not all(is_word_char(c) for c in t)]
    jieba_separated = [t for t in terms if t not in separated and not JIEBA_BLOCK.fullmatch(t)]
    whole_stock = [t for t in terms if stock[t] == [t]]
    alone, in_context, overlaps = [], [], []
    for t in terms:
        if t in separated or t in jieba_separated:
            continue
        if jieba.lcut(t) != [t]:
            alone.append((t, jieba.lcut(t)))
            continue
        sentences = (corpus.sentences(t) if corpus else []) or [x.format(t) for x in TEMPLATES]
        cuts = {s: cut_at(jieba, t, s) for s in sentences}
        split = [s for s in sentences if "split" in cuts[s]]
        overlap = [s for s in sentences if "overlap" in cuts[s] and s not in split]
        if split:
            in_context.append((t, len(sentences), split))
        if overlap:
            overlaps.append((t, len(sentences), overlap))
    print(f"{len(terms)} terms; stock jieba already keeps {len(whole_stock)} whole:")
    print("  " + " ".join(whole_stock))
    print(f"{len(separated)} contain punctuation (a query splits there, no jieba word can hold them):")
    print("  " + " ".join(separated))
    if jieba_separated:
        print(f"{len(jieba_separated)} contain a character jieba treats as a separator:")
        print("  " + " ".join(jieba_separated))
    print(f"with the lexicon: {len(alone)} not one word alone, {len(in_context)} split inside "
          f"some of their sentences, {len(overlaps)} overlapping a neighbouring word in some")
    for t, cut in alone:
        print(f"  alone: {t} → {'/'.join(cut)}")
    for label, rows in (("split", in_context), ("overlap", overlaps)):
        for t, n, sentences in rows:
            print(f"  {label}: {t} ({len(sentences)} of {n} sentences)")
            for s in sentences:
                print(f"      {'/'.join(jieba.lcut(s))}")
    # A synonym rule can only fire on a word the segmenter keeps whole.
    not_words = sorted(t for t in expanded if jieba.lcut(t) != [t])
    print(f"{len(expanded)} words of synonyms.txt that expand a query; not one jieba word with "
          f"the lexicon: {len(not_words)}")
    for t in not_words:
        print(f"  {t} → {'/'.join(jieba.lcut(t))}")
    # A term usually written with quotation marks or 、 inside (“一带一路”倡议) makes its
    # unquoted query miss those reports: such terms are better left to their parts.
    if corpus:
        marks = re.compile("[“”\"‘’《》、·]")
        plain = Corpus({p: marks.sub("", t) for p, t in corpus.docs.items()})
        quoted = []
        for t in terms:
            if t in separated:
                continue
            n, m = len(corpus.reports(t)), len(plain.reports(t))
            if m >= 2 * n and m - n >= 3:
                quoted.append(f"{t} ({n}, {m} without the marks)")
        print(f"{len(quoted)} terms occur in at least twice as many reports once quotation marks "
              f"and 、 are removed:")
        for q in quoted:
            print("  " + q)
    return bool(alone or in_context or not_words)


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def search(zhsearch, index, query):
    proc = subprocess.run([zhsearch, "--index", index, "search", "-l", "--", query],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        fail(f"query {query!r} failed: {proc.stderr.strip()}")
    return set(proc.stdout.split("\n")[:-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--index", default="/tmp/vocab-lexicon-index")
    ap.add_argument("--zhsearch", default=os.path.join(ROOT, "target", "release", "zhsearch"))
    ap.add_argument("--lexicon", default=os.path.join(DATA, "lexicon.txt"))
    ap.add_argument("--synonyms", default=os.path.join(DATA, "synonyms.txt"))
    ap.add_argument("--segmentation", action="store_true",
                    help="check the dictionary with jieba instead of the binary")
    ap.add_argument("--show", type=int, default=1000, help="exceptions to print")
    args = ap.parse_args()

    terms = load_lexicon(args.lexicon)
    corpus_root = os.path.abspath(args.corpus)
    corpus = Corpus(read_corpus(corpus_root))
    truth = {t: corpus.reports(normalize(t)) for t in terms}
    occurring = [t for t in terms if truth[t]]
    print(f"{len(terms)} lexicon terms, {len(occurring)} occur in {len(corpus.paths)} reports "
          f"of {args.corpus}")
    if args.segmentation:
        expanded = load_synonyms(args.synonyms)
        sys.exit(1 if check_segmentation(terms, corpus, args.lexicon, expanded) else 0)

    import jieba
    jieba.setLogLevel(60)
    expanded = load_synonyms(args.synonyms)
    indexed = subprocess.run([args.zhsearch, "--index", args.index, "index", corpus_root,
                              "--quiet"])
    if indexed.returncode not in (0, 1):  # 1: some files were skipped, and named
        fail(f"indexing {corpus_root} failed")

    def rel(paths):
        return {os.path.relpath(p, corpus_root) if os.path.isabs(p) else p for p in paths}

    rows, unexpected, broken = [], 0, 0
    for t in occurring:
        quoted = rel(search(args.zhsearch, args.index, f'"{t}"'))
        unquoted = rel(search(args.zhsearch, args.index, t))
        if quoted != truth[t]:
            broken += 1
            rows.append((t, "UNEXPECTED: the quoted phrase differs from the substring scan "
                         f"({len(quoted - truth[t])} extra, {len(truth[t] - quoted)} missed)",
                         len(unquoted), len(quoted)))
            continue
        if unquoted == quoted:
            continue
        if normalize(t) in expanded:
            reason = "synonyms"
        elif not all(is_word_char(c) for c in t):
            reason = "contains punctuation"
        elif not JIEBA_BLOCK.fullmatch(t):
            reason = "jieba separator"
        else:
            unexpected += 1
            reason = "UNEXPECTED: stock jieba cuts it " + "/".join(jieba.lcut(t))
        rows.append((t, reason, len(unquoted), len(quoted)))

    print(f"{len(occurring) - len(rows)} of {len(occurring)} occurring terms: unquoted = quoted")
    print(f"{len(rows)} differ: {sum(r[1] == 'synonyms' for r in rows)} have synonyms, "
          f"{sum(r[1] == 'contains punctuation' for r in rows)} contain punctuation, "
          f"{sum(r[1] == 'jieba separator' for r in rows)} a character jieba separates at, "
          f"{unexpected} unexpected, {broken} quoted phrases not exact")
    print(f"{pad('term', 34)}{'unquoted':>8} {'quoted':>7}  reason")
    for t, reason, u, q in rows[:args.show]:
        print(f"{pad(t, 34)}{u:>8} {q:>7}  {reason}")
    sys.exit(1 if unexpected or broken else 0)


if __name__ == "__main__":
    main()
