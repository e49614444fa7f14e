#!/usr/bin/env python3
"""`make bench`: the performance figures beside their baselines, measured in one run.

Records the machine (CPU, cores, RAM, kernel, file system, SQLite version), then runs, in
order (pick sections with TRAIL_BENCH_ONLY):
  sqlite   raw-SQLite baselines (a) indexed 1000/txn, (b) indexed 1 txn/event, (c) no index
           1000/txn, in C++ with the same rows trail stores        (build/bench/trail_bench_sqlite)
  store    SqliteStore in process, AppendSync and pipelined Append, batches of 1000
                                                                      (build/bench/trail_bench_store)
  http     `trail serve` on a fresh data dir + `trail bench`: NDJSON 1000/request on 4
           connections, single events on 64 connections; ack latency, server RSS sampled
           every 0.5 s, server/client CPU, bytes on disk per event
  query    query latency on a cached store of TRAIL_BENCH_EVENTS events, in process and over
           HTTP (GET /v1/events on `trail serve --store sqlite:<cached store>`), and the
           inclusion proof of a random event (GET /v1/events/{id}/proof)  (build/bench/trail_bench_query)
  gc       bench/gc_bench.py: a GC pruning millions of events (TRAIL_BENCH_GC_EVENTS, default
           5,000,000 in the store) under single-event load from 64 connections
  integrity  pipelined ingest with the tree and signed checkpoints vs without (reps
           alternating), `trail verify --data` over the cached query store
  leaf     leaf format 2 against format 1 (SPEC §5), paired reps alternating which goes first:
           the store in process (pipelined Append) and `trail serve` with NDJSON batches, each
           against the same program built from the last format-1 commit (`make bench-format1`
           builds it into build-format1/; skipped when absent)
  postgres the PostgreSQL store on a throwaway cluster with fsync on (tests/pg_cluster.py; skipped
           when no PostgreSQL server is installed): COPY 1000 rows/txn and one INSERT txn per
           event (1 and 64 connections) with the rows and indexes trail stores
           (build/bench/trail_bench_pg), against `trail serve --store postgresql://…` with one
           node and two nodes on one database: NDJSON 1000/request on 4 connections, single
           events on 64; the integration delay from the sequencer's /metrics
Prints a table (figure | value | target | baseline | ratio | met) on stdout, progress on
stderr, and writes bench/results.json. Python 3 standard library only.

Environment (all optional):
  BUILD_DIR                 build directory with trail and bench/ (default build)
  TRAIL_BENCH_EVENTS        events in the query store (default 10000000)
  TRAIL_BENCH_PREFILL       rows pre-filled into baseline (a)/(b)'s table (default 2000000)
  TRAIL_BENCH_SECONDS       timed seconds per rep for ingest figures (default 5)
  TRAIL_BENCH_SINGLE_SECONDS  seconds for baseline (b) (default 5)
  TRAIL_BENCH_REPS          reps per figure; medians are reported (default 3)
  TRAIL_BENCH_STORE_EVENTS  events per rep for the in-process store figures (default 300000)
  TRAIL_BENCH_QUERIES       queries per kind per rep (default 1000)
  TRAIL_BENCH_CACHE         cache directory for the query store and the pre-filled table
                            (default bench/.cache; reused across runs, never committed)
  TRAIL_BENCH_CACHE_KEY     overrides the query store's cache key (default: derived from the
                            store's and the workload's source files)
  TRAIL_BENCH_ONLY          comma list of sections (default sqlite,store,http,query,integrity,gc,
                            postgres)
  TRAIL_BENCH_RESULTS       results file (default bench/results.json)
  TRAIL_BENCH_FORMAT1_BUILD build directory of the format-1 programs (default build-format1/build)
"""

import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402  tests/harness.py: `trail serve` on a free port, waited for


def env(name, default):
    v = os.environ.get(name, "")
    return type(default)(v) if v != "" else default


BUILD = env("BUILD_DIR", "build")
EVENTS = env("TRAIL_BENCH_EVENTS", 10_000_000)
PREFILL = env("TRAIL_BENCH_PREFILL", 2_000_000)
SECONDS = env("TRAIL_BENCH_SECONDS", 5.0)
SINGLE_SECONDS = env("TRAIL_BENCH_SINGLE_SECONDS", 5.0)
REPS = env("TRAIL_BENCH_REPS", 3)
STORE_EVENTS = env("TRAIL_BENCH_STORE_EVENTS", 300_000)
QUERIES = env("TRAIL_BENCH_QUERIES", 1000)
CACHE = os.path.abspath(env("TRAIL_BENCH_CACHE", os.path.join("bench", ".cache")))
ONLY = set(env("TRAIL_BENCH_ONLY", "sqlite,store,http,query,integrity,leaf,gc,postgres").split(","))
FORMAT1_BUILD = env("TRAIL_BENCH_FORMAT1_BUILD", os.path.join("build-format1", "build"))
GC_EVENTS = int(env("TRAIL_BENCH_GC_EVENTS", "5000000"))
RESULTS = env("TRAIL_BENCH_RESULTS", os.path.join("bench", "results.json"))
TYPES = "examples/warehouse/events.toml"
TRAIL = os.path.join(BUILD, "trail")


def bin_path(name):
    return os.path.join(BUILD, "bench", name)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    log("bench: " + msg)
    sys.exit(1)


def run_json(cmd, what):
    """Runs a bench program; its stdout holds one JSON object per line (keyed by "figure")."""
    log(f"== {what}")
    log("   $ " + " ".join(cmd))
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        die(f"{what} failed (exit {p.returncode})")
    out = {}
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            o = json.loads(line)
            out[o.get("figure", "?")] = o
    log(f"   ({time.monotonic() - t0:.0f} s)")
    return out


def sha_of(paths, extra=""):
    h = hashlib.sha1(extra.encode())
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:10]


# ---------------------------------------------------------------- machine

