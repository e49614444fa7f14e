# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""What a benchmark run is told (the environment, listed in bench/run.py's header), where the
programs are, and the small helpers every section uses: progress on stderr, running a bench
program that prints JSON figures, and cache keys. Paths are relative to the project root, the
working directory of a run (bench/run.py changes into it)."""

import hashlib
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
CACHE = os.path.abspath(os.path.join(ROOT, env("TRAIL_BENCH_CACHE", os.path.join("bench", ".cache"))))
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
