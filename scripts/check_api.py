#!/usr/bin/env python3
"""Check the web server against the substring truth and a stream of malformed requests.

usage: scripts/check_api.py CORPUS_DIR [--index DIR] [--n 40] [--zhsearch PATH]

1. Indexes CORPUS_DIR (incrementally) and starts `zhsearch serve` on a free loopback port.
2. Samples quoted phrases with ../shared/peers/make_queries.py and checks that /api/search's
   `total` equals the number of files containing the phrase, and that the search page marks
   the phrase with <mark>.
3. Sends malformed requests (unbalanced quotes, 200,000-character queries, control characters,
   invalid percent-encoded UTF-8, limit=abc, offset=-1, path traversal ids, …): every answer
   must be 4xx and /healthz must stay 200.
Exits 1 on any mismatch.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_status(port, path):
    """Status of a GET sent over a plain socket (urllib refuses some of these URLs)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        try:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        except OSError:
            pass
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return int(line.split(" ")[1]) if " " in line else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--index")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--zhsearch", default=os.path.join(ROOT, "target", "release", "zhsearch"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="zhsearch-api-")
    index = args.index or os.path.join(work, "index")
    subprocess.run([args.zhsearch, "--index", index, "index", args.corpus, "--quiet"], check=True)
    queries = os.path.join(work, "queries.jsonl")
    # make_queries splits n into groups; ask for enough to get n phrases.
    subprocess.run([sys.executable, os.path.join(PEERS, "make_queries.py"), args.corpus, queries,
                    "--n", str(args.n * 2), "--seed", str(args.seed)], check=True)
    phrases = [q for q in map(json.loads, open(queries, encoding="utf-8")) if q["kind"] == "phrase"][: args.n]

    port = free_port()
    server = subprocess.Popen([args.zhsearch, "--index", index, "serve", "--corpus", args.corpus,
                               "--addr", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    failures = 0
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        for q in phrases:
            quoted = urllib.parse.quote(f'"{q["phrase"]}"')
            got = json.load(urllib.request.urlopen(f"{base}/api/search?q={quoted}"))["total"]
            page = urllib.request.urlopen(f"{base}/?q={quoted}").read().decode()
            ok = got == len(q["truth"]) and (got == 0 or f"<mark>{q['phrase']}</mark>" in page
                                              or f'<mark id="m0">{q["phrase"]}</mark>' in page)
            failures += not ok
            print(f"{'ok ' if ok else 'BAD'} {q['phrase']}: total {got}, substring scan {len(q['truth'])}")
        bad = ["/api/search?q=%22%E5%85%9A", "/api/search?q=((((", "/api/search?q=OR",
               "/api/search?q=" + "a" * 200_000, "/api/search?q=" + "%E5%85%9A" * 200_000,
               "/api/search?q=" + "%01%02%7F" * 10, "/api/search?q=%FF%FE%C3%28",
               "/api/search?q=x&limit=abc", "/api/search?q=x&offset=-1", "/api/search?q=x&limit=100000",
               "/api/search?q=x&from=20xx", "/api/search?q=x&sort=%00", "/api/search?q=title:",
               "/api/doc/..%2F..%2F..%2Fetc%2Fpasswd", "/api/doc/../../etc/passwd",
               "/doc/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/api/doc/" + "f" * 5000, "/?q=%22%E5%85%9A",
               "/?q=x&limit=-5"]
        for path in bad:
            status = raw_status(port, path)
            healthy = urllib.request.urlopen(base + "/healthz").status == 200
            ok = 400 <= status < 500 and healthy
            failures += not ok
            print(f"{'ok ' if ok else 'BAD'} {status} {path[:70]}{'…' if len(path) > 70 else ''}")
    finally:
        server.terminate()
        server.wait()
    print(f"{len(phrases)} phrases, {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
