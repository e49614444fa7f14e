#!/usr/bin/env python3
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Retention (GC) figures: prune millions of events while single-event ingest from 64 connections
continues (run by `make bench` as its `gc` section; also standalone).

1. Fills a fresh server with the Workload (about half of it account:login, kept 90 days)
   through `trail bench` in batches until it holds TRAIL_GC_EVENTS events (default 5,000,000).
   Then, with no load, a GC with as_of = the middle of the fill + 90 days prunes the logins of
   its first half: the GC's rate alone.
2. Single-event ingest, 64 connections, without GC: TRAIL_GC_BASE_SECONDS (8) s.
3. POST /v1/admin/gc with as_of = now + 91 days (every other login is past its retention) while the
   same single-event load runs in back-to-back 4-second rounds for as long as the GC runs:
   ingest during GC is all those rounds together; the GC rate is pruned / the GC's wall time,
   every second of it under load. Personal-data scrubbing is off here (personal_data = 10
   years), so the figure is pruning alone.
4. Disk: the data directory once filled, after the GCs (incremental vacuum; the WAL is
   truncated at checkpoints) with the events ingested meanwhile, and once the server has
   stopped (the WAL checkpointed into the database and removed).
5. Scrubbing alone: the server restarted with personal_data = 90 days, a second GC (no
   load) scrubs the ip and user agent of everything older; its rate.
