#!/usr/bin/env python3
"""The cluster benchmark: push throughput and query latency through a Quickwit cluster, beside
the local index, in one run.

usage: scripts/bench_cluster.py [--work DIR] [--n 200] [--seed 20240601] [--runs 5]
                                [--nodes 1,2] [--quickwit PATH]

Uses the folder, index and queries of scripts/bench.py in --work (materializing and indexing
them when absent). For a cluster of each size (loopback, file-backed metastore and storage in a
temporary folder; with two nodes the second is a searcher seeded with the first and queries go
through it): times a full `zhsearch push` (MB/s of text, reports/s) and a push with nothing to
send, then serves the same queries through `zhsearch serve --engine` and through a local
`zhsearch serve` and times `/api/search` (a page of 10 with the total): the median of --runs per
query, then the median and p95 per query group. The server's debug log says, per search, how
many hits were checked against their stored text, how many the check dropped, and how long it
took: what the exact-match guarantee costs on the cluster. Totals of the two engines are
compared query by query. Prints a Markdown section.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
ZH = os.path.join(ROOT, "target", "release", "zhsearch")
GROUPS = ["phrase_aligned", "phrase_unaligned", "and", "rare", "common"]
INDEX_ID = "bench"
DEBUG_LINE = re.compile(r"cluster search: (\d+) candidates, (\d+) hits checked against their text, (\d+) kept, in ([\d.]+) ms")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def free_port(span=2):
    """A port P with TCP P..P+span-1 and UDP P free (Quickwit: REST, gRPC, gossip)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + span > 65535:
            continue
        try:
            socks = []
            for p in range(port, port + span):
                t = socket.socket()
                t.bind(("127.0.0.1", p))
                socks.append(t)
            u = socket.socket(type=socket.SOCK_DGRAM)
            u.bind(("127.0.0.1", port))
            socks.append(u)
            for s in socks:
                s.close()
            return port
        except OSError:
            continue


def wait_http(url, timeout=120):
    started = time.time()
    while time.time() - started < timeout:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


