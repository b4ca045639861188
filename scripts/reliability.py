#!/usr/bin/env python3
"""The reliability battery (issues #9 and #16): load during a burst, a huge document, a flood of
costly queries, a full disk, an idle watcher, files that are not what they were, and hostile
documents, each against its target.

usage: scripts/reliability.py [--work DIR] [--reports 20000]
                              [--only load|doc|flood|disk|idle|files|attacks]
                              [--binary PATH] [--bench DIR] [--duration 30] [--connections 64]
                              [--burst-add 2000] [--burst-delete 500] [--doc-lines 200000]
                              [--flood 30] [--tmpfs-mb 40] [--seed 9]

Reports come from ../shared/bench (materialize.py, 10% GB18030) into WORK/pool; each section
makes its own corpus from it and runs its own server on a free loopback port, stopped at the
end of the section whatever happens (SIGTERM, SIGKILL after 10 s).

load   `serve --watch` over --reports reports; wrk (64 connections, ~30 s) rotates through ~50
       real queries while a burst writes --burst-add new reports (plain and GB18030) and deletes
       --burst-delete. Targets: no non-2xx answer and no socket error; each of 50 new reports
       found by a phrase of its own < 3 s after it was written; after the burst, /api/search
       `total` equals a substring scan of the decoded files for 30 CJK phrases.
doc    a report of --doc-lines heading-like lines is written into the watched corpus; once it is
       indexed its /doc page is opened three times at once while /healthz is polled every 100 ms.
       Target: every healthz answer < 1 s (page times, sizes and peak RSS are reported).
flood  --flood costly queries at once, one thread each. Targets: every answer is 200, a 4xx or a
       503 with Retry-After (no dropped connection, no other 5xx); /healthz answers throughout;
       the server's CPU is idle (< 5% of a core) within 7 s of the last answer.
disk   the index on a --tmpfs-mb tmpfs (needs root; skipped with a notice otherwise), the corpus
       outside it. Indexing past the full disk must exit 2 with one line saying so, leave the
       index as it was (size, searchable), and the next run, without the extra reports, must
       succeed and free the space.
idle   `serve --watch` over --reports reports, already indexed, left alone: its CPU time over
       --idle-seconds (30). Target: < 1% of a core. Then the watched folder is deleted and made
       again with one new report. Targets: the watcher says the folder is gone; the new report
       is found < 5 s after it was written; a report deleted with the folder is no longer found.
files  300 reports; /file of a report replaced by a named pipe, a folder, a link or a file past
       64 MiB, stalled downloads of a 60 MB report, vocabulary files that are links or past their
       limits, similar on a device or a pipe. Targets: a 4xx with the reason and the server
       answering after it; every bad file handled with a reason in <= 12 s under 1 GiB.
attacks every hostile document of scripts/hostile_files.py (PDF form loops and bombs, stream
       and object-stream bombs, operator floods, huge text runs, attribute and element floods)
       beside a good report: `index` skips it with a reason and indexes the rest, `similar` on it
       is one line, each <= 12 s with the process tree (reader workers included) < 1 GiB; then
       all dropped at once into a watched folder: the server stays up, /healthz answers, every
       good report is found and the thread count does not grow.

Prints each section's figures with PASS/FAIL lines, then a "Reliability" table for BENCHMARKS.md.
Exits 1 if any target failed, 2 on a setup error.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SECTIONS = ["load", "doc", "flood", "disk", "idle", "files", "attacks"]
CJK = re.compile(r"[\u4e00-\u9fff]+")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Targets.
NEW_SEARCHABLE_S = 3.0
HEALTHZ_MAX_S = 1.0
IDLE_CPU = 0.05          # of one core
IDLE_WITHIN_S = 7.0      # the 5-second search budget plus a margin
SEARCH_BUDGET_S = 5.0

# Queries for the load test: 2-character words, quoted phrases, AND, OR, NOT, fields, dates.
LOAD_QUERIES = [
    ("党建", {}), ("发展", {}), ("经济", {}), ("改革", {}), ("创新", {}), ("扶贫", {}),
    ("乡村", {}), ("疫情", {}), ("会议", {}), ("合作", {}), ("生态", {}), ("文化", {}),
    ("教育", {}), ("科技", {}), ("农业", {}), ("安全", {}), ("人民", {}), ("群众", {}),
    ('"乡村振兴"', {}), ('"脱贫攻坚"', {}), ('"中共中央政治局"', {}), ('"全面从严治党"', {}),
    ('"一带一路"', {}), ('"新冠肺炎疫情"', {}), ('"人类命运共同体"', {}), ('"高质量发展"', {}),
    ('"供给侧结构性改革"', {}), ('"党的十九大"', {}), ('"习近平新时代中国特色社会主义思想"', {}),
    ('"粤港澳大湾区"', {}),
    ("党建 引领", {}), ("脱贫 攻坚 产业", {}), ("习近平 会见", {}), ("疫情 防控 复工", {}),
    ("生态 环境 保护", {}), ("改革 开放 四十", {}), ('"乡村振兴" 产业', {}), ("经济 增长 稳定", {}),
    ("党建 OR 党风", {}), ("经济 -疫情", {}), ("title:会议", {}), ("(扶贫 OR 脱贫) 产业 -旅游", {}),
    ("推动高质量发展", {}), ("党建引领乡村振兴", {}), ("加强基层党组织建设", {}),
    ("经济", {"from": "2018", "to": "2019"}), ('"脱贫攻坚"', {"from": "2017-06", "to": "2019-12-31"}),
    ("疫情 防控", {"from": "2020", "sort": "date"}), ("改革", {"sort": "date", "limit": "20"}),
    ("发展", {"offset": "20", "limit": "20"}),
]

# Frequent characters for costly queries.
COMMON = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
          "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都"
          "两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新")


def log(msg=""):
    print(msg, flush=True)


sys.path.insert(0, HERE)
from bench import pct  # noqa: E402  (the percentile of the benchmark, the same definition)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decode(data):
    """As the index reads a bench file: UTF-8 (BOM tolerated), else GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def normalized(data):
    """The text as zhsearch matches it (NFKC, lowercase)."""
    return unicodedata.normalize("NFKC", decode(data)).lower()


def read_norm(path):
    with open(path, "rb") as f:
        return normalized(f.read())


def list_txt(corpus):
    out = []
    for root, dirs, files in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.endswith(".txt") and not name.startswith("."):
                out.append(os.path.relpath(os.path.join(root, name), corpus).replace(os.sep, "/"))
    return sorted(out)


def du_bytes(path):
    """Disk usage (allocated blocks) of a folder, as du counts it."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


def mib(n):
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.1f} KiB"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# ---------------------------------------------------------------- HTTP ----

def poll_healthz(port, stop, health, every, timeout):
    """Polls /healthz every `every` s until `stop` is set (at most 600 s), appending
    (seconds, answered 200) to `health`."""
    deadline = time.monotonic() + 600
    while not stop.is_set() and time.monotonic() < deadline:
        t = time.monotonic()
        try:
            ok = http_get(port, "/healthz", timeout=timeout)[0] == 200
        except (OSError, http.client.HTTPException):
            ok = False
        health.append((time.monotonic() - t, ok))
        time.sleep(max(0.0, every - (time.monotonic() - t)))


def http_get(port, path, timeout=10.0, read=True):
    """(status, headers dict, body bytes, seconds); raises OSError/HTTPException on a dropped
    connection or a timeout."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        body = resp.read() if read else b""
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body, time.perf_counter() - t0
    finally:
        conn.close()


def search_path(q, **params):
    return "/api/search?" + urllib.parse.urlencode({"q": q, **params})


def api_search(port, q, timeout=10.0, **params):
    status, _, body, _ = http_get(port, search_path(q, **params), timeout)
    if status != 200:
        raise RuntimeError(f"/api/search {q!r}: HTTP {status}: {body[:200]!r}")
    return json.loads(body)


