#!/usr/bin/env python3
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Delivery benchmarks (SPEC §7a): the Python client and, with --cpp, the C++ client
(bench/client_bench.cc) into one fresh `trail serve`.

    python3 bench/python_client_bench.py [--trail build/trail] [--cpp build/bench/trail_bench_client]
                                         [--events 200000] [--cpp-events 1000000]

Prints one JSON line per figure, then a table:
  python_client_throughput  record() as fast as one thread can, then flush(): events/s from
                            the first record() to the end of the flush (all acknowledged), and
                            record()'s latency in the caller's thread (target >= 20,000/s);
  client_throughput / client_record_paced   (--cpp) the C++ client into the same server and,
                            with into=sink, into an endpoint that acknowledges at once (the
                            client's own ceiling; target >= 200,000/s, record() <= 2 us p99).
Standard library only. The server gets its own data directory in /tmp and a free port.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402  tests/harness.py: `trail serve` on a free port, waited for
import trail_client  # noqa: E402


def percentile(sorted_ns, q):
    return sorted_ns[int(q * (len(sorted_ns) - 1))] if sorted_ns else 0


def python_figures(url, key, events):
    spool = tempfile.mkdtemp(prefix="trail-pybench-spool-")
    try:
        c = trail_client.Client(url, key, spool_dir=spool, max_queue=max(100_000, events))
        lat = []
        clock = time.perf_counter_ns
        t0 = time.perf_counter()
        for i in range(events):
            a = clock()
            c.record("account:login:success", f"user:u{i % 100000}", actor=f"u{i % 100000}",
                     ip="203.0.113.7", user_agent="bench/1.0", metadata={"auth_method": "password"})
            lat.append(clock() - a)
        recorded = time.perf_counter()
        ok = c.flush(300)
        done = time.perf_counter()
        st = c.stats()
        c.close()
        lat.sort()
        return {"figure": "python_client_throughput", "events": events, "seconds": round(done - t0, 3),
                "events_per_s": round(events / (done - t0)), "record_only_per_s": round(events / (recorded - t0)),
                "flushed": ok, "sent": st["sent"], "spooled_total": st["spooled_total"],
                "record_p50_ns": percentile(lat, 0.5), "record_p99_ns": percentile(lat, 0.99),
                "record_p999_ns": percentile(lat, 0.999)}
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trail", default=os.path.join(ROOT, "build", "trail"))
    ap.add_argument("--cpp", default="", help="path of trail_bench_client (C++ figures too)")
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--cpp-events", type=int, default=1_000_000)
    args = ap.parse_args()
    server = harness.Server(events=harness.WAREHOUSE_EVENTS, data=tempfile.mkdtemp(prefix="trail-clientbench-"),
                            binary=args.trail)
    rows = []
    try:
        server.start(timeout=60)
        url = server.url
        key = server.client().new_key("writer", "bench")["key"]
        rows.append(python_figures(url, key, args.events))
        print(json.dumps(rows[-1]), flush=True)
        if args.cpp:
            spool = tempfile.mkdtemp(prefix="trail-cppbench-spool-")
            for extra in ([], ["--sink"]):
                out = subprocess.run([args.cpp, "--url", url, "--key", key, "--spool", spool,
                                      "--events", str(args.cpp_events), *extra],
                                     capture_output=True, text=True, timeout=900).stdout
                for line in out.splitlines():
                    rows.append(json.loads(line))
                    print(line, flush=True)
            shutil.rmtree(spool, ignore_errors=True)
    finally:
        server.cleanup()  # stops it and removes its data directory
    print("\n| figure | into | events/s | record() p50 / p99 / p99.9 |\n| --- | --- | --- | --- |")
    for r in rows:
        rate = r.get("events_per_s") or f"paced {r.get('rate', 0):.0f}/s"
        print(f"| {r['figure']} | {r.get('into', 'server')} | {rate} | "
              f"{r['record_p50_ns'] / 1000:.2f} / {r['record_p99_ns'] / 1000:.2f} / {r['record_p999_ns'] / 1000:.2f} us |")


if __name__ == "__main__":
    main()