class Cluster:
    """Quickwit nodes on loopback: node 0 owns the metastore, the others are searchers."""

    def __init__(self, binary, nodes):
        self.dir = tempfile.mkdtemp(prefix="zhsearch-qw-")
        self.procs, self.ports = [], []
        os.makedirs(os.path.join(self.dir, "indexes"))
        seed = None
        for n in range(nodes):
            port = free_port()
            seed = seed or port
            data = os.path.join(self.dir, f"node{n}")
            os.makedirs(data)
            conf = os.path.join(self.dir, f"node{n}.yaml")
            with open(conf, "w") as f:
                f.write(f"version: 0.8\ncluster_id: zhsearch-bench-{seed}\nnode_id: node{n}\n"
                        f"listen_address: 127.0.0.1\nrest:\n  listen_port: {port}\n"
                        f"peer_seeds:\n  - 127.0.0.1:{seed}\ndata_dir: {data}\n"
                        f"metastore_uri: file://{self.dir}/indexes\n"
                        f"default_index_root_uri: file://{self.dir}/indexes\n")
                if n > 0:
                    f.write("enabled_services:\n  - searcher\n")
            log = open(os.path.join(self.dir, f"node{n}.log"), "w")
            env = dict(os.environ, QW_DISABLE_TELEMETRY="1", NO_COLOR="1")
            self.procs.append(subprocess.Popen([binary, "run", "--config", conf], stdout=log,
                                               stderr=log, env=env))
            self.ports.append(port)
            wait_http(f"{self.url(n)}/health/readyz")
        if nodes > 1:
            for _ in range(200):
                ready = json.load(urllib.request.urlopen(f"{self.url(0)}/api/v1/cluster"))
                if len(ready.get("ready_nodes", [])) >= nodes:
                    break
                time.sleep(0.2)

    def url(self, n):
        return f"http://127.0.0.1:{self.ports[n]}"

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """`zhsearch serve` on a free port, its log kept."""

    def __init__(self, args):
        self.port = free_port(1)
        self.log = tempfile.NamedTemporaryFile(prefix="zhsearch-serve-", suffix=".log", delete=False)
        env = dict(os.environ, ZHSEARCH_LOG="zhsearch=debug")
        self.proc = subprocess.Popen([ZH] + args + ["--addr", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        wait_http(f"http://127.0.0.1:{self.port}/healthz")

    def search(self, q):
        url = f"http://127.0.0.1:{self.port}/api/search?limit=10&q=" + urllib.parse.quote(q)
        t0 = time.perf_counter()
        body = json.load(urllib.request.urlopen(url, timeout=120))
        return (time.perf_counter() - t0) * 1000, body

    def debug_lines(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return [tuple(float(x) for x in m.groups()) for m in DEBUG_LINE.finditer(f.read())]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        os.unlink(self.log.name)


def query_text(q):
    return f'"{q["phrase"]}"' if q["kind"] == "phrase" else " ".join(q["terms"])


def latencies(server, queries, runs):
    """Per group: the per-query medians (ms); and the totals by query id."""
    per_group, totals = {}, {}
    for q in queries:
        ts = []
        for _ in range(runs):
            ms, body = server.search(query_text(q))
            ts.append(ms)
        totals[q["id"]] = body["total"]
        per_group.setdefault(q["group"], []).append(statistics.median(ts))
    return per_group, totals


def text_bytes(corpus):
    total = 0
    for dirpath, _, files in os.walk(corpus):
        for f in files:
            if f.endswith(".txt"):
                with open(os.path.join(dirpath, f), "rb") as fh:
                    raw = fh.read()
                try:
                    total += len(raw.decode("utf-8").encode("utf-8"))
                except UnicodeDecodeError:
                    total += len(raw.decode("gb18030", errors="replace").encode("utf-8"))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/zhsearch-bench")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--nodes", default="1,2")
    ap.add_argument("--quickwit", default=os.environ.get(
        "ZHSEARCH_QUICKWIT", os.path.join(SHARED, "tools", "quickwit", "quickwit")))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    corpus = os.path.join(args.work, "corpus")
    if not os.path.isdir(corpus):
        sh([sys.executable, os.path.join(SHARED, "bench", "materialize.py"), corpus,
            "--gbk-fraction", "0.1"])
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    index = os.path.join(args.work, "zhsearch-index")
    sh([ZH, "--index", index, "index", corpus, "--quiet"])
    queries_file = os.path.join(args.work, f"queries-{args.n}-{args.seed}.jsonl")
    if not os.path.exists(queries_file):
        sh([sys.executable, os.path.join(SHARED, "peers", "make_queries.py"), corpus, queries_file,
            "--n", str(args.n), "--seed", str(args.seed)])
    queries = [json.loads(l) for l in open(queries_file, encoding="utf-8")]
    docs = sum(1 for _, _, fs in os.walk(corpus) for f in fs if f.endswith(".txt"))
    text_mb = text_bytes(corpus) / 1e6
    print(f"{docs} reports, {text_mb:.1f} MB of text, {len(queries)} queries", flush=True)

    local = Server(["--index", index, "serve", "--corpus", corpus])
    local_ms, local_totals = latencies(local, queries, args.runs)
    local.stop()

    rows, lat_rows, check_rows = [], [], []
    for nodes in [int(n) for n in args.nodes.split(",") if n]:
        cluster = Cluster(args.quickwit, nodes)
        try:
            # A copy of the index: its push ledger is its own.
            pushed_index = tempfile.mkdtemp(prefix="zhsearch-bench-index-")
            shutil.rmtree(pushed_index)
            shutil.copytree(index, pushed_index)
            t0 = time.perf_counter()
            sh([ZH, "--index", pushed_index, "push", "--to", cluster.url(0), "--index-id", INDEX_ID,
                "--quiet"])
            full = time.perf_counter() - t0
            t0 = time.perf_counter()
            sh([ZH, "--index", pushed_index, "push", "--to", cluster.url(0), "--index-id", INDEX_ID,
                "--quiet"])
            again = time.perf_counter() - t0
            shutil.rmtree(pushed_index, ignore_errors=True)
            rows.append(f"| {nodes} | {full:.1f} s | {text_mb / full:.1f} MB/s | {docs / full:.0f} | "
                        f"{again:.2f} s |")
            print(rows[-1], flush=True)
            through = cluster.url(nodes - 1)
            remote = Server(["serve", "--engine", f"{through}/{INDEX_ID}"])
            remote_ms, remote_totals = latencies(remote, queries, args.runs)
            checks = remote.debug_lines()
            remote.stop()
        finally:
            cluster.stop()
        differ = [q["id"] for q in queries if remote_totals[q["id"]] != local_totals[q["id"]]]
        for g in GROUPS:
            lm, rm = local_ms.get(g, []), remote_ms.get(g, [])
            lat_rows.append(f"| {nodes} | {g} | {len(rm)} | {pct(lm, 50):.1f} | {pct(lm, 95):.1f} | "
                            f"{pct(rm, 50):.1f} | {pct(rm, 95):.1f} | {pct(rm, 50) / pct(lm, 50):.1f}× |")
        checked = sum(c[1] for c in checks)
        kept = sum(c[2] for c in checks)
        check_ms = [c[3] for c in checks]
        check_rows.append(f"| {nodes} | {len(checks)} | {checked:.0f} | {checked - kept:.0f} | "
                          f"{pct(check_ms, 50):.3f} | {pct(check_ms, 95):.3f} | {len(differ)} |")
        print(lat_rows[-5:], check_rows[-1], flush=True)

    print("\n### Push (full bench)\n")
    print("| nodes | full push | text | reports/s | push with nothing to send |")
    print("|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print("\n### `/api/search` latency, ms (page of 10 with the total; median of runs per query)\n")
    print("| nodes | group | queries | local median | local p95 | cluster median | cluster p95 | ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(lat_rows))
    print("\n### What the check against the stored text costs\n")
    print("| nodes | searches | hits checked | hits dropped | check ms median | check ms p95 | "
          "totals unlike the local index's |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(check_rows))


if __name__ == "__main__":
    main()
