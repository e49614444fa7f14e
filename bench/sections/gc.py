# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Retention: bench/gc_bench.py prunes millions of events (TRAIL_BENCH_GC_EVENTS) under
single-event load from 64 connections."""

import json
import os
import subprocess
import sys

from lib.config import GC_EVENTS, TRAIL, die, log


def run(work):
    env = dict(os.environ, TRAIL_BIN=TRAIL)
    log(f"== gc: prune {GC_EVENTS:,} events' worth of logins while 64 connections ingest (bench/gc_bench.py)")
    env["TRAIL_GC_EVENTS"] = str(GC_EVENTS)
    p = subprocess.run([sys.executable, "bench/gc_bench.py"], stdout=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        die(f"bench/gc_bench.py failed ({p.returncode})")
    return json.loads(p.stdout.strip().splitlines()[-1])
