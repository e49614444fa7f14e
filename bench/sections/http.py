# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""trail over HTTP: `trail serve` on a fresh data dir under `trail bench`, NDJSON 1000/request on
4 connections and single events on 64 connections: ack latency, CPU of the server (and of its
busiest thread) and of the load generator, the server's RSS sampled every 0.5 s, and bytes on
disk per event."""

import os
import sqlite3
import statistics
import time

from lib.config import REPS, SECONDS, log
from lib.procs import RssSampler, Server, bench_result, dir_bytes, run_client, trail_bench_command


def http_mode(server, mode, connections, batch, label):
    """REPS reps of one load against `server`; the medians, with each rep."""
    runs = []
    for i in range(REPS):
        cmd = trail_bench_command(server, mode, connections, batch, seed=100 + i)
        c0, th0 = server.cpu_seconds(), server.thread_cpu_seconds()
        t0 = time.monotonic()
        rc, out, client_cpu = run_client(cmd)
        wall = time.monotonic() - t0
        server_cpu = server.cpu_seconds() - c0
        th1 = server.thread_cpu_seconds()
        # Per-thread CPU (cores), in thread creation order; the busiest one is the bottleneck
        # when it nears 1.0 (the store's single writer thread is the 2nd thread created).
        threads = [(th1[t] - th0.get(t, 0.0)) / wall for t in sorted(th1)]
        r = bench_result(rc, out)
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


def run(work):
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