class Server:
    """`zhsearch serve` on a free loopback port; `stop` is SIGTERM, then SIGKILL after 10 s."""

    def __init__(self, binary, index, corpus, logfile, watch=True):
        self.port = free_port()
        cmd = [binary, "--index", index, "serve", "--corpus", corpus, "--addr", f"127.0.0.1:{self.port}"]
        if watch:
            cmd.append("--watch")
        self.cmd = cmd
        self.logfile = logfile
        self.log = open(logfile, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.stopped = None

    def wait_healthy(self, timeout=300.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.logfile}")
            try:
                if http_get(self.port, "/healthz", timeout=1.0)[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy after {timeout:.0f} s; see {self.logfile}")

    def stop(self):
        if self.proc.poll() is None:
            t0 = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
                self.stopped = f"stopped on SIGTERM in {time.monotonic() - t0:.1f} s (exit {self.proc.returncode})"
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.stopped = "did not stop within 10 s of SIGTERM: killed"
        elif self.stopped is None:
            self.stopped = f"had exited already (exit {self.proc.returncode})"
        self.log.close()
        log(f"  server {self.stopped}")

    def tail(self, n=15):
        try:
            with open(self.logfile, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join("    | " + l for l in lines[-n:])
        except OSError:
            return ""


# ------------------------------------------------------------- results ----

class Results:
    def __init__(self):
        self.rows = []  # (section, check, target, figure, status)

    def check(self, section, name, target, figure, ok):
        status = "PASS" if ok else "FAIL"
        self.rows.append((section, name, target, figure, status))
        log(f"  {status}: {name}: {figure} (target: {target})")
        return ok

    def skip(self, section, why):
        self.rows.append((section, "—", "—", why, "SKIP"))
        log(f"  SKIP: {why}")

    def failed(self):
        return any(r[4] == "FAIL" for r in self.rows)


# ---------------------------------------------------------------- data ----

class Pool:
    """The first `size` bench reports, materialized once into WORK/pool, in shard order."""

    def __init__(self, work, bench, size):
        self.dir = os.path.join(work, "pool")
        self.manifest = os.path.join(work, "pool.tsv")
        self.bench = bench
        self.files = []  # (rel path, encoding)
        self.ensure(size)

    def ensure(self, size):
        """At least `size` reports (fewer when the bench has fewer); False when it cannot grow."""
        if len(self.files) >= size:
            return True
        have = 0
        if os.path.exists(self.manifest) and os.path.isdir(self.dir):
            with open(self.manifest, encoding="utf-8") as f:
                have = sum(1 for _ in f)
        if have < size:
            shutil.rmtree(self.dir, ignore_errors=True)
            t0 = time.monotonic()
            r = subprocess.run([sys.executable, os.path.join(self.bench, "materialize.py"), self.dir,
                                "--limit", str(size), "--gbk-fraction", "0.1", "--manifest", self.manifest],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"materialize.py failed: {r.stderr.strip()}")
            log(f"materialized {size:,} bench reports in {time.monotonic() - t0:.1f} s: {r.stdout.strip()}")
        before = len(self.files)
        self.files = []
        with open(self.manifest, encoding="utf-8") as f:
            for line in f:
                rel, _id, enc = line.rstrip("\n").split("\t")[:3]
                self.files.append((rel, enc))
        self.files = self.files[:size]
        return len(self.files) > before

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def make_corpus(self, corpus, rels):
        """A fresh corpus of these reports (hard links when possible)."""
        shutil.rmtree(corpus, ignore_errors=True)
        self.add_to(corpus, rels)

    def add_to(self, corpus, rels):
        """These reports added to a corpus (hard links when possible)."""
        for rel in rels:
            dst = os.path.join(corpus, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            try:
                os.link(self.path(rel), dst)
            except OSError:
                shutil.copy2(self.path(rel), dst)


def index_corpus(binary, index, corpus, timeout=1800):
    t0 = time.monotonic()
    r = subprocess.run([binary, "--index", index, "index", corpus, "--quiet"], capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"zhsearch index failed ({r.returncode}): {r.stderr.strip()[-500:]}")
    return time.monotonic() - t0


def unique_phrase(text, others_blob, rng, length=12):
    """A phrase of `length` CJK characters from the body of `text` found nowhere in others_blob."""
    body = text.split("\n", 3)[-1]
    runs = [m.group() for m in CJK.finditer(body) if len(m.group()) >= length]
    rng.shuffle(runs)
    for run in runs[:8]:
        start = rng.randrange(len(run) - length + 1)
        p = run[start:start + length]
        if p not in others_blob:
            return p
    return None


def sample_phrase(text, rng, lo, hi):
    runs = [m.group() for m in CJK.finditer(text) if len(m.group()) >= lo]
    if not runs:
        return None
    run = rng.choice(runs)
    n = rng.randint(lo, min(hi, len(run)))
    s = rng.randrange(len(run) - n + 1)
    return run[s:s + n]


# ---------------------------------------------------------------- load ----

WRK_LUA = r"""
local paths = { %s }
local nthreads = 0
setup = function(thread)
  thread:set("offset", nthreads * 17)
  nthreads = nthreads + 1
end
local i = 0
init = function(args)
  i = offset or 0
end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d connect=%%d read=%%d write=%%d status=%%d timeout=%%d p50_us=%%d p90_us=%%d p99_us=%%d max_us=%%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def ensure_wrk():
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: installing it (apt-get install -y wrk)")
        for cmd in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
            if shutil.which("wrk"):
                return True
    return False


def section_load(args, pool, res):
    S = "load"
    log(f"\n## load: {args.reports:,} reports under `serve --watch`, wrk {args.connections} connections "
        f"for {args.duration} s, a burst of +{args.burst_add:,} / -{args.burst_delete:,} reports")
    if not ensure_wrk():
        res.skip(S, "wrk is not installed (as root: apt-get install -y wrk)")
        return
    work = os.path.join(args.work, "load")
    corpus, index = os.path.join(work, "corpus"), os.path.join(work, "index")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rng = random.Random(args.seed)
    base = [rel for rel, _ in pool.files[: args.reports]]
    new = pool.files[args.reports: args.reports + args.burst_add]
    pool.make_corpus(corpus, base)
    secs = index_corpus(args.binary, index, corpus)
    log(f"  indexed {len(base):,} reports in {secs:.1f} s")
    deleted = rng.sample(base, min(args.burst_delete, len(base)))

    # A phrase of its own for a sample of the new reports, spread over the burst.
    texts = {rel: read_norm(os.path.join(corpus, rel)) for rel in base}
    new_texts = {rel: read_norm(pool.path(rel)) for rel, _ in new}
    blob = "\0".join(texts.values())
    new_blob = "\0".join(new_texts.values())
    sample = {}
    order = list(range(len(new)))
    step = max(1, len(new) // max(1, args.sample))
    candidates = order[::step] + [i for i in order if i % step]
    for i in candidates:
        if len(sample) >= args.sample:
            break
        rel = new[i][0]
        p = unique_phrase(new_texts[rel], blob, rng)
        if p and new_blob.count(p) == 1:
            sample[rel] = p
    n_gbk = sum(1 for _, enc in new if enc != "utf-8")
    log(f"  burst: {len(new):,} new reports ({n_gbk} GB18030), {len(deleted)} deletions; "
        f"{len(sample)} new reports sampled for time-to-searchable")

    # wrk's Lua script.
    paths = [search_path(q, **p) for q, p in LOAD_QUERIES]
    lua = os.path.join(work, "queries.lua")
    with open(lua, "w") as f:
        f.write(WRK_LUA % ", ".join(f'"{p}"' for p in paths))

    server = Server(args.binary, index, corpus, os.path.join(work, "server.log"))
    wrk = None
    try:
        server.wait_healthy()
        for p in paths:  # every query is valid and answered before the load starts
            st = http_get(server.port, p, timeout=30)[0]
            if st != 200:
                raise RuntimeError(f"warm-up query {urllib.parse.unquote(p)} got HTTP {st}")
        log(f"  server up on port {server.port}, {len(paths)} queries answered")
        wrk = subprocess.Popen(["wrk", "-t", str(min(args.connections, os.cpu_count() or 2)), "-c",
                                str(args.connections), "-d", f"{args.duration}s", "--timeout", "10s",
                                "-s", lua, f"http://127.0.0.1:{server.port}"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(min(5.0, args.duration / 4))

        new_bytes = {}
        for rel, _ in new:
            with open(pool.path(rel), "rb") as f:
                new_bytes[rel] = f.read()
        written = {}  # rel -> monotonic time the write ended
        found = {}    # rel -> seconds from write to found
        burst_done = threading.Event()
        poll_errors = []

        def writer():
            dels = list(deleted)
            every = max(1, len(new) // max(1, len(dels))) if dels else 0
            for k, (rel, _) in enumerate(new):
                data = new_bytes[rel]
                dst = os.path.join(corpus, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, "wb") as f:
                    f.write(data)
                written[rel] = time.monotonic()
                if dels and k % every == 0:
                    os.remove(os.path.join(corpus, dels.pop()))
            for rel in dels:
                os.remove(os.path.join(corpus, rel))
            burst_done.set()

        def poller(rel, phrase):
            path = search_path(f'"{phrase}"', limit="100")
            deadline = time.monotonic() + args.duration + 120
            while rel not in written and time.monotonic() < deadline:
                time.sleep(0.05)
            while time.monotonic() < deadline:
                try:
                    st, _, body, _ = http_get(server.port, path, timeout=10)
                    if st == 200 and any(h["path"] == rel for h in json.loads(body)["hits"]):
                        found[rel] = time.monotonic() - written[rel]
                        return
                except (OSError, http.client.HTTPException, ValueError) as e:
                    poll_errors.append(repr(e))
                time.sleep(0.1)

        t_burst = time.monotonic()
        threads = [threading.Thread(target=writer, daemon=True)]
        threads += [threading.Thread(target=poller, args=(rel, p), daemon=True) for rel, p in sample.items()]
        for t in threads:
            t.start()
        burst_done.wait(timeout=args.duration + 300)
        burst_s = time.monotonic() - t_burst
        log(f"  burst written in {burst_s:.2f} s")
        for t in threads[1:]:
            t.join(timeout=max(1.0, args.duration + 130 - (time.monotonic() - t_burst)))
        try:
            out, _ = wrk.communicate(timeout=args.duration + 120)
        except subprocess.TimeoutExpired:
            wrk.kill()
            out, _ = wrk.communicate()
        m = re.search(r"^RESULT (.*)$", out, re.M)
        if not m:
            raise RuntimeError(f"no result from wrk:\n{out}")
        w = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        non2xx = int(non2xx.group(1)) if non2xx else w["status"]
        sock = w["connect"] + w["read"] + w["write"] + w["timeout"]
        rps = w["requests"] / (w["duration_us"] / 1e6)
        log(f"  wrk: {w['requests']:,} requests in {w['duration_us'] / 1e6:.1f} s = {rps:,.0f} req/s; "
            f"latency p50 {w['p50_us'] / 1000:.1f} ms, p90 {w['p90_us'] / 1000:.1f} ms, "
            f"p99 {w['p99_us'] / 1000:.1f} ms, max {w['max_us'] / 1000:.0f} ms; non-2xx {non2xx}; socket "
            f"errors connect {w['connect']} read {w['read']} write {w['write']} timeout {w['timeout']}")
        res.check(S, "non-2xx answers under load during the burst", "0",
                  f"{non2xx} of {w['requests']:,} ({rps:,.0f} req/s, p50 {w['p50_us'] / 1000:.1f} ms, "
                  f"p99 {w['p99_us'] / 1000:.1f} ms)", non2xx == 0)
        res.check(S, "socket errors (connect/read/write/timeout) under load", "0", str(sock), sock == 0)

        lat = sorted(found.values())
        missing = len(sample) - len(found)
        fig = (f"{len(found)}/{len(sample)} found; p50 {pct(lat, 50):.2f} s, max {max(lat):.2f} s"
               if lat else f"0/{len(sample)} found")
        if poll_errors:
            fig += f"; {len(poll_errors)} poll errors, e.g. {poll_errors[0]}"
        res.check(S, "new report searchable after its write (burst, under load)",
                  f"< {NEW_SEARCHABLE_S:.0f} s, all", fig, missing == 0 and lat and max(lat) < NEW_SEARCHABLE_S)

        # Totals: wait until the index holds exactly the files on disk, then compare.
        on_disk = list_txt(corpus)
        t0 = time.monotonic()
        reports = None
        while time.monotonic() - t0 < 120:
            st, _, body, _ = http_get(server.port, "/api/stats", timeout=10)
            reports = json.loads(body)["reports"] if st == 200 else None
            if reports == len(on_disk):
                break
            time.sleep(0.25)
        log(f"  index holds {reports} reports, {len(on_disk):,} files on disk")
        time.sleep(1.0)  # a last event batch, if any, lands
        final = {rel: read_norm(os.path.join(corpus, rel)) for rel in on_disk}
        gone = set(deleted)
        kept = [texts[rel] for rel in base if rel not in gone]
        phrases = set()
        # phrases of the new reports, of the deleted ones, and 2- and 4-8-character ones of the rest
        for group, lo, hi, n in (([new_texts[rel] for rel, _ in new], 3, 6, 10),
                                 ([texts[rel] for rel in deleted], 3, 6, 8), (kept, 2, 2, 6), (kept, 4, 8, 6)):
            for _ in range(200):
                if not n or not group:
                    break
                p = sample_phrase(rng.choice(group), rng, lo, hi)
                if p and p not in phrases:
                    phrases.add(p)
                    n -= 1
        mismatches = []
        for p in sorted(phrases):
            truth = sum(1 for t in final.values() if p in t)
            got = api_search(server.port, f'"{p}"', timeout=30)["total"]
            if got != truth:
                mismatches.append(f"{p}: api {got}, scan {truth}")
        for mm in mismatches[:10]:
            log(f"    mismatch {mm}")
        res.check(S, "API totals equal a substring scan after the burst", "all equal",
                  f"{len(phrases) - len(mismatches)}/{len(phrases)} phrases equal (index {reports} reports, "
                  f"{len(on_disk):,} files)", not mismatches and reports == len(on_disk))
    except Exception as e:
        res.check(S, "load section ran", "completes", f"error: {e}", False)
        log(server.tail())
    finally:
        if wrk and wrk.poll() is None:
            wrk.kill()
            wrk.wait()
        server.stop()


# ----------------------------------------------------------------- doc ----

def base_corpus(args, pool):
    """WORK/base: --reports reports and their index, shared by the doc and flood sections."""
    work = os.path.join(args.work, "base")
    corpus, index = os.path.join(work, "corpus"), os.path.join(work, "index")
    want = [rel for rel, _ in pool.files[: args.reports]]
    if not os.path.isdir(corpus) or list_txt(corpus) != sorted(want):
        pool.make_corpus(corpus, want)
    secs = index_corpus(args.binary, index, corpus)
    log(f"  {len(want):,} reports indexed (incrementally) in {secs:.1f} s")
    return work, corpus, index


def section_doc(args, pool, res):
    S = "doc"
    log(f"\n## doc: a report of {args.doc_lines:,} heading-like lines, its /doc page opened 3× at once")
    work, corpus, index = base_corpus(args, pool)
    huge_dir = os.path.join(corpus, "zz_reliability")
    shutil.rmtree(huge_dir, ignore_errors=True)
    huge_rel = "zz_reliability/huge_report.txt"
    marker = "超长文档压力测试专用标记"
    heads = ["加强党建工作", "推进乡村振兴", "落实全面从严治党", "深化改革开放", "建设美丽乡村", "巩固脱贫成果"]
    lines = [f"关于{marker}的若干规定", "", "时间:2024-01-01", ""]
    lines += [f"第{i}条 {heads[i % len(heads)]}" for i in range(1, args.doc_lines + 1)]
    server = Server(args.binary, index, corpus, os.path.join(work, "server-doc.log"))
    try:
        server.wait_healthy()
        rss0 = proc_status(server.pid, "VmRSS")
        os.makedirs(huge_dir)
        data = "\n".join(lines).encode("utf-8")
        t0 = time.monotonic()
        with open(os.path.join(corpus, huge_rel), "wb") as f:
            f.write(data)
        doc_id = None
        while time.monotonic() - t0 < 300 and doc_id is None:
            hits = api_search(server.port, f'"{marker}"', timeout=30)["hits"]
            doc_id = next((h["id"] for h in hits if h["path"] == huge_rel), None)
            if doc_id is None:
                time.sleep(0.2)
        if doc_id is None:
            raise RuntimeError("the huge report was not searchable within 300 s")
        log(f"  wrote {mib(len(data))}, searchable after {time.monotonic() - t0:.1f} s, id {doc_id}")
        hwm_indexed = proc_status(server.pid, "VmHWM")

        health = []  # (seconds, ok)
        stop = threading.Event()

        pages = [None] * 3

        def page(k):
            try:
                st, _, body, secs = http_get(server.port, f"/doc/{doc_id}", timeout=300)
                pages[k] = (st, len(body), secs)
            except (OSError, http.client.HTTPException) as e:
                pages[k] = (repr(e), 0, float("nan"))

        hz = threading.Thread(target=poll_healthz, args=(server.port, stop, health, 0.1, 30), daemon=True)
        hz.start()
        time.sleep(0.5)
        ts = [threading.Thread(target=page, args=(k,), daemon=True) for k in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=310)
        time.sleep(0.5)
        stop.set()
        hz.join(timeout=35)
        hwm = proc_status(server.pid, "VmHWM")
        for k, (st, size, secs) in enumerate(p or ("no answer", 0, float("nan")) for p in pages):
            log(f"  /doc page {k + 1}: HTTP {st}, {mib(size)}, {secs:.2f} s")
        lat = [s for s, _ in health]
        bad = sum(1 for _, ok in health if not ok)
        log(f"  /healthz: {len(health)} polls, p50 {pct(lat, 50) * 1000:.0f} ms, p99 {pct(lat, 99) * 1000:.0f} ms, "
            f"max {max(lat) * 1000:.0f} ms, {bad} failed (timeout 30 s); slowest: "
            + ", ".join(f"{x:.2f}" for x in sorted(lat)[-5:][::-1]) + " s")
        log(f"  server RSS: {mib(rss0)} before the report; peak {mib(hwm_indexed)} after indexing it, "
            f"{mib(hwm)} after the pages")
        res.check(S, "/healthz while 3 huge /doc pages render", f"max < {HEALTHZ_MAX_S:.0f} s, all answered",
                  f"max {max(lat):.2f} s over {len(health)} polls, {bad} failed", max(lat) < HEALTHZ_MAX_S and not bad)
        ok_pages = all(p and p[0] == 200 for p in pages)
        res.check(S, "huge /doc page answered", "3× HTTP 200",
                  ", ".join(f"{p[0]} {mib(p[1])} {p[2]:.1f} s" if p else "none" for p in pages)
                  + f"; peak RSS {mib(hwm)}", ok_pages)
    except Exception as e:
        res.check(S, "doc section ran", "completes", f"error: {e}", False)
        log(server.tail())
    finally:
        server.stop()
        shutil.rmtree(huge_dir, ignore_errors=True)


# --------------------------------------------------------------- flood ----

def costly_queries(n, rng):
    """n different costly queries of at most 1,000 characters each (on 20,000 bench reports each
    takes 0.1-1 s alone on one core of the development machine)."""
    top = "的是在了和一中国有人这大为上"

    def c(i):
        return top[i % len(top)]

    def and_run(i):  # 的 的 的 … unquoted: the costliest (~1 s alone)
        return " ".join(["的"] * (490 - i))

    kinds = [
        ("X X X … unquoted", and_run),
        ("ﷺ×~990", lambda i: "\ufdfa" * (990 - i)),                        # NFKC: 18 characters each
        ("X X X … unquoted", and_run),
        ('"X X X …"', lambda i: '"' + " ".join([c(i)] * 489) + '"'),
        ("X X X … unquoted", and_run),
        ("X OR X OR … OR Y", lambda i: " OR ".join([c(i)] * 100 + [c(i + 1)] * 99)),
        ("X X X … unquoted", and_run),
        ("㍿×~990", lambda i: "\u337f" * (990 - i)),                        # NFKC: 株式会社
        ("X X X … unquoted", and_run),
        ("X Y Z … unquoted", lambda i: " ".join(rng.choice(top[:8]) for _ in range(490))),
        ('"X Y Z …"', lambda i: '"' + " ".join(rng.choice(top[:8]) for _ in range(489)) + '"'),
    ]
    out = []
    for i in range(n):
        name, make = kinds[i % len(kinds)]
        out.append((name, make(i // len(kinds))[:1000]))
    return out


def section_flood(args, pool, res):
    S = "flood"
    log(f"\n## flood: {args.flood} costly queries at once, one thread each")
    work, corpus, index = base_corpus(args, pool)
    rng = random.Random(args.seed)
    named = costly_queries(args.flood, rng)
    queries = [q for _, q in named]
    # Without --watch: the watcher's own activity is not what is measured here.
    server = Server(args.binary, index, corpus, os.path.join(work, "server-flood.log"), watch=False)
    try:
        server.wait_healthy()
        http_get(server.port, search_path("党建引领"), timeout=30)  # jieba loads on the first query
        time.sleep(1.0)
        c0, t0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(1.0)
        idle_before = (cpu_seconds(server.pid) - c0) / (time.monotonic() - t0)
        log(f"  server CPU before the flood: {idle_before * 100:.1f}% of a core")

        answers = [None] * len(queries)
        barrier = threading.Barrier(len(queries) + 1)

        def one(k):
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            try:
                st, hdr, body, secs = http_get(server.port, search_path(queries[k]), timeout=180)
                msg = ""
                if st != 200:
                    try:
                        msg = json.loads(body).get("error", "")
                    except ValueError:
                        msg = body[:80].decode("utf-8", "replace")
                answers[k] = (st, hdr.get("retry-after"), msg, secs)
            except (OSError, http.client.HTTPException) as e:
                answers[k] = ("dropped", None, repr(e), float("nan"))

        health = []
        stop = threading.Event()

        threads = [threading.Thread(target=one, args=(k,), daemon=True) for k in range(len(queries))]
        for t in threads:
            t.start()
        hz = threading.Thread(target=poll_healthz, args=(server.port, stop, health, 0.2, 5), daemon=True)
        hz.start()
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        t_start = time.monotonic()
        for t in threads:
            t.join(timeout=max(1.0, 200 - (time.monotonic() - t_start)))
        t_end = time.monotonic()
        stop.set()
        hz.join(timeout=10)
        flood_s = t_end - t_start

        # CPU until idle.
        samples = []  # (seconds after the flood, share of a core over the next 0.5 s)
        idle_at = None
        prev_c, prev_t = cpu_seconds(server.pid), time.monotonic()
        while time.monotonic() - t_end < args.idle_timeout:
            time.sleep(0.5)
            c, t = cpu_seconds(server.pid), time.monotonic()
            samples.append((prev_t - t_end, (c - prev_c) / (t - prev_t)))
            prev_c, prev_t = c, t
            # idle = two consecutive samples (1 s) under the threshold
            if len(samples) >= 2 and samples[-1][1] < IDLE_CPU and samples[-2][1] < IDLE_CPU:
                idle_at = samples[-2][0]
                break

        kinds = {}
        for (name, _), a in zip(named, answers):
            st, ra, msg, secs = a or ("no answer", None, "", 0)
            late = isinstance(st, int) and st != 200 and secs >= 0.9 * SEARCH_BUDGET_S
            msg = re.sub(r"\d+ characters", "N characters", msg)
            key = (f"{name:18s} → {st}{' Retry-After: ' + ra if ra else ''}{' ' + msg[:80] if msg else ''}"
                   f"{' (after the budget)' if late else ''}")
            kinds[key] = kinds.get(key, 0) + 1
        for key, n in sorted(kinds.items()):
            log(f"  {n:3d} × {key}")
        times = [a[3] for a in answers if a and a[3] == a[3]]
        log(f"  flood answered in {flood_s:.1f} s (answer times p50 {pct(times, 50):.1f} s, "
            f"max {max(times) if times else float('nan'):.1f} s)")
        peak = max((s for _, s in samples), default=0)
        trace = " ".join(f"{s * 100:.0f}" for _, s in samples[:40])
        log(f"  CPU after the flood, % of a core every 0.5 s: {trace}{' …' if len(samples) > 40 else ''}")

        def acceptable(a):
            """200; a 4xx refusal given at once (too long, …); 503 with Retry-After. An answer after
            the budget is an over-budget answer and must be the 503."""
            if a is None:
                return False
            st, ra, _, secs = a
            refusal = isinstance(st, int) and 400 <= st < 500 and secs < 0.9 * SEARCH_BUDGET_S
            return st == 200 or refusal or (st == 503 and ra is not None)

        bad = [a for a in answers if not acceptable(a)]
        classes = {}
        for a in answers:
            st, ra, _, secs = a or ("no answer", None, "", 0)
            label = f"{st}{' + Retry-After' if ra else ''}"
            if isinstance(st, int) and st != 200 and secs >= 0.9 * SEARCH_BUDGET_S:
                label += " after the budget"
            classes[label] = classes.get(label, 0) + 1
        res.check(S, "answers to a flood of costly queries",
                  "200, 4xx refusal at once, or 503 + Retry-After; no drop, no other 5xx",
                  ", ".join(f"{n}× {k}" for k, n in sorted(classes.items(), key=lambda kv: -kv[1])), not bad)
        hlat = [s for s, _ in health]
        hbad = sum(1 for _, ok in health if not ok)
        res.check(S, "/healthz during the flood", "answered every time (5 s timeout)",
                  f"{len(health) - hbad}/{len(health)} answered, max {max(hlat) if hlat else float('nan'):.2f} s",
                  health and not hbad)
        res.check(S, "server CPU idle (< 5% of a core) after the flood ends", f"within {IDLE_WITHIN_S:.0f} s",
                  (f"{idle_at:.1f} s after the last answer, {idle_at + flood_s:.1f} s after the flood was sent"
                   if idle_at is not None else f"not idle {args.idle_timeout:.0f} s after the last answer")
                  + f" (peak {peak * 100:.0f}% of a core after the flood; flood took {flood_s:.1f} s)",
                  idle_at is not None and idle_at <= IDLE_WITHIN_S)
    except Exception as e:
        res.check(S, "flood section ran", "completes", f"error: {e}", False)
        log(server.tail())
    finally:
        server.stop()


# ---------------------------------------------------------------- disk ----

def section_disk(args, pool, res):
    S = "disk"
    log(f"\n## disk: the index on a {args.tmpfs_mb} MiB tmpfs, indexing past the full disk")
    work = os.path.join(args.work, "disk")
    mnt, corpus = os.path.join(work, "mnt"), os.path.join(work, "corpus")
    index = os.path.join(mnt, "index")
    if os.path.ismount(mnt):
        subprocess.run(["umount", mnt])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(mnt)
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_mb}m", "tmpfs", mnt],
                           capture_output=True, text=True, timeout=60)
        why = (r.stderr or r.stdout).strip() if r.returncode else None
    except (OSError, subprocess.TimeoutExpired) as e:
        why = str(e)
    if why is not None:
        res.skip(S, f"cannot mount a tmpfs ({why}); it needs root")
        return
    cap = args.tmpfs_mb * 1048576
    try:
        # A base that fits (text about a fifth of the disk), then enough to overflow it.
        for _ in range(6):
            base, extra, size = [], [], 0
            files = iter(pool.files)
            for rel, _ in files:
                base.append(rel)
                size += os.path.getsize(pool.path(rel))
                if size >= cap / 5:
                    break
            size = 0
            for rel, _ in files:
                extra.append(rel)
                size += os.path.getsize(pool.path(rel))
                if size >= cap * 1.2:
                    break
            if size >= cap * 1.2 or not pool.ensure(len(pool.files) * 2):
                break
        if size < cap * 1.2:
            log(f"  note: only {mib(size)} of extra reports in the pool; the disk may not fill")
        pool.make_corpus(corpus, base)

        def run_index():
            t = time.monotonic()
            try:
                p = subprocess.run([args.binary, "--index", index, "index", corpus, "--quiet"],
                                   capture_output=True, text=True, timeout=1200)
                return p.returncode, p.stderr, time.monotonic() - t
            except subprocess.TimeoutExpired as e:
                return "timeout", (e.stderr or b"").decode("utf-8", "replace"), time.monotonic() - t

        def free():
            st = os.statvfs(mnt)
            return st.f_bavail * st.f_frsize

        rc, err, secs = run_index()
        if rc not in (0, 1):
            raise RuntimeError(f"the base index ({len(base)} reports) failed ({rc}): {err.strip()[-300:]}")
        du0, free0 = du_bytes(index), free()
        probe_base = sample_phrase(read_norm(pool.path(base[len(base) // 2])), random.Random(args.seed), 8, 10)
        probe_extra = sample_phrase(read_norm(pool.path(extra[len(extra) // 2])), random.Random(args.seed), 8, 10)

        def search_l(phrase):
            p = subprocess.run([args.binary, "--index", index, "search", "-l", "--", f'"{phrase}"'],
                               capture_output=True, text=True, timeout=120)
            return p.returncode, p.stdout.split("\n") if p.stdout else [], p.stderr.strip()

        before = search_l(probe_base)
        log(f"  base: {len(base):,} reports indexed in {secs:.1f} s, index {mib(du0)}, {mib(free0)} free")

        pool.add_to(corpus, extra)
        rc, err, secs = run_index()
        du1, free1 = du_bytes(index), free()
        lines = [l for l in err.splitlines() if l.strip()]
        full = re.compile(r"no space|disk.{0,12}full|space left|ENOSPC|磁盘|空间", re.I)
        full_lines = [l for l in lines if full.search(l)]
        log(f"  +{len(extra):,} reports ({mib(size)}): exit {rc} after {secs:.1f} s; index {mib(du1)}, "
            f"{mib(free1)} free; stderr ({len(lines)} lines):")
        for l in lines[:12]:
            log(f"    | {l[:300]}")
        if len(lines) > 12:
            log(f"    | … {len(lines) - 12} more lines")
        res.check(S, "indexing onto a full disk: exit code", "2", str(rc), rc == 2)
        # The OS error quoted more than once is the same message repeated.
        repeats = max(len(re.findall(r"No space left on device", err, re.I)),
                      len(re.findall(r"os error 28", err, re.I))) or len(full_lines)
        res.check(S, "indexing onto a full disk: error saying the disk is full", "one line, said once",
                  f"{len(full_lines)} of {len(lines)} stderr lines, the OS error quoted {repeats}×"
                  + (f": {full_lines[0][:200]}" if full_lines else ""), len(full_lines) == 1 and repeats == 1)
        res.check(S, "index size after the failed run", "as before (± 10% + 1 MiB)",
                  f"{mib(du1)} (before {mib(du0)})", abs(du1 - du0) <= du0 * 0.1 + 1048576)
        after = search_l(probe_base)
        after_extra = search_l(probe_extra)
        ok = after[0] == before[0] == 0 and after[1] == before[1] and after_extra[0] == 1
        res.check(S, "search after the failed run", "previous commit: same hits, nothing new",
                  f"base phrase exit {after[0]} ({len([x for x in after[1] if x])} files, before "
                  f"{len([x for x in before[1] if x])}), new phrase exit {after_extra[0]}"
                  + (f"; {after[2][:120]}" if after[2] else ""), ok)

        shutil.rmtree(corpus)
        pool.make_corpus(corpus, base)
        rc, err, secs = run_index()
        du2, free2 = du_bytes(index), free()
        log(f"  without the extra reports: exit {rc} after {secs:.1f} s; index {mib(du2)}, {mib(free2)} free"
            + (f"; stderr: {err.strip()[:300]}" if err.strip() else ""))
        res.check(S, "next run after removing the extra reports", "exit 0, space freed",
                  f"exit {rc}, index {mib(du2)} (before the failure {mib(du0)}), {mib(free2)} free",
                  rc == 0 and du2 <= du0 * 1.1 + 1048576)
    except Exception as e:
        res.check(S, "disk section ran", "completes", f"error: {e}", False)
    finally:
        r = subprocess.run(["umount", mnt], capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(["umount", "-l", mnt])
        log("  tmpfs unmounted")


# --------------------------------------------------------------- files ----

FILE_TARGET_S = 12.0
FILE_TARGET_RSS = 1 << 30


# Runs a command as the child of a fresh interpreter and writes its exit code and peak RSS (the
# command's own: ru_maxrss survives exec, so a child forked straight from this script would report
# this script's peak, not the command's).
MEASURE = """import json, os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024], f)
"""


def run_measured(cmd, cwd, timeout=120):
    """Runs a command: (exit code, stdout, stderr, seconds, peak RSS in bytes)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".json") as figures:
        proc = subprocess.Popen([sys.executable, "-c", MEASURE, figures.name, *cmd], cwd=cwd, stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        secs = time.monotonic() - t0
        try:
            code, peak = json.load(figures)
        except ValueError:
            code, peak = "killed after timeout", 0
        out.seek(0)
        err.seek(0)
        return code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), secs, peak


def section_files(args, pool, res):
    """Files that are not what they were (issue #16): a report replaced by a named pipe, a folder,
    a link or a huge file under /file; slow downloads of a big report; vocabulary files that are
    links or cost without bound; `similar` on a device or a pipe. Each is handled with a reason in
    <= 12 s under 1 GB peak."""
    S = "files"
    log("\n## files: files that are not what they were, /file downloads, vocabulary files, similar")
    work = os.path.join(args.work, "files")
    shutil.rmtree(work, ignore_errors=True)
    corpus, index = os.path.join(work, "corpus"), os.path.join(work, "index")
    os.makedirs(corpus)
    rng = random.Random(args.seed)
    for i in range(300):
        body = "".join(rng.choice(COMMON) for _ in range(400))
        with open(os.path.join(corpus, f"r{i:03}.txt"), "w", encoding="utf-8") as f:
            f.write(f"第{i}号报告\n\n2023年3月{i % 28 + 1}日\n\n{body}\n")
    index_corpus(args.binary, index, corpus)

    def ok_within(secs, peak):
        return secs <= FILE_TARGET_S and peak < FILE_TARGET_RSS

    target = f"a reason, <= {FILE_TARGET_S:.0f} s, < 1 GB peak"
    # /file against the real server.
    server = Server(args.binary, index, corpus, os.path.join(work, "server-files.log"), watch=False)
    try:
        server.wait_healthy()
        ids = {}
        for name in ["r000.txt", "r001.txt", "r002.txt", "r003.txt", "r004.txt"]:
            hits = api_search(server.port, f"title:第{int(name[1:4])}号报告")["hits"]
            ids[name] = next(h["id"] for h in hits if h["path"] == name)
        secret = os.path.join(work, "secret.txt")
        with open(secret, "w") as f:
            f.write("SECRET-OUTSIDE-THE-FOLDER\n")

        def replace(name, how):
            path = os.path.join(corpus, name)
            os.remove(path)
            if how == "fifo":
                os.mkfifo(path)
            elif how == "folder":
                os.mkdir(path)
            elif how == "link":
                os.symlink(secret, path)
            elif how == "huge":
                with open(path, "wb") as f:
                    f.truncate((64 << 20) + 1)

        for name, how in [("r000.txt", "fifo"), ("r001.txt", "folder"), ("r002.txt", "link"),
                          ("r003.txt", "huge")]:
            replace(name, how)
            t0 = time.monotonic()
            answers = []
            for _ in range(2):
                try:
                    st, _, body, _ = http_get(server.port, f"/file/{ids[name]}", timeout=FILE_TARGET_S)
                    answers.append((st, body))
                except (OSError, http.client.HTTPException) as e:
                    answers.append((repr(e), b""))
            others = []
            for path in [search_path("第"), "/?q=%E7%AC%AC", "/healthz"]:
                try:
                    others.append(http_get(server.port, path, timeout=FILE_TARGET_S)[0])
                except (OSError, http.client.HTTPException) as e:
                    others.append(repr(e))
            secs = time.monotonic() - t0
            peak = proc_status(server.pid, "VmHWM")
            reason = answers[0][1].decode("utf-8", "replace")
            m = re.search(r"can be downloaded: ([^<\"]*)", reason)
            said = m.group(1).strip() if m else reason[:80]
            ok = (all(a[0] == 404 for a in answers) and all(o == 200 for o in others)
                  and b"SECRET-OUTSIDE" not in answers[0][1] and ok_within(secs, peak))
            res.check(S, f"/file of a report replaced by a {how} (2×), then search, page, healthz", target,
                      f"{', '.join(str(a[0]) for a in answers)} «{said}»; then {', '.join(map(str, others))}; "
                      f"{secs:.2f} s, server peak {mib(peak)}", ok)

        # 30 slow clients of a 60 MB report.
        big = os.path.join(corpus, "r004.txt")
        with open(big, "r+b") as f:
            f.truncate(60 << 20)
        rss0 = proc_status(server.pid, "VmRSS")
        t0 = time.monotonic()
        stalled = []
        for _ in range(30):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=FILE_TARGET_S)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(f"GET /file/{ids['r004.txt']} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            stalled.append((sock, sock.recv(4096)))
        time.sleep(1.0)
        rss = proc_status(server.pid, "VmRSS")
        heads_ok = all(h.startswith(b"HTTP/1.1 200") for _, h in stalled)
        st, _, body, dl = http_get(server.port, f"/file/{ids['r004.txt']}", timeout=60)
        for sock, _ in stalled:
            sock.close()
        secs = time.monotonic() - t0
        peak = proc_status(server.pid, "VmHWM")
        res.check(S, "30 stalled downloads of a 60 MB report, then one whole", "streamed, < 1 GB peak",
                  f"RSS {mib(rss0)} → {mib(rss)} with 30 stalled; whole download HTTP {st}, {mib(len(body))} "
                  f"in {dl:.2f} s; server peak {mib(peak)}",
                  heads_ok and st == 200 and len(body) == 60 << 20 and peak < FILE_TARGET_RSS)
    except Exception as e:
        res.check(S, "files section (server) ran", "completes", f"error: {e}", False)
        log(server.tail())
    finally:
        server.stop()
        for name in os.listdir(corpus):
            path = os.path.join(corpus, name)
            if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > 1 << 20:
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                else:
                    os.remove(path)
    res.check(S, "SIGTERM after the pipe and the downloads", "stops", server.stopped or "?",
              bool(server.stopped) and server.stopped.startswith("stopped on SIGTERM"))

    # Vocabulary files, through `zhsearch stats` and `index --rebuild` on the 300 reports.
    vocab = os.path.join(corpus, "vocab")
    config = os.path.join(corpus, "zhsearch.toml")
    outside = os.path.join(work, "outside")
    os.makedirs(outside, exist_ok=True)
    with open(os.path.join(outside, "passwd"), "w") as f:
        f.write("root:x:0:0:SECRET-PASSWORD-LINE:/root:/bin/bash\n")

    def vocabulary(dictionary=None, synonyms=None, config_link=False):
        shutil.rmtree(vocab, ignore_errors=True)
        if os.path.lexists(config):
            os.remove(config)
        os.makedirs(vocab)
        text = '[vocabulary]\ndictionary = "vocab/d.txt"\nsynonyms = "vocab/s.txt"\n'
        if config_link:
            with open(os.path.join(outside, "zhsearch.toml"), "w") as f:
                f.write(text)
            os.symlink(os.path.join(outside, "zhsearch.toml"), config)
        else:
            with open(config, "w") as f:
                f.write(text)
        for name, content in (("d.txt", dictionary), ("s.txt", synonyms)):
            path = os.path.join(vocab, name)
            if content == "link":
                os.symlink(os.path.join(outside, "passwd"), path)
            else:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(content or "营盘党建 10 nz\n" if name == "d.txt" else content or "营盘, 兵营\n")

    def attack(name, want, command=("stats",), forbid="SECRET-PASSWORD", max_output=20000):
        code, out, err, secs, peak = run_measured([args.binary, "--index", index, *command], work)
        text = out + err
        if want is None:  # no reason to give: the command only has to run within the targets
            said = f"{len(text.splitlines())} lines of output" if code in (0, 1) else None
        else:
            said = next((l.strip() for l in text.splitlines() if want in l), None)
        ok = (said is not None and forbid.lower() not in text.lower() and len(text) < max_output
              and ok_within(secs, peak))
        res.check(S, name, target, f"exit {code}, «{(said or text.strip()[-120:])[:160]}», {len(text):,} bytes "
                  f"of output; {secs:.2f} s, peak {mib(peak)}", ok)

    vocabulary(dictionary="link", synonyms="link")
    attack("dictionary and synonyms linked to a file outside the folder", "symbolic link")
    vocabulary(config_link=True)
    attack("zhsearch.toml itself a link", "zhsearch.toml: cannot read: a symbolic link")
    forms = ", ".join(f"词{i}" for i in range(20000))
    vocabulary(synonyms=f"营盘, 兵营\n{forms}\n")
    attack("one synonym rule of 20,000 forms (220 KB), stats", "forms in one rule")
    rules = "".join(", ".join(f"词{r}形{i}" for i in range(64)) + "\n" for r in range(50000 // 64))
    vocabulary(synonyms=rules)
    attack(f"a synonym file at the limits ({50000 // 64} rules of 64 forms, {mib(len(rules.encode()))}), stats",
           "entries)")
    attack("the same, an unquoted search (jieba built with every form)", None,
           command=("search", "词1形1"))
    vocabulary(dictionary="营盘党建 10 nz\n" + "x" * 4_000_000 + "\n" + "词 0\n" * 1000)
    attack("a dictionary line of 4,000,000 characters and 1,000 bad lines, stats", "longer than 1000 characters")
    big_dictionary = "".join(f"词条{i} 5 nz\n" for i in range(800000))
    vocabulary(dictionary=big_dictionary)
    attack(f"an 800,000-line dictionary ({mib(len(big_dictionary.encode()))}), index --rebuild of 300 reports",
           "larger than 4 MiB",
           command=("index", corpus, "--rebuild", "--quiet"))
    vocabulary(dictionary="".join(f"词{i} 5\n" for i in range(300000)))
    attack("a 300,000-line dictionary under 4 MiB, index --rebuild of 300 reports", "entries: this line",
           command=("index", corpus, "--rebuild", "--quiet"))
    shutil.rmtree(vocab, ignore_errors=True)
    os.remove(config)
    index_corpus(args.binary, index, corpus)  # back to the bundled vocabulary

    # similar on what is not a file.
    fifo = os.path.join(work, "pipe.txt")
    os.mkfifo(fifo)
    for what, path, want in [("/dev/zero", "/dev/zero", "a device"), ("a named pipe", fifo, "a named pipe")]:
        code, out, err, secs, peak = run_measured([args.binary, "--index", index, "similar", path], work,
                                                  timeout=60)
        res.check(S, f"similar {what}", "exit 2, one line, " + target,
                  f"exit {code}, «{err.strip()[:120]}»; {secs:.2f} s, peak {mib(peak)}",
                  code == 2 and len(err.strip().splitlines()) == 1 and want in err and ok_within(secs, peak))
    os.remove(fifo)


# ---------------------------------------------------------------- main ----

# ------------------------------------------------------------- attacks ----

ATTACK_MAX_S = 12.0
ATTACK_MAX_RSS = 1 << 30


def tree_peak(root_pid, peaks):
    """Adds to `peaks` (pid -> VmHWM bytes) the peak RSS of `root_pid` and its descendants
    alive now."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    todo = [root_pid]
    while todo:
        pid = todo.pop()
        hwm = proc_status(pid, "VmHWM")
        if hwm:
            peaks[pid] = max(peaks.get(pid, 0), hwm)
        todo.extend(children.get(pid, []))


def run_tree_measured(cmd, cwd, timeout=120):
    """Runs `cmd`; (exit code, stderr text, seconds, peak RSS of the process tree in bytes).
    The tree's peak is the sum of each process's own peak: an upper bound."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    peaks = {}
    err = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    while proc.poll() is None:
        tree_peak(proc.pid, peaks)
        if time.monotonic() - t0 > timeout:
            proc.kill()
        time.sleep(0.01)
    seconds = time.monotonic() - t0
    reader.join(5)
    text = (err[0] if err else b"").decode("utf-8", "replace")
    return proc.returncode, text, seconds, sum(peaks.values())


def section_attacks(args, pool, res):
    """Every hostile file of scripts/hostile_files.py, alone beside a good report: `index`
    skips it with a reason and indexes the rest, and `similar` on it is one line, each within
    12 s under 1 GiB; then all of them dropped at once into a watched folder: the server stays
    up and answers, every good report is found, and its thread count settles."""
    log("\n== attacks: hostile files through index, similar and serve --watch")
    sys.path.insert(0, HERE)
    import hostile_files  # noqa: E402
    base = os.path.join(args.work, "attacks")
    shutil.rmtree(base, ignore_errors=True)
    good = "关于基层党建工作的总结\n\n时间:2020-05-01\n\n小营盘镇党委坚持党建引领，推动乡村振兴。\n"
    for name, (ext, make, what) in hostile_files.ATTACKS.items():
        folder = os.path.join(base, name)
        corpus = os.path.join(folder, "corpus")
        os.makedirs(corpus)
        with open(os.path.join(corpus, "good.txt"), "w", encoding="utf-8") as f:
            f.write(good)
        bad = f"attack.{ext}"
        with open(os.path.join(corpus, bad), "wb") as f:
            f.write(make())
        code, err, seconds, peak = run_tree_measured([args.binary, "index", "corpus"], folder)
        named = [l for l in err.splitlines() if bad in l]
        found = subprocess.run([args.binary, "search", "-l", '"小营盘镇党委"'], cwd=folder,
                               capture_output=True, text=True).stdout.split()
        reason = named[0].split(": ", 2)[-1] if named else "(not named)"
        ok = code == 1 and bool(named) and found == ["good.txt"] and seconds <= ATTACK_MAX_S \
            and peak < ATTACK_MAX_RSS
        res.check("attacks", f"index {name} ({what})", "skipped with a reason, the rest indexed, "
                  "≤ 12 s, < 1 GiB", f"exit {code}, {reason}; {seconds:.1f} s, {mib(peak)}", ok)
        code, err, seconds, peak = run_tree_measured(
            [args.binary, "similar", os.path.join("corpus", bad)], folder)
        lines = [l for l in err.splitlines() if l.strip()]
        ok = code == 2 and len(lines) == 1 and seconds <= ATTACK_MAX_S and peak < ATTACK_MAX_RSS
        res.check("attacks", f"similar {name}", "one line, exit 2, ≤ 12 s, < 1 GiB",
                  f"exit {code}, {len(lines)} line(s); {seconds:.1f} s, {mib(peak)}", ok)

    # All at once into a watched folder, with good reports around them.
    folder = os.path.join(base, "_watched")
    corpus = os.path.join(folder, "corpus")
    os.makedirs(corpus)
    with open(os.path.join(corpus, "good.txt"), "w", encoding="utf-8") as f:
        f.write(good)
    index_corpus(args.binary, os.path.join(folder, "index"), corpus)
    server = Server(args.binary, os.path.join(folder, "index"), corpus,
                    os.path.join(folder, "serve.log"))
    stop = threading.Event()
    health = []
    try:
        server.wait_healthy()
        poller = threading.Thread(target=poll_healthz, args=(server.port, stop, health, 0.1, 1.0),
                                  daemon=True)
        poller.start()
        t0 = time.monotonic()
        for i, (name, (ext, make, _)) in enumerate(hostile_files.ATTACKS.items()):
            with open(os.path.join(corpus, f"attack_{name}.{ext}"), "wb") as f:
                f.write(make())
            with open(os.path.join(corpus, f"good_{i}.txt"), "w", encoding="utf-8") as f:
                f.write(f"第{i}号报告\n\n编号甲乙{i:04d}丙丁的正文。\n")
        n = len(hostile_files.ATTACKS)
        peaks = {}
        found = 0
        while time.monotonic() - t0 < 120:
            tree_peak(server.pid, peaks)
            try:
                found = sum(1 for i in range(n)
                            if api_search(server.port, f'"编号甲乙{i:04d}丙丁"')["total"] == 1)
            except (OSError, RuntimeError, http.client.HTTPException):
                pass
            if found == n or server.proc.poll() is not None:
                break
            time.sleep(0.5)
        settled = time.monotonic() - t0
        threads_then = proc_threads(server.pid)
        time.sleep(15)
        threads_later = proc_threads(server.pid)
        stop.set()
        poller.join(5)
        alive = server.proc.poll() is None
        answered = all(ok for _, ok in health) and bool(health)
        res.check("attacks", f"serve --watch with all {n} attacks dropped at once",
                  "alive, /healthz 200 throughout, every good report found",
                  f"{'alive' if alive else 'DIED'}; healthz {sum(ok for _, ok in health)}/{len(health)}; "
                  f"{found}/{n} found in {settled:.1f} s; peak {mib(sum(peaks.values()))}",
                  alive and answered and found == n)
        res.check("attacks", "server threads after the attacks", "no growth over 15 s",
                  f"{threads_then} → {threads_later}", alive and threads_later <= threads_then)
    finally:
        stop.set()
        server.stop()


def proc_threads(pid):
    return proc_status(pid, "Threads") // 1024


def section_idle(args, pool, res):
    S = "idle"
    log(f"\n## idle: `serve --watch` over {args.reports:,} reports left alone, then its folder deleted "
        f"and made again")
    work = os.path.join(args.work, "idle")
    corpus, index = os.path.join(work, "corpus"), os.path.join(work, "index")
    shutil.rmtree(work, ignore_errors=True)
    want = [rel for rel, _ in pool.files[: args.reports]]
    pool.make_corpus(corpus, want)
    folders = len({os.path.dirname(rel) for rel in want})
    secs = index_corpus(args.binary, index, corpus)
    log(f"  {len(want):,} reports in {folders:,} folders indexed in {secs:.1f} s")
    logfile = os.path.join(work, "server-idle.log")
    server = Server(args.binary, index, corpus, logfile)
    try:
        t0 = time.monotonic()
        server.wait_healthy()
        log(f"  healthy after {time.monotonic() - t0:.1f} s")
        # The startup sync is done before the server listens; a few seconds for anything
        # started by it (a sync the old watcher's own scan set off) to show.
        time.sleep(5)
        c0, w0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(args.idle_seconds)
        used, wall = cpu_seconds(server.pid) - c0, time.monotonic() - w0
        share = used / wall
        res.check(S, f"idle watcher CPU over {args.idle_seconds} s ({args.reports:,} reports)", "< 1% of a core",
                  f"{used:.2f} s CPU in {wall:.0f} s = {share:.2%} of a core", share < 0.01)

        # The watched folder deleted and made again.
        rng = random.Random(args.seed)
        gone_rel = rng.choice(want)
        with open(pool.path(gone_rel), "rb") as f:
            gone_text = decode(f.read())
        gone_phrase = unique_phrase(gone_text, "", rng)
        before = api_search(server.port, f'"{gone_phrase}"', timeout=30)["total"] if gone_phrase else 0
        t0 = time.monotonic()
        shutil.rmtree(corpus)
        log(f"  deleted the folder in {time.monotonic() - t0:.1f} s")
        noticed = None
        while time.monotonic() - t0 < 30:
            with open(logfile, "rb") as f:
                if b"is gone" in f.read():
                    noticed = time.monotonic() - t0
                    break
            time.sleep(0.1)
        res.check(S, "the watcher says its folder is gone", "one log line",
                  f"said {noticed:.1f} s after the deletion began" if noticed is not None else "not said in 30 s",
                  noticed is not None)
        os.makedirs(corpus)
        marker = "重建文件夹之后放入的新报告鸮鹮鹬"
        path = os.path.join(corpus, "recreated.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"新报告\n\n时间:2026-01-02\n\n{marker}，用于检查监视是否恢复。\n")
        t1 = time.monotonic()
        found = None
        while time.monotonic() - t1 < 30:
            try:
                if api_search(server.port, f'"{marker}"', timeout=10)["total"] == 1:
                    found = time.monotonic() - t1
                    break
            except (OSError, http.client.HTTPException, RuntimeError):
                pass
            time.sleep(0.1)
        res.check(S, "new report in the recreated folder searchable", "< 5 s",
                  f"{found:.1f} s" if found is not None else "not found in 30 s",
                  found is not None and found < 5.0)
        if gone_phrase:
            after = api_search(server.port, f'"{gone_phrase}"', timeout=30)["total"]
            res.check(S, "a report deleted with the folder is gone after it comes back", "0 hits",
                      f"{before} hit(s) before, {after} after", before >= 1 and after == 0)
        c0, w0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(10)
        share = (cpu_seconds(server.pid) - c0) / (time.monotonic() - w0)
        res.check(S, "idle CPU after the recreation, over 10 s", "< 1% of a core", f"{share:.2%} of a core",
                  share < 0.01)
        log(f"  peak RSS {mib(proc_status(server.pid, 'VmHWM'))}")
    except RuntimeError as e:
        res.check(S, "idle section", "runs", str(e), False)
        log(server.tail())
    finally:
        server.stop()


def machine():
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}), {mem / 2**30:.1f} GiB memory, Linux {platform.release()}"


def revision():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "-C", ROOT, "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="work folder (default: a new temporary folder, removed at the end)")
    ap.add_argument("--reports", type=int, default=20000, help="reports in the corpus (default 20000)")
    ap.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "zhsearch"))
    ap.add_argument("--bench", default=os.path.normpath(os.path.join(ROOT, "..", "shared", "bench")))
    ap.add_argument("--duration", type=int, default=30, help="seconds of wrk load")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--burst-add", type=int, default=2000)
    ap.add_argument("--burst-delete", type=int, default=500)
    ap.add_argument("--sample", type=int, default=50, help="new reports timed to searchable")
    ap.add_argument("--doc-lines", type=int, default=200000)
    ap.add_argument("--flood", type=int, default=30, help="costly queries sent at once")
    ap.add_argument("--idle-timeout", type=float, default=60.0, help="longest wait for idle CPU after the flood")
    ap.add_argument("--tmpfs-mb", type=int, default=40)
    ap.add_argument("--idle-seconds", type=int, default=30, help="seconds of idle CPU measured")
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args()
    sections = [s for s in SECTIONS if s in (args.only or SECTIONS)]

    def terminated(signum, frame):
        raise KeyboardInterrupt  # the sections' finally blocks stop their servers
    signal.signal(signal.SIGTERM, terminated)
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        log(f"no zhsearch binary at {args.binary}: run `cargo build --release` first (or pass --binary)")
        return 2
    if not os.path.exists(os.path.join(args.bench, "materialize.py")):
        log(f"SKIP: no bench corpus at {args.bench} (materialize.py); nothing to run")
        return 0
    temp = args.work is None
    args.work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="zhsearch-reliability-"))
    os.makedirs(args.work, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    command = " ".join(["python3", "scripts/reliability.py"] + sys.argv[1:])
    log(f"{command}\n{started:%Y-%m-%d %H:%M} UTC; {machine()}; zhsearch {revision()} ({args.binary}); "
        f"work folder {args.work}")

    res = Results()
    try:
        need = 0
        if "load" in sections:
            need = max(need, args.reports + args.burst_add)
        if "doc" in sections or "flood" in sections:
            need = max(need, args.reports)
        if "idle" in sections:
            need = max(need, args.reports)
        if "disk" in sections:
            need = max(need, int(args.tmpfs_mb * 1048576 * 1.45 / 1400))  # ~1.4 KB a report at first
        try:
            pool = Pool(args.work, args.bench, need)
        except RuntimeError as e:
            log(f"setup failed: {e}")
            return 2
        for name in sections:
            t0 = time.monotonic()
            {"load": section_load, "doc": section_doc, "flood": section_flood, "disk": section_disk,
             "idle": section_idle, "files": section_files, "attacks": section_attacks}[name](
                args, pool, res)
            log(f"  ({name}: {time.monotonic() - t0:.0f} s)")
    finally:
        if temp:
            shutil.rmtree(args.work, ignore_errors=True)

    out = ["## Reliability", "",
           f"One run of `{command}` on {started:%Y-%m-%d %H:%M} UTC, {machine()}; zhsearch {revision()}. "
           f"Corpus: {args.reports:,} reports from ../shared/bench (10% GB18030).", "",
           "| section | check | target | figure | result |", "|---|---|---|---|---|"]
    for section, name, target, figure, status in res.rows:
        out.append(f"| {section} | {name} | {target} | {figure.replace('|', '/')} | "
                   f"{'met' if status == 'PASS' else '**missed**' if status == 'FAIL' else 'skipped'} |")
    log("\n" + "\n".join(out))
    failed = res.failed()
    log(f"\n{'FAIL' if failed else 'PASS'}: {sum(r[4] == 'FAIL' for r in res.rows)} of {len(res.rows)} checks failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
