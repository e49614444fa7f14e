# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Query latency on a cached store of TRAIL_BENCH_EVENTS events, in process and over HTTP
(GET /v1/events on `trail serve --store sqlite:<cached store>`), and the inclusion proof of a
random event (GET /v1/events/{id}/proof) (build/bench/trail_bench_query).

The cached store is served with a data directory kept beside it (STORE.data: log.key,
admin.key, the kept checkpoint). `trail serve` signs a checkpoint into the store when it stops,
and refuses to start on a store holding a checkpoint that its data directory does not keep
(SPEC §5: a restored store could fork the log): a fresh data directory on a store served
before would be refused."""

import os
import shutil
import sqlite3

from lib.config import CACHE, EVENTS, QUERIES, REPS, TYPES, bin_path, log, run_json, sha_of
from lib.procs import Server


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


def store_path(key=None):
    """The cached query store of this run's size and sources (it may not be built yet)."""
    return os.path.join(CACHE, f"store-{EVENTS}-{key or store_cache_key()}.db")


def _holds_checkpoint(db):
    """Whether the store holds a signed checkpoint (a server has run on it)."""
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return c.execute("SELECT 1 FROM meta WHERE key = 'checkpoint'").fetchone() is not None
        finally:
            c.close()
    except sqlite3.Error:
        return False


def _remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


def run(work):
    key = store_cache_key()
    os.makedirs(CACHE, exist_ok=True)
    db = store_path(key)
    name = os.path.basename(db)
    data = db + ".data"  # the data directory the cached store is served with
    marker_ok = os.path.exists(db + ".done")
    if marker_ok and not os.path.isdir(data) and _holds_checkpoint(db):
        # Served before from a data directory that is gone (a cache from before STORE.data was
        # kept): no server may sign on it again, so it is built anew.
        log(f"   the cached store {name} was served with a data directory that is gone: rebuilding it")
        os.remove(db + ".done")
        marker_ok = False
    if not marker_ok:  # about to build: drop stores of other versions (they are large)
        for old in os.listdir(CACHE):
            if old.startswith("store-") and not old.startswith(name):
                log(f"   removing stale cached store {old}")
                _remove(os.path.join(CACHE, old))
        _remove(data)  # a new store: its data directory starts anew too
    out = run_json([bin_path("trail_bench_query"), "--build", "--db", db, "--events", str(EVENTS),
                    "--cache-key", key, "--events-file", TYPES],
                   f"query store: {EVENTS} events (cache {db})")
    out["query_store"] = {"path": db, "events": EVENTS, "cache_key": key, "reused": marker_ok,
                          "bytes": sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))}
    common = ["--db", db, "--events-file", TYPES, "--queries", str(QUERIES), "--reps", str(REPS)]
    out.update(run_json([bin_path("trail_bench_query"), *common], "query latency in process (SqliteStore::Query)"))
    log("== query latency over HTTP (GET /v1/events)")
    # A long retention interval: no background job may touch the cached store.
    cfg = os.path.join(work, "query-trail.toml")
    os.makedirs(data, mode=0o700, exist_ok=True)  # it holds the log's keys
    with open(cfg, "w") as f:
        f.write('[retention]\ninterval = "3650d"\npersonal_data = "3650d"\n')
    server = Server(data, ["--store", "sqlite:" + db, "--config", cfg])
    try:
        out.update(run_json([bin_path("trail_bench_query"), *common, "--url", server.url, "--key", server.key],
                            "query latency over HTTP"))
    finally:
        server.stop()
    return out