def fsync_probe(directory, n=100):
    """Latency (ms, p50 and p99) of appending 4 KiB to a file and fsync'ing it, in `directory`:
    what a WAL commit waits for. Baseline (b) and the single-event figures are bounded by it,
    and it moves with other I/O on the machine (one ext4 journal), so it is taken at the start
    and at the end of the run."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        block = b"x" * 4096
        for i in range(n):
            os.pwrite(fd, block, i * 4096)
            t0 = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - t0) * 1e3)
    finally:
        os.close(fd)
        os.remove(path)
    times.sort()
    return {"p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99) - 1]}


def machine_info(work):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    fs = "?"
    try:
        best = ""
        tmp = os.path.realpath(tempfile.gettempdir())
        with open("/proc/mounts") as f:
            for line in f:
                dev, mnt, typ = line.split()[:3]
                if (tmp == mnt or tmp.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                    best, fs = mnt, f"{typ} on {dev} ({mnt})"
    except OSError:
        pass
    commit = None
    try:
        head = open(".git/HEAD").read().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            if os.path.exists(os.path.join(".git", ref)):
                commit = open(os.path.join(".git", ref)).read().strip()
            elif os.path.exists(".git/packed-refs"):
                for line in open(".git/packed-refs"):
                    if line.strip().endswith(" " + ref):
                        commit = line.split()[0]
        else:
            commit = head
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_bytes": mem,
        "kernel": platform.release(),
        "os": platform.platform(),
        "fs": fs,
        "sqlite": sqlite3.sqlite_version,
        "loadavg_at_start": os.getloadavg()[0],
        "fsync_4k_at_start": fsync_probe(work),
        "commit": commit,
    }


# ---------------------------------------------------------------- server helpers

class Server(harness.Server):
    """`trail serve` (tests/harness.py's Server, started at once) with the warehouse types on
    a free loopback port, its output in DATA.log; RSS and CPU read from /proc."""

    def __init__(self, data, extra=(), binary=None):
        os.makedirs(data, exist_ok=True)
        super().__init__(*extra, events=TYPES, data=data, binary=binary or TRAIL,
                         log=data.rstrip("/") + ".log")
        log("   $ " + " ".join(self.command()))
        try:
            self.start(timeout=60)
        except RuntimeError as e:
            die(str(e))

    @property
    def key(self):
        return self.admin_key

    def rss(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def cpu_seconds(self):
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return 0.0

    def thread_cpu_seconds(self):
        """CPU seconds of each thread, by thread id (creation order = ascending id)."""
        out = {}
        try:
            for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
                try:
                    with open(f"/proc/{self.proc.pid}/task/{tid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    out[int(tid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                except OSError:
                    pass
        except OSError:
            pass
        return out


class RssSampler(threading.Thread):
    def __init__(self, server, period=0.5):
        super().__init__(daemon=True)
        self.server, self.period = server, period
        self.samples = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.samples.append(self.server.rss())
            self.halt.wait(self.period)

    def finish(self):
        self.halt.set()
        self.join()
        return max(self.samples) if self.samples else 0


def run_client(cmd):
    """Runs a client; returns (stdout, its CPU seconds)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, out, ru.ru_utime + ru.ru_stime


def dir_bytes(d):
    n = 0
    for name in os.listdir(d):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            n += os.path.getsize(p)
    return n


# ---------------------------------------------------------------- sections

def section_sqlite(work):
    key = sha_of(["src/loadgen/workload.cc", "bench/sqlite_baseline.cc", TYPES], str(PREFILL))
    os.makedirs(CACHE, exist_ok=True)
    template = os.path.join(CACHE, f"sqlite-indexed-{PREFILL}-{key}.db")
    for old in os.listdir(CACHE):  # drop templates of other versions
        if old.startswith("sqlite-indexed-") and not old.startswith(os.path.basename(template)):
            os.remove(os.path.join(CACHE, old))
    return run_json([bin_path("trail_bench_sqlite"), "--events-file", TYPES, "--workdir", os.path.join(work, "sqlite"),
                     "--template", template, "--prefill", str(PREFILL), "--seconds", str(SECONDS),
                     "--single-seconds", str(SINGLE_SECONDS), "--reps", str(REPS)],
                    "raw SQLite baselines (a), (b), (c)")


def section_store(work):
    return run_json([bin_path("trail_bench_store"), "--events-file", TYPES, "--workdir", os.path.join(work, "store"),
                     "--events", str(STORE_EVENTS), "--reps", str(REPS)],
                    "trail SqliteStore in process")


def http_mode(server, mode, connections, batch, label):
    runs = []
    for i in range(REPS):
        cmd = [TRAIL, "bench", "--url", server.url, "--key", server.key, "--json", "--mode", mode,
               "--connections", str(connections), "--batch", str(batch), "--duration", str(SECONDS),
               "--seed", str(100 + i)]
        c0, th0 = server.cpu_seconds(), server.thread_cpu_seconds()
        t0 = time.monotonic()
        rc, out, client_cpu = run_client(cmd)
        wall = time.monotonic() - t0
        server_cpu = server.cpu_seconds() - c0
        th1 = server.thread_cpu_seconds()
        # Per-thread CPU (cores), in thread creation order; the busiest one is the bottleneck
        # when it nears 1.0 (the store's single writer thread is the 2nd thread created).
        threads = [(th1[t] - th0.get(t, 0.0)) / wall for t in sorted(th1)]
        line = [l for l in out.splitlines() if l.startswith("{")]
        if not line:
            die(f"trail bench printed nothing (exit {rc})")
        r = json.loads(line[-1])
        r["server_cpu_cores"] = server_cpu / wall
        r["client_cpu_cores"] = client_cpu / wall
        r["server_thread_cores"] = [round(x, 3) for x in threads]
        r["busiest_thread_cores"] = max(threads) if threads else 0
        r["busiest_thread_index"] = threads.index(max(threads)) if threads else -1
        r["exit"] = rc
        runs.append(r)
        log(f"   {label} rep {i + 1}: {r['events_per_s']:.0f} events/s, ack p50 {r['p50_ms']:.2f} ms "
            f"p99 {r['p99_ms']:.2f} ms, errors {r['errors']}, throttled {r['throttled']}; "
            f"CPU: server {r['server_cpu_cores']:.2f} cores (busiest thread #{r['busiest_thread_index']}: "
            f"{r['busiest_thread_cores']:.2f}), client {r['client_cpu_cores']:.2f} cores")
    med = lambda k: statistics.median(r[k] for r in runs)
    return {
        "mode": mode, "connections": connections, "batch": batch, "seconds_per_rep": SECONDS,
        "events_per_s": med("events_per_s"), "p50_ms": med("p50_ms"), "p99_ms": med("p99_ms"),
        "server_cpu_cores": med("server_cpu_cores"), "client_cpu_cores": med("client_cpu_cores"),
        "busiest_thread_cores": med("busiest_thread_cores"),
        "errors": sum(r["errors"] for r in runs), "throttled": sum(r["throttled"] for r in runs),
        "reps": runs,
    }


def section_http(work):
    log("== trail over HTTP (trail serve + trail bench)")
    data = os.path.join(work, "http-data")
    server = Server(data)
    sampler = RssSampler(server)
    sampler.start()
    out = {}
    try:
        out["http_batch"] = http_mode(server, "batch", 4, 1000, "NDJSON 1000/request, 4 connections")
        rss_batch = max(sampler.samples) if sampler.samples else 0
        out["http_single"] = http_mode(server, "single", 64, 1, "single event, 64 connections")
    finally:
        rss = sampler.finish()
        rc = server.stop()
    out["http_rss"] = {"max_rss_bytes": rss, "max_rss_batch_bytes": rss_batch, "samples": len(sampler.samples),
                       "period_s": 0.5, "server_exit": rc}
    db = sqlite3.connect(f"file:{os.path.join(data, 'trail.db')}?mode=ro", uri=True)
    events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    db.close()
    size = dir_bytes(data)
    out["http_disk"] = {"events": events, "bytes": size, "bytes_per_event": size / max(events, 1)}
    log(f"   server RSS max {rss / 2**20:.1f} MiB; {events} events, {size / 2**20:.1f} MiB on disk "
        f"({size / max(events, 1):.0f} bytes/event); server exit {rc}")
    return out


def store_cache_key():
    """The query store is rebuilt when anything that decides its content changes: the store's
    sources (but not the query executor), the workload, the event types. Bump the "q1" when
    the build procedure in query_bench.cc changes."""
    k = os.environ.get("TRAIL_BENCH_CACHE_KEY")
    if k:
        return k
    files = []
    for d, _, names in os.walk("src/store"):
        for n in names:
            if n.endswith((".cc", ".h")) and not n.endswith("_test.cc") and not n.startswith("query_executor"):
                files.append(os.path.join(d, n))
    return "q1-" + sha_of(sorted(files) + ["src/loadgen/workload.cc", TYPES])


def section_integrity(work):
    """Integrity: pipelined ingest into a store keeping the tree and signed checkpoints against one
    without (reps alternating), and `trail verify --data` over the cached query store."""
    out = run_json([bin_path("trail_bench_store"), "--integrity", "--events-file", TYPES,
                    "--workdir", os.path.join(work, "integrity"), "--events", str(STORE_EVENTS),
                    "--reps", str(max(REPS, 5))], "ingest with vs without the tree and checkpoints")
    db = os.path.join(CACHE, f"store-{EVENTS}-{store_cache_key()}.db")
    if not os.path.exists(db + ".done"):
        log(f"   no cached query store at {db}: run the query section first; verify skipped")
        return out
    rates = []
    for rep in range(REPS):
        t0 = time.monotonic()
        p = subprocess.run([TRAIL, "verify", "--store", "sqlite:" + db, "--data", work],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        secs = time.monotonic() - t0
        m = re.search(r"^(\d+) events:", p.stdout, re.M)
        if p.returncode != 0 or not m:
            die(f"trail verify failed ({p.returncode}): {p.stdout[-500:]}")
        rates.append(int(m.group(1)) / secs)
        log(f"   verify --data rep {rep + 1}: {int(m.group(1)):,} events in {secs:.2f} s = {rates[-1]:,.0f} ev/s")
    out["verify_data"] = {"events": int(m.group(1)), "events_per_s": statistics.median(rates), "reps": rates}
    return out


def section_leaf(work):
    """Leaf format 2 (one more SHA-256 per event on the writer, the salt and the
    personal hash on the request threads, the description no longer rendered or stored) against
    format 1, built from the last format-1 commit. Paired reps, the order alternating, so that
    a noisy neighbour slows both sides of a pair alike; the ratio of medians and the median of
    the pairs' ratios are both reported."""
    f1_store = os.path.join(FORMAT1_BUILD, "bench", "trail_bench_store")
    f1_trail = os.path.join(FORMAT1_BUILD, "trail")
    if not (os.path.exists(f1_store) and os.path.exists(f1_trail)):
        log(f"== leaf format: no format-1 build in {FORMAT1_BUILD} (make bench-format1); skipped")
        return {"skipped": f"no format-1 build in {FORMAT1_BUILD}"}
    sides = {"format1": (f1_store, f1_trail), "format2": (bin_path("trail_bench_store"), TRAIL)}
    store = {k: [] for k in sides}
    http = {k: [] for k in sides}
    reps = max(REPS, 5)
    for rep in range(reps):
        order = ["format1", "format2"] if rep % 2 == 0 else ["format2", "format1"]
        for side in order:
            prog, _ = sides[side]
            o = run_json([prog, "--events-file", TYPES, "--workdir", os.path.join(work, f"leaf-{side}-{rep}"),
                          "--events", str(STORE_EVENTS), "--reps", "1"], f"leaf {side}: store in process, rep {rep + 1}")
            store[side].append(o["store_append_async"]["events_per_s"])
            shutil.rmtree(os.path.join(work, f"leaf-{side}-{rep}"), ignore_errors=True)
        for side in order:
            _, server_bin = sides[side]
            data = os.path.join(work, f"leaf-http-{side}-{rep}")
            server = Server(data, binary=server_bin)
            try:
                cmd = [TRAIL, "bench", "--url", server.url, "--key", server.key, "--json", "--mode", "batch",
                       "--connections", "4", "--batch", "1000", "--duration", str(SECONDS), "--seed", str(200 + rep)]
                rc, out, _ = run_client(cmd)
                line = [l for l in out.splitlines() if l.startswith("{")]
                if not line:
                    die(f"trail bench printed nothing (exit {rc})")
                http[side].append(json.loads(line[-1])["events_per_s"])
                log(f"   leaf {side}: HTTP NDJSON rep {rep + 1}: {http[side][-1]:,.0f} events/s")
            finally:
                server.stop()
                shutil.rmtree(data, ignore_errors=True)

    def summary(runs):
        f1, f2 = runs["format1"], runs["format2"]
        return {"format1_events_per_s": statistics.median(f1), "format2_events_per_s": statistics.median(f2),
                "ratio_of_medians": statistics.median(f2) / statistics.median(f1),
                "median_pair_ratio": statistics.median(b / a for a, b in zip(f1, f2)),
                "format1_reps": f1, "format2_reps": f2}
    return {"leaf_store": summary(store), "leaf_http": summary(http)}


def section_gc(work):
    """Retention: bench/gc_bench.py — prune millions of events under single-event load."""
    env = dict(os.environ, TRAIL_BIN=TRAIL)
    log(f"== gc: prune {GC_EVENTS:,} events' worth of logins while 64 connections ingest (bench/gc_bench.py)")
    env["TRAIL_GC_EVENTS"] = str(GC_EVENTS)
    p = subprocess.run([sys.executable, "bench/gc_bench.py"], stdout=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        die(f"bench/gc_bench.py failed ({p.returncode})")
    return json.loads(p.stdout.strip().splitlines()[-1])


def section_query(work):
    key = store_cache_key()
    os.makedirs(CACHE, exist_ok=True)
    name = f"store-{EVENTS}-{key}.db"
    db = os.path.join(CACHE, name)
    marker_ok = os.path.exists(db + ".done")
    if not marker_ok:  # about to build: drop stores of other versions (they are large)
        for old in os.listdir(CACHE):
            if old.startswith("store-") and not old.startswith(name):
                log(f"   removing stale cached store {old}")
                os.remove(os.path.join(CACHE, old))
    out = run_json([bin_path("trail_bench_query"), "--build", "--db", db, "--events", str(EVENTS),
                    "--cache-key", key, "--events-file", TYPES],
                   f"query store: {EVENTS} events (cache {db})")
    out["query_store"] = {"path": db, "events": EVENTS, "cache_key": key, "reused": marker_ok,
                          "bytes": sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))}
    common = ["--db", db, "--events-file", TYPES, "--queries", str(QUERIES), "--reps", str(REPS)]
    out.update(run_json([bin_path("trail_bench_query"), *common], "query latency in process (SqliteStore::Query)"))
    log("== query latency over HTTP (GET /v1/events)")
    data = os.path.join(work, "query-data")
    # A long retention interval: no background job may touch the cached store.
    cfg = os.path.join(work, "query-trail.toml")
    with open(cfg, "w") as f:
        f.write('[retention]\ninterval = "3650d"\npersonal_data = "3650d"\n')
    server = Server(data, ["--store", "sqlite:" + db, "--config", cfg])
    try:
        out.update(run_json([bin_path("trail_bench_query"), *common, "--url", server.url, "--key", server.key],
                            "query latency over HTTP"))
    finally:
        server.stop()
    return out


def section_postgres(work):
    """The PostgreSQL store, side by side on one throwaway cluster (`tests/pg_cluster.py start
    --durable`: fsync and synchronous_commit on): the baselines of build/bench/trail_bench_pg
    (COPY 1000 rows/txn; one INSERT transaction per event from 1 and 64 connections) and
    `trail serve --store postgresql://…` under `trail bench`: one node, and two nodes on one
    database sharing the same load (NDJSON 1000/request on 4 connections; single events on 64
    connections); a fresh database per configuration. Batched reps alternate COPY / one node /
    two nodes, single-event reps alternate the INSERT baselines / one node / two nodes, so
    that drift in the machine's load hits all alike. The integration delay is read from each
    node's /metrics (the sequencer's summary since it started: this configuration's load)."""
    import urllib.request
    if not os.path.exists(bin_path("trail_bench_pg")):
        die(f"{bin_path('trail_bench_pg')} is missing: run `make build` (or set BUILD_DIR)")
    pgc = [sys.executable, "tests/pg_cluster.py"]
    p = subprocess.run(pgc + ["start", "--durable"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode == 3:
        log("   no PostgreSQL server binaries installed (Debian: apt-get install postgresql): section skipped")
        return {"skipped": "no PostgreSQL server binaries"}
    if p.returncode != 0:
        die(f"pg_cluster.py start failed: {p.stderr.strip()[-500:]}")
    root = p.stdout.split()[1]
    servers = []
    out = {}

    def createdb(name):
        r = subprocess.run(pgc + ["createdb", root, name], stdout=subprocess.PIPE, text=True)
        if r.returncode != 0:
            die(f"pg_cluster.py createdb {name} failed")
        return r.stdout.strip()

    def pg_cpu():
        """CPU seconds of the postmaster and every process it started (backends, WAL writer, …)."""
        try:
            pm = int(open(os.path.join(root, "data", "postmaster.pid")).readline())
        except (OSError, ValueError):
            return 0.0
        total = 0.0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(pid) == pm or int(fields[1]) == pm:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def start_nodes(name, count):
        url = createdb(name)
        nodes = []
        for i in range(count):
            data = os.path.join(work, f"pg-{name}-{i}")
            if nodes:  # one deployment: the first node's secrets on every node (docs/OPERATIONS.md)
                os.makedirs(data, mode=0o700)
                for f in ("log.key", "admin.key", "viewer.secret"):
                    shutil.copy2(os.path.join(nodes[0].data, f), os.path.join(data, f))
            nodes.append(Server(data, ["--store", url]))
            servers.append(nodes[-1])
        return nodes

    def metrics(server):
        req = urllib.request.Request(server.url + "/metrics", headers={"Authorization": "Bearer " + server.key})
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
        m = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                k, _, v = line.rpartition(" ")
                try:
                    m[k] = float(v)
                except ValueError:
                    pass
        return m

    def delay(nodes):
        """The integration delay from the sequencer's /metrics (ms)."""
        ms = [metrics(n) for n in nodes]
        m = max(ms, key=lambda x: x.get("trail_pg_sequencer", 0))
        return {"p50_ms": m.get('trail_pg_integration_delay_seconds{quantile="0.5"}', 0) * 1e3,
                "p99_ms": m.get('trail_pg_integration_delay_seconds{quantile="0.99"}', 0) * 1e3,
                "max_ms": m.get("trail_pg_integration_delay_max_seconds", 0) * 1e3,
                "events": int(m.get("trail_pg_integration_delay_seconds_count", 0)),
                "sequencers": sum(x.get("trail_pg_sequencer", 0) for x in ms),
                "pending_events_after": max(x.get("trail_pg_pending_events", 0) for x in ms)}

    def load(nodes, mode, connections, batch, rep, label):
        """`trail bench` on every node at once, `connections` split evenly; one rep."""
        per = connections // len(nodes)
        cmds = [[TRAIL, "bench", "--url", n.url, "--key", n.key, "--json", "--mode", mode, "--connections", str(per),
                 "--batch", str(batch), "--duration", str(SECONDS), "--seed", str(100 + 10 * rep + i)]
                for i, n in enumerate(nodes)]
        c0, p0 = sum(n.cpu_seconds() for n in nodes), pg_cpu()
        t0 = time.monotonic()
        procs = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in cmds]
        results, client_cpu = [], 0.0
        for pr in procs:
            text = pr.stdout.read()
            _, status, ru = os.wait4(pr.pid, 0)
            client_cpu += ru.ru_utime + ru.ru_stime
            line = [l for l in text.splitlines() if l.startswith("{")]
            if not line:
                die(f"trail bench printed nothing (exit {os.waitstatus_to_exitcode(status)})")
            results.append(json.loads(line[-1]))
        wall = time.monotonic() - t0
        events = sum(x["events"] for x in results)
        r = {"events_per_s": events / max(x["seconds"] for x in results), "events": events,
             "p50_ms": statistics.median(x["p50_ms"] for x in results), "p99_ms": max(x["p99_ms"] for x in results),
             "errors": sum(x["errors"] for x in results), "throttled": sum(x["throttled"] for x in results),
             "server_cpu_cores": (sum(n.cpu_seconds() for n in nodes) - c0) / wall,
             "pg_cpu_cores": (pg_cpu() - p0) / wall, "client_cpu_cores": client_cpu / wall,
             "per_node_events_per_s": [x["events_per_s"] for x in results]}
        log(f"   {label} rep {rep + 1}: {r['events_per_s']:,.0f} events/s, ack p50 {r['p50_ms']:.1f} ms p99 "
            f"{r['p99_ms']:.1f} ms, errors {r['errors']}, throttled {r['throttled']}; CPU cores: trail "
            f"{r['server_cpu_cores']:.2f}, postgres {r['pg_cpu_cores']:.2f}, load generator {r['client_cpu_cores']:.2f}")
        return r

    def summary(runs, **extra):
        med = lambda k: statistics.median(x[k] for x in runs)
        s = {k: med(k) for k in ("events_per_s", "p50_ms", "p99_ms", "server_cpu_cores", "pg_cpu_cores",
                                 "client_cpu_cores")}
        s.update(errors=sum(x["errors"] for x in runs), throttled=sum(x["throttled"] for x in runs), reps=runs, **extra)
        return s

    def baseline(only, rep, label):
        p0, t0 = pg_cpu(), time.monotonic()
        r = run_json([bin_path("trail_bench_pg"), "--url", base_url, "--events-file", TYPES, "--only", only,
                      "--reps", "1", "--seconds", str(SECONDS), "--single-seconds", str(SINGLE_SECONDS),
                      "--connections", "64"], f"{label}, rep {rep + 1}")
        cores = (pg_cpu() - p0) / (time.monotonic() - t0)  # includes the untimed row preparation
        for v in r.values():
            v["pg_cpu_cores"] = cores
        return r

    try:
        base_url = createdb("baseline")
        log(f"== PostgreSQL (issue 7): cluster {root}")
        one = start_nodes("batch1", 1)
        two = start_nodes("batch2", 2)
        copy, b1, b2 = [], [], []
        for rep in range(REPS):
            r = baseline("copy", rep, "COPY 1000 rows/txn (baseline)")
            out["pg_version"] = r.get("pg_version", {})
            copy.append(r["pg_copy_batch"]["events_per_s"])
            b1.append(load(one, "batch", 4, 1000, rep, "one node, NDJSON 1000/request, 4 connections"))
            b2.append(load(two, "batch", 4, 1000, rep, "two nodes, NDJSON 1000/request, 2 connections each"))
        out["pg_copy_batch"] = {"events_per_s": statistics.median(copy), "reps": copy, "batch": 1000, "connections": 1}
        out["pg_one_batch"] = summary(b1, delay=delay(one))
        out["pg_two_batch"] = summary(b2, delay=delay(two))
        for n in one + two:
            n.stop()
        s1 = start_nodes("single1", 1)
        s2 = start_nodes("single2", 2)
        ins1, ins64, l1, l2 = [], [], [], []
        for rep in range(REPS):
            r = baseline("single,single64", rep, "one INSERT transaction per event, 1 and 64 connections (baseline)")
            ins1.append(r["pg_insert_single"]["events_per_s"])
            ins64.append(r["pg_insert_single_64"]["events_per_s"])
            l1.append(load(s1, "single", 64, 1, rep, "one node, single events, 64 connections"))
            l2.append(load(s2, "single", 64, 1, rep, "two nodes, single events, 32 connections each"))
        out["pg_insert_single"] = {"events_per_s": statistics.median(ins1), "reps": ins1, "connections": 1}
        out["pg_insert_single_64"] = {"events_per_s": statistics.median(ins64), "reps": ins64, "connections": 64}
        out["pg_one_single"] = summary(l1, delay=delay(s1))
        out["pg_two_single"] = summary(l2, delay=delay(s2))
        for k in ("pg_one_batch", "pg_two_batch", "pg_one_single", "pg_two_single"):
            d = out[k]["delay"]
            log(f"   {k}: integration delay p50 / p99 / max {d['p50_ms']:.1f} / {d['p99_ms']:.1f} / {d['max_ms']:.1f} ms "
                f"over {d['events']:,} events")
    finally:
        for s in servers:
            s.stop()
        subprocess.run(pgc + ["stop", root])
    return out


# ---------------------------------------------------------------- report

def fmt_rate(v):
    return f"{v:,.0f} ev/s"


def build_figures(r):
    """The table: (label, value text, target text, baseline text, ratio text, met) + JSON rows."""
    rows, figs = [], []
    get = lambda sec, k: (r.get(sec) or {}).get(k)

    def add(fid, label, value, unit, vtext, target=None, ttext="", base_id=None, base=None, btext="",
            ratio_target=None, value_target_kind=">="):
        ratio = value / base if (value is not None and base) else None
        met = None
        checks = []
        if target is not None and value is not None:
            checks.append(value >= target if value_target_kind == ">=" else value <= target)
        if ratio_target is not None and ratio is not None:
            checks.append(ratio >= ratio_target)
        if checks:
            met = all(checks)
        rtext = ""
        if ratio is not None:
            rtext = f"{ratio:.2f}x" + (f" (>= {ratio_target:g}x)" if ratio_target else "")
        rows.append((label, vtext, ttext, btext, rtext, "" if met is None else ("yes" if met else "NO")))
        figs.append({"id": fid, "label": label, "value": value, "unit": unit, "target": target,
                     "target_kind": value_target_kind if target is not None else None,
                     "baseline": base_id, "baseline_value": base, "ratio": ratio, "ratio_target": ratio_target,
                     "met": met})

    s = r.get("sqlite", {})
    a = get("sqlite", "sqlite_indexed_batch") or {}
    b = get("sqlite", "sqlite_indexed_single") or {}
    c = get("sqlite", "sqlite_noindex_batch") or {}
    av, bv, cv = a.get("events_per_s"), b.get("events_per_s"), c.get("events_per_s")
    if s:
        add("sqlite_c", "(c) raw SQLite, no secondary index, 1000 rows/txn", cv, "events/s",
            fmt_rate(cv) if cv else "-", ttext="baseline")
        add("sqlite_a", f"(a) raw SQLite, 3 B-tree idx, 1000 rows/txn, {a.get('prefill_rows', 0) / 1e6:g}M pre-filled",
            av, "events/s", fmt_rate(av) if av else "-", ttext="baseline")
        add("sqlite_b", "(b) raw SQLite, 3 B-tree idx, 1 txn per event", bv, "events/s",
            fmt_rate(bv) if bv else "-", ttext="baseline")

    st = r.get("store", {})
    if st:
        sy = st.get("store_append_sync", {}).get("events_per_s")
        asy = st.get("store_append_async", {})
        add("store_sync", "trail in process: AppendSync, batches of 1000", sy, "events/s", fmt_rate(sy),
            base_id="sqlite_a", base=av, btext=f"(a) {fmt_rate(av)}" if av else "")
        ss = st.get("store_append_sync", {})
        add("store_sync_latency", "  AppendSync batch latency p50 / p99 / max", ss.get("batch_p99_ms"), "ms",
            f"{ss.get('batch_p50_ms', 0):.1f} / {ss.get('batch_p99_ms', 0):.1f} / {ss.get('batch_max_ms', 0):.1f} ms")
        add("store_async", f"trail in process: Append, {asy.get('inflight', 16)} batches in flight",
            asy.get("events_per_s"), "events/s", fmt_rate(asy.get("events_per_s", 0)),
            base_id="sqlite_c", base=cv, btext=f"(c) {fmt_rate(cv)}" if cv else "")

    h = r.get("http", {})
    if h:
        hb, hs = h["http_batch"], h["http_single"]
        def issues(x):
            t = [f"{x[k]} {k}" for k in ("errors", "throttled") if x.get(k)]
            return (" (" + ", ".join(t) + ")") if t else ""
        add("http_batch", "HTTP: NDJSON 1000 events/request, 4 connections", hb["events_per_s"], "events/s",
            fmt_rate(hb["events_per_s"]) + issues(hb), target=200000, ttext=">= 200,000", base_id="sqlite_a", base=av,
            btext=f"(a) {fmt_rate(av)}" if av else "", ratio_target=4)
        add("http_batch_vs_c", "  the same, against the storage ceiling", hb["events_per_s"], "events/s", "",
            base_id="sqlite_c", base=cv, btext=f"(c) {fmt_rate(cv)}" if cv else "", ratio_target=0.6)
        add("http_batch_ack_p50", "  ack latency p50", hb["p50_ms"], "ms", f"{hb['p50_ms']:.2f} ms")
        add("http_batch_ack_p99", "  ack latency p99", hb["p99_ms"], "ms", f"{hb['p99_ms']:.2f} ms")
        add("http_batch_cpu", "  CPU cores: server (its busiest thread) / load generator", hb["server_cpu_cores"],
            "cores", f"{hb['server_cpu_cores']:.2f} ({hb['busiest_thread_cores']:.2f}) / {hb['client_cpu_cores']:.2f}")
        add("http_single", "HTTP: single-event requests, 64 connections", hs["events_per_s"], "events/s",
            fmt_rate(hs["events_per_s"]) + issues(hs), target=30000, ttext=">= 30,000", base_id="sqlite_b", base=bv,
            btext=f"(b) {fmt_rate(bv)}" if bv else "", ratio_target=15)
        add("http_single_ack_p50", "  ack latency p50", hs["p50_ms"], "ms", f"{hs['p50_ms']:.2f} ms")
        add("http_single_ack_p99", "  ack latency p99", hs["p99_ms"], "ms", f"{hs['p99_ms']:.2f} ms")
        add("http_single_cpu", "  CPU cores: server (its busiest thread) / load generator", hs["server_cpu_cores"],
            "cores", f"{hs['server_cpu_cores']:.2f} ({hs['busiest_thread_cores']:.2f}) / {hs['client_cpu_cores']:.2f}")
        rss = h["http_rss"]["max_rss_bytes"] / 2**20
        add("http_rss", "server RSS, max during sustained ingest (0.5 s samples)", rss, "MiB", f"{rss:.1f} MiB",
            target=200, ttext="<= 200 MiB", value_target_kind="<=")
        d = h["http_disk"]
        ia = get("sqlite", "sqlite_indexed_size") or {}
        add("http_bytes_per_event", f"bytes on disk per event (data dir / {d['events']:,} events)",
            d["bytes_per_event"], "bytes", f"{d['bytes_per_event']:.0f} B", base_id="sqlite_a_bytes",
            base=ia.get("bytes_per_row"),
            btext=(f"(a) {ia['bytes_per_row']:.0f} B, (c) {c.get('bytes_per_row', 0):.0f} B" if ia else ""))

    q = r.get("query", {})
    if q:
        n = q["query_store"]["events"]
        names = [("subject", "subject history, newest 50"), ("actor", "actor history, newest 50"),
                 ("tag_prefix", "tag prefix tag=project:*"), ("search", "search q=tag:account:login:*"),
                 ("subject_tag_time", "subject + tag + 90-day window"),
                 ("proof", "inclusion proof of a random event (issue 6)")]
        for where, limit in (("inproc", 2.0), ("http", 5.0)):
            w = "in process" if where == "inproc" else "over HTTP"
            for k, label in names:
                f = q.get(f"query_{where}_{k}")
                if not f:
                    continue
                lim = 1.0 if k == "proof" else limit
                add(f"query_{where}_{k}", f"query {w} ({n / 1e6:g}M): {label}, p50 / p99",
                    f["p99_ms"], "ms", f"{f['p50_ms']:.3f} / {f['p99_ms']:.3f} ms", target=lim,
                    ttext=f"p99 <= {lim:g} ms", value_target_kind="<=")
    gcr = r.get("gc", {})
    if gcr:
        add("gc_ingest", f"single events, 64 conns, during a GC of {gcr['gc_pruned']:,} events (issue 4)",
            gcr["ingest_during_gc"], "events/s", fmt_rate(gcr["ingest_during_gc"]), base_id="gc_no_gc",
            base=gcr["ingest_without_gc"], btext=f"no GC: {fmt_rate(gcr['ingest_without_gc'])}", ratio_target=0.7)
        add("gc_p99", "  ack p99 during GC (median of 4 s rounds)", gcr["p99_during_ms_median"], "ms",
            f"{gcr['p99_during_ms_median']:.1f} ms (max {gcr['p99_during_ms_max']:.1f})",
            target=3 * gcr["p99_without_ms"], ttext=f"<= 3x {gcr['p99_without_ms']:.1f} ms", value_target_kind="<=")
        add("gc_rate", "  events pruned per second, under that load", gcr["gc_pruned_per_s"], "events/s",
            fmt_rate(gcr["gc_pruned_per_s"]), target=200000, ttext=">= 200,000")
        add("gc_rate_alone", f"  events pruned per second, no load ({gcr['alone_pruned']:,} events)",
            gcr["alone_pruned_per_s"], "events/s", fmt_rate(gcr["alone_pruned_per_s"]), target=200000, ttext=">= 200,000")
        add("gc_disk", "  data dir: filled -> after both GCs -> server stopped (incl. events ingested meanwhile)",
            gcr["disk_stopped_mb"], "MB",
            f"{gcr['disk_filled_mb']:,.0f} -> {gcr['disk_after_mb']:,.0f} -> {gcr['disk_stopped_mb']:,.0f} MB "
            f"(+{gcr['events_ingested_during_gc']:,} ev; {gcr['disk_stopped_mb'] * 2**20 / gcr['events_total']:.0f} B/event)")
        add("gc_scrub", "  personal data scrubbed per second, alone", gcr["scrubbed_per_s_alone"], "events/s",
            fmt_rate(gcr["scrubbed_per_s_alone"]))
    g = r.get("integrity", {})
    if g:
        ir = g.get("store_integrity_ratio")
        if ir:
            add("integrity_ingest", "in process: Append x16, tree + signed checkpoints on (issue 6)",
                ir["with_events_per_s"], "events/s", fmt_rate(ir["with_events_per_s"]), base_id="integrity_off",
                base=ir["without_events_per_s"], btext=f"off: {fmt_rate(ir['without_events_per_s'])}", ratio_target=0.9)
        vd = g.get("verify_data")
        if vd:
            add("verify_data", f"trail verify --data ({vd['events'] / 1e6:g}M events)", vd["events_per_s"], "events/s",
                fmt_rate(vd["events_per_s"]), target=1000000, ttext=">= 1,000,000")
    lf = r.get("leaf", {})
    for key, label in (("leaf_store", "in process: pipelined Append"), ("leaf_http", "HTTP NDJSON 1000/request")):
        x = lf.get(key)
        if x:
            add(key, f"leaf format 2, {label} (issue 13; pair ratio {x['median_pair_ratio']:.3f})",
                x["format2_events_per_s"], "events/s", fmt_rate(x["format2_events_per_s"]), base_id=key + "_f1",
                base=x["format1_events_per_s"], btext=f"format 1: {fmt_rate(x['format1_events_per_s'])}",
                ratio_target=0.95)
    pg = r.get("postgres", {})
    if pg.get("skipped"):
        add("pg_skipped", f"PostgreSQL (issue 7): skipped, {pg['skipped']}", None, "", "-")
    elif pg:
        cp, i1, i64 = pg["pg_copy_batch"], pg["pg_insert_single"], pg["pg_insert_single_64"]
        b1, b2, s1, s2 = pg["pg_one_batch"], pg["pg_two_batch"], pg["pg_one_single"], pg["pg_two_single"]
        cpv, i1v = cp["events_per_s"], i1["events_per_s"]
        ver = pg.get("pg_version", {}).get("version", "?").split()[0]
        pg_issues = lambda x: "".join(f", {x[k]} {k}" for k in ("errors", "throttled") if x.get(k))
        pg_cpu = lambda x: f"{x['server_cpu_cores']:.2f} / {x['pg_cpu_cores']:.2f} / {x['client_cpu_cores']:.2f}"
        add("pg_copy", f"(pg) PostgreSQL {ver}, fsync on: COPY, same indexes, 1000 rows/txn", cpv, "events/s",
            fmt_rate(cpv), ttext="baseline")
        add("pg_insert", "(pg) PostgreSQL: 1 INSERT txn per event, 1 connection", i1v, "events/s", fmt_rate(i1v),
            ttext="baseline")
        add("pg_insert_64", "(pg) PostgreSQL: 1 INSERT txn per event, 64 connections", i64["events_per_s"],
            "events/s", fmt_rate(i64["events_per_s"]), base_id="pg_insert", base=i1v, btext=f"1 conn: {fmt_rate(i1v)}")
        add("pg_one_batch", "PostgreSQL, one node: NDJSON 1000/request, 4 connections", b1["events_per_s"], "events/s",
            fmt_rate(b1["events_per_s"]) + pg_issues(b1), base_id="pg_copy", base=cpv, btext=f"COPY {fmt_rate(cpv)}",
            ratio_target=0.7)
        add("pg_one_batch_cpu", "  CPU cores: trail / postgres / load generator", b1["server_cpu_cores"], "cores",
            pg_cpu(b1))
        add("pg_two_batch", "PostgreSQL, two nodes: the same load, 2 connections each", b2["events_per_s"], "events/s",
            fmt_rate(b2["events_per_s"]) + pg_issues(b2), base_id="pg_one_batch", base=b1["events_per_s"],
            btext=f"one node {fmt_rate(b1['events_per_s'])}", ratio_target=1.3)
        add("pg_two_batch_cpu", "  CPU cores: trail (both) / postgres / load generator", b2["server_cpu_cores"],
            "cores", pg_cpu(b2))
        add("pg_one_single", "PostgreSQL, one node: single events, 64 connections", s1["events_per_s"], "events/s",
            fmt_rate(s1["events_per_s"]) + pg_issues(s1), base_id="pg_insert", base=i1v,
            btext=f"1 txn/event {fmt_rate(i1v)}", ratio_target=10)
        add("pg_one_single_ack", "  ack latency p50 / p99", s1["p99_ms"], "ms",
            f"{s1['p50_ms']:.2f} / {s1['p99_ms']:.2f} ms")
        add("pg_one_single_cpu", "  CPU cores: trail / postgres / load generator", s1["server_cpu_cores"], "cores",
            pg_cpu(s1))
        add("pg_two_single", "PostgreSQL, two nodes: single events, 32 connections each", s2["events_per_s"],
            "events/s", fmt_rate(s2["events_per_s"]) + pg_issues(s2), base_id="pg_insert", base=i1v,
            btext=f"1 txn/event {fmt_rate(i1v)}", ratio_target=10)
        add("pg_two_single_cpu", "  CPU cores: trail (both) / postgres / load generator", s2["server_cpu_cores"],
            "cores", pg_cpu(s2))
        for fid, label, x in (("pg_one_single_delay", "integration delay p99, single events, one node", s1),
                              ("pg_two_single_delay", "integration delay p99, single events, two nodes", s2)):
            d = x["delay"]
            add(fid, label, d["p99_ms"], "ms",
                f"{d['p99_ms']:.1f} ms (p50 {d['p50_ms']:.1f}, max {d['max_ms']:.1f})", target=1000,
                ttext="<= 1000 ms", value_target_kind="<=")
        for fid, label, x in (("pg_one_batch_delay", "  integration delay p50 / p99 / max, batched, one node", b1),
                              ("pg_two_batch_delay", "  integration delay p50 / p99 / max, batched, two nodes", b2)):
            d = x["delay"]
            add(fid, label, d["p99_ms"], "ms", f"{d['p50_ms']:.1f} / {d['p99_ms']:.1f} / {d['max_ms']:.1f} ms")
    return rows, figs


def print_table(rows, machine, r):
    print()
    print("trail benchmarks (issue 2) — " + time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    if machine:
        print(f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram_bytes'] / 2**30:.1f} GiB RAM, "
              f"kernel {machine['kernel']}, {machine['fs']}, SQLite {machine['sqlite']}")
        fs0, fs1 = machine["fsync_4k_at_start"], machine["fsync_4k_at_end"]
        print(f"conditions: load average {machine['loadavg_at_start']:.2f} at start, {machine['loadavg_at_end']:.2f} at end; "
              f"append 4 KiB + fsync p50/p99 {fs0['p50_ms']:.2f}/{fs0['p99_ms']:.2f} ms at start, "
              f"{fs1['p50_ms']:.2f}/{fs1['p99_ms']:.2f} ms at end")
        if max(machine["loadavg_at_start"], machine.get("loadavg_at_end", 0)) > 1.0:
            print("note: other work was running on this machine during the run; the figures are noisy lower bounds")
    print(f"reps per figure: {REPS} (medians); {SECONDS:g} s per ingest rep; query store {EVENTS:,} events")
    print()
    head = ("figure", "value", "target", "baseline", "ratio", "met")
    widths = [max(len(str(row[i])) for row in rows + [head]) for i in range(len(head))]
    line = lambda cells: " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(head))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    print()
    print(f"results: {RESULTS}")


def main():
    for p in [TRAIL, bin_path("trail_bench_sqlite"), bin_path("trail_bench_store"), bin_path("trail_bench_query")]:
        if not os.path.exists(p):
            die(f"{p} is missing: run `make build` (or set BUILD_DIR)")
    work = tempfile.mkdtemp(prefix="trail-bench-")
    results = {"schema": 1, "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "config": {"build_dir": BUILD, "events": EVENTS, "prefill": PREFILL, "seconds": SECONDS,
                          "single_seconds": SINGLE_SECONDS, "reps": REPS, "store_events": STORE_EVENTS,
                          "queries": QUERIES, "cache": CACHE, "sections": sorted(ONLY)}}
    machine = machine_info(work)
    results["machine"] = machine
    raw = {}
    t0 = time.monotonic()
    try:
        if "sqlite" in ONLY:
            raw["sqlite"] = section_sqlite(work)
            if machine and "sqlite_version" in raw["sqlite"]:
                machine["sqlite"] = raw["sqlite"]["sqlite_version"]["version"]
        if "store" in ONLY:
            raw["store"] = section_store(work)
        if "http" in ONLY:
            raw["http"] = section_http(work)
        if "query" in ONLY:
            raw["query"] = section_query(work)
        if "gc" in ONLY:
            raw["gc"] = section_gc(work)
        if "integrity" in ONLY:
            raw["integrity"] = section_integrity(work)
        if "leaf" in ONLY:
            raw["leaf"] = section_leaf(work)
        if "postgres" in ONLY:
            raw["postgres"] = section_postgres(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    machine["loadavg_at_end"] = os.getloadavg()[0]
    probe_dir = tempfile.mkdtemp(prefix="trail-bench-")
    machine["fsync_4k_at_end"] = fsync_probe(probe_dir)
    os.rmdir(probe_dir)
    rows, figs = build_figures(raw)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["wall_seconds"] = round(time.monotonic() - t0, 1)
    results["figures"] = figs
    results["raw"] = raw
    with open(RESULTS, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    print_table(rows, machine, raw)


if __name__ == "__main__":
    main()
