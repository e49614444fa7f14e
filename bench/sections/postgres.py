# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""The PostgreSQL store, side by side on one throwaway cluster (`tests/pg_cluster.py start
--durable`: fsync and synchronous_commit on): the baselines of build/bench/trail_bench_pg
(COPY 1000 rows/txn; one INSERT transaction per event from 1 and 64 connections) and
`trail serve --store postgresql://…` under `trail bench`: one node, and two nodes on one
database sharing the same load (NDJSON 1000/request on 4 connections; single events on 64
connections); a fresh database per configuration. Batched reps alternate COPY / one node /
two nodes, single-event reps alternate the INSERT baselines / one node / two nodes, so
that drift in the machine's load hits all alike. The integration delay is read from each
node's /metrics (the sequencer's summary since it started: this configuration's load)."""

import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

from lib.config import REPS, SECONDS, SINGLE_SECONDS, TYPES, bin_path, die, log, run_json
from lib.procs import Server, bench_result, process_stat, trail_bench_command


def run(work):
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
            fields = process_stat(pid)
            if fields is not None and (int(pid) == pm or int(fields[1]) == pm):
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
        cmds = [trail_bench_command(n, mode, per, batch, seed=100 + 10 * rep + i) for i, n in enumerate(nodes)]
        c0, p0 = sum(n.cpu_seconds() for n in nodes), pg_cpu()
        t0 = time.monotonic()
        procs = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in cmds]
        results, client_cpu = [], 0.0
        for pr in procs:
            text = pr.stdout.read()
            _, status, ru = os.wait4(pr.pid, 0)
            client_cpu += ru.ru_utime + ru.ru_stime
            results.append(bench_result(os.waitstatus_to_exitcode(status), text))
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
        log(f"== PostgreSQL: cluster {root}")
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
