#!/usr/bin/env python3
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

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

Layout: this driver; bench/lib/ what the sections share (config: these settings and helpers;
machine: the probe; procs: `trail serve` through tests/harness.py's Server, load generators,
RSS and CPU; report: the figures and the table); bench/sections/<name>.py one module per
section.

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
  TRAIL_BENCH_ONLY          comma list of sections (default sqlite,store,http,query,integrity,leaf,
                            gc,postgres; they run in the order above)
  TRAIL_BENCH_GC_EVENTS     events in the gc section's store (default 5000000)
  TRAIL_BENCH_RESULTS       results file (default bench/results.json)
  TRAIL_BENCH_FORMAT1_BUILD build directory of the format-1 programs (default build-format1/build)
"""

import json
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)  # every path of a run is relative to the project root
sys.path.insert(0, os.path.join(ROOT, "bench"))

from lib import machine as machine_probe  # noqa: E402
from lib import report  # noqa: E402
from lib.config import (BUILD, CACHE, EVENTS, ONLY, PREFILL, QUERIES, REPS, RESULTS, SECONDS,  # noqa: E402
                        SINGLE_SECONDS, STORE_EVENTS, TRAIL, bin_path, die)
import sections  # noqa: E402


def main():
    for p in [TRAIL, bin_path("trail_bench_sqlite"), bin_path("trail_bench_store"), bin_path("trail_bench_query")]:
        if not os.path.exists(p):
            die(f"{p} is missing: run `make build` (or set BUILD_DIR)")
    work = tempfile.mkdtemp(prefix="trail-bench-")
    results = {"schema": 1, "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "config": {"build_dir": BUILD, "events": EVENTS, "prefill": PREFILL, "seconds": SECONDS,
                          "single_seconds": SINGLE_SECONDS, "reps": REPS, "store_events": STORE_EVENTS,
                          "queries": QUERIES, "cache": CACHE, "sections": sorted(ONLY)}}
    machine = machine_probe.machine_info(work)
    results["machine"] = machine
    raw = {}
    t0 = time.monotonic()
    try:
        for name in sections.ORDER:
            if name in ONLY:
                raw[name] = sections.run(name, work)
        if "sqlite_version" in raw.get("sqlite", {}):
            machine["sqlite"] = raw["sqlite"]["sqlite_version"]["version"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    machine_probe.finish(machine)
    rows, figs = report.build_figures(raw)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["wall_seconds"] = round(time.monotonic() - t0, 1)
    results["figures"] = figs
    results["raw"] = raw
    with open(RESULTS, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    report.print_table(rows, machine, raw)


if __name__ == "__main__":
    main()