Prints one JSON line. Python 3 standard library only; TRAIL_BIN overrides build/trail.
"""
import datetime
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402  tests/harness.py: `trail serve` on a free port, waited for

TRAIL = harness.TRAIL  # TRAIL_BIN, else build/trail
EVENTS = int(os.environ.get("TRAIL_GC_EVENTS", "5000000"))
BASE_SECONDS = float(os.environ.get("TRAIL_GC_BASE_SECONDS", "8"))
# [retention] writer_share for the server ("" = trail's default, 0.2): the GC's part of the writer
# while ingest waits; docs/PERFORMANCE.md shows the trade-off at 0.2, 0.33 and 0.5.
WRITER_SHARE = os.environ.get("TRAIL_GC_WRITER_SHARE", "")
TYPES = harness.WAREHOUSE_EVENTS


def du(path):
    """Bytes in the files under `path`; a file that goes while it is counted (the server's
    checkpoint.tmp-*) counts nothing."""
    total = 0
    for p, _, fs in os.walk(path):
        for f in fs:
            try:
                total += os.path.getsize(os.path.join(p, f))
            except FileNotFoundError:
                pass
    return total


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Server(harness.Server):
    """`trail serve` (tests/harness.py's Server, started at once) on `data` with the warehouse
    types and this benchmark's retention settings; its output in WORK/serve.log, outside the
    data directory whose size is measured."""

    def __init__(self, work, data, personal_data):
        os.makedirs(data, exist_ok=True)
        cfg = os.path.join(data, "gc-bench.toml")
        with open(cfg, "w") as f:
            f.write(f'[retention]\ninterval = "3650d"\npersonal_data = "{personal_data}"\n')
            if WRITER_SHARE:
                f.write(f"writer_share = {float(WRITER_SHARE)}\n")
        super().__init__("--config", cfg, events=TYPES, data=data, workdir=work, binary=TRAIL)
        self.start(timeout=60)

    def bench(self, mode, secs, conns, batch=1000):
        p = subprocess.run([TRAIL, "bench", "--url", self.url, "--data", self.data, "--mode", mode,
                            "--connections", str(conns), "--batch", str(batch), "--duration", str(secs), "--json"],
                           capture_output=True, text=True)
        return json.loads(p.stdout)

    def gc(self, as_of):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=7200)
        t = time.perf_counter()
        c.request("POST", "/v1/admin/gc", json.dumps({"as_of": as_of}), {"Authorization": "Bearer " + self.admin_key})
        r = c.getresponse()
        body = json.loads(r.read())
        return body, time.perf_counter() - t

    def stop(self):
        """SIGTERM, and as long as the shutdown takes: the stopped size needs its last checkpoint."""
        return super().stop(timeout=3600)


def main():
    work = tempfile.mkdtemp(prefix="trail-gc-bench-")
    data = os.path.join(work, "data")
    srv = Server(work, data, "3650d")
    try:
        filled, mid = 0, None
        while filled < EVENTS:
            r = srv.bench("batch", 5, 4)
            filled += r["events"]
            if mid is None and filled >= EVENTS // 2:
                mid = datetime.datetime.now(datetime.timezone.utc)
            log(f"   filled {filled:,} events")
        size_filled = du(data)
        # Pruning alone: the logins of the first half of the fill (as_of = mid-fill + 90 days).
        alone, alone_secs = srv.gc((mid + datetime.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        log(f"   GC alone: {alone['pruned']:,} pruned in {alone_secs:.2f} s")
        size_before = du(data)
        base = srv.bench("single", BASE_SECONDS, 64)
        log(f"   without GC: {base['events_per_s']:,.0f} ev/s, p99 {base['p99_ms']:.1f} ms")
        as_of = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=91)).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")
        gc = {}

        def run_gc():
            body, secs = srv.gc(as_of)
            gc.update(body, seconds=secs)

        th = threading.Thread(target=run_gc)
        th.start()
        rounds = []
        while th.is_alive():
            rounds.append(srv.bench("single", 4, 64))
            log(f"   during GC: {rounds[-1]['events_per_s']:,.0f} ev/s, p99 {rounds[-1]['p99_ms']:.1f} ms")
        th.join()
        size_after = du(data)
        ingested = sum(x["events"] for x in rounds)
        during = ingested / sum(x["seconds"] if "seconds" in x else x["events"] / x["events_per_s"] for x in rounds)
        p99s = [x["p99_ms"] for x in rounds]
        srv.stop()
        size_stopped = du(data)

        # Scrubbing alone, on the same data: the 90-day personal-data rule, no load.
        srv = Server(work, data, "90d")
        scrub, scrub_secs = srv.gc(as_of)
        srv.stop()
        out = {"figure": "gc", "writer_share": float(WRITER_SHARE or 0.2), "filled_events": filled, "ingest_without_gc": base["events_per_s"],
               "p99_without_ms": base["p99_ms"], "ingest_during_gc": round(during), "gc_rounds": len(rounds),
               "p99_during_ms_median": statistics.median(p99s), "p99_during_ms_max": max(p99s),
               "throughput_ratio": round(during / base["events_per_s"], 3),
               "p99_ratio": round(statistics.median(p99s) / base["p99_ms"], 3),
               "alone_pruned": alone.get("pruned"), "alone_seconds": round(alone_secs, 2),
               "alone_pruned_per_s": round(alone.get("pruned", 0) / max(alone_secs, 1e-9)),
               "gc_pruned": gc.get("pruned"), "gc_seconds": round(gc.get("seconds", 0), 2),
               "gc_pruned_per_s": round(gc.get("pruned", 0) / max(gc.get("seconds", 1), 1e-9)),
               "disk_filled_mb": round(size_filled / 2**20, 1),
               "disk_before_mb": round(size_before / 2**20, 1), "disk_after_mb": round(size_after / 2**20, 1),
               "disk_stopped_mb": round(size_stopped / 2**20, 1), "events_total": filled + sum(x["events"] for x in rounds),
               "events_ingested_during_gc": ingested,
               "scrubbed": scrub.get("scrubbed"), "scrub_seconds": round(scrub_secs, 2),
               "scrubbed_per_s_alone": round(scrub.get("scrubbed", 0) / max(scrub_secs, 1e-9)),
               "disk_after_scrub_mb": round(du(data) / 2**20, 1)}
        print(json.dumps(out), flush=True)
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
