#!/usr/bin/env python3
"""Issue 4's figures: prune while single-event ingest from 64 connections continues.
Fills a fresh server with the Workload (half logins, retention 90d) through `trail bench`,
measures single-event ingest for a few seconds without GC, then again while POST /v1/admin/gc
with as_of = now + 91 days prunes the logins (and scrubs every older ip/user agent), and
reports both, the GC's rate, and the data dir's size before and after.
Usage: bench/gc_bench.py [fill_seconds]     (stdlib only; TRAIL_BIN overrides build/trail)"""
import datetime, http.client, json, os, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIL = os.environ.get("TRAIL_BIN", os.path.join(ROOT, "build", "trail"))


def du(path):
    return sum(os.path.getsize(os.path.join(p, f)) for p, _, fs in os.walk(path) for f in fs)


def main():
    fill = float(sys.argv[1]) if len(sys.argv) > 1 else 20
    data = tempfile.mkdtemp(prefix="trail-gc-bench-")
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    url = f"http://127.0.0.1:{port}"
    srv = subprocess.Popen([TRAIL, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                            "--events", os.path.join(ROOT, "examples/warehouse/events.toml")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        bench = lambda mode, secs, conns, batch=1000: json.loads(subprocess.run(
            [TRAIL, "bench", "--url", url, "--data", data, "--mode", mode, "--connections", str(conns),
             "--batch", str(batch), "--duration", str(secs), "--json"], capture_output=True, text=True).stdout)
        filled = bench("batch", fill, 4)
        size_before = du(data)
        base = bench("single", 8, 64)
        as_of = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=91)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        key = open(os.path.join(data, "admin.key")).read().strip()
        gc = {}

        def run_gc():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
            t = time.perf_counter()
            c.request("POST", "/v1/admin/gc", json.dumps({"as_of": as_of}), {"Authorization": "Bearer " + key})
            r = c.getresponse(); gc.update(json.loads(r.read()), seconds=time.perf_counter() - t)

        th = threading.Thread(target=run_gc); th.start()
        during = bench("single", 8, 64)
        th.join()
        size_after = du(data)
        out = {"filled_events": filled["events"], "ingest_without_gc": base["events_per_s"], "p99_without_ms": base["p99_ms"],
               "ingest_during_gc": during["events_per_s"], "p99_during_ms": during["p99_ms"],
               "throughput_ratio": round(during["events_per_s"] / base["events_per_s"], 3),
               "p99_ratio": round(during["p99_ms"] / base["p99_ms"], 3),
               "gc_pruned": gc.get("pruned"), "gc_scrubbed": gc.get("scrubbed"), "gc_seconds": round(gc.get("seconds", 0), 2),
               "gc_pruned_per_s": round(gc.get("pruned", 0) / max(gc.get("seconds", 1), 1e-9)),
               "gc_rows_changed_per_s": round((gc.get("pruned", 0) + gc.get("scrubbed", 0)) / max(gc.get("seconds", 1), 1e-9)),
               "disk_before_mb": round(size_before / 2**20, 1), "disk_after_mb": round(du(data) / 2**20, 1)}
        print(json.dumps(out))
    finally:
        srv.terminate(); srv.wait()


if __name__ == "__main__":
    main()
