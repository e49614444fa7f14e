# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Integrity: pipelined ingest into a store keeping the tree and signed checkpoints against one
without (reps alternating), and `trail verify --data` over the cached query store (built by the
query section), its signed checkpoints checked with the key of the data directory it is served
with."""

import os
import re
import statistics
import subprocess
import time

from lib.config import REPS, STORE_EVENTS, TRAIL, TYPES, bin_path, die, log, run_json
from sections.query import store_path


def run(work):
    out = run_json([bin_path("trail_bench_store"), "--integrity", "--events-file", TYPES,
                    "--workdir", os.path.join(work, "integrity"), "--events", str(STORE_EVENTS),
                    "--reps", str(max(REPS, 5))], "ingest with vs without the tree and checkpoints")
    db = store_path()
    if not os.path.exists(db + ".done"):
        log(f"   no cached query store at {db}: run the query section first; verify skipped")
        return out
    # The data directory the store is served with holds log.key, which verify checks the
    # store's signed checkpoints with (a store never served has none).
    data = db + ".data" if os.path.isdir(db + ".data") else work
    rates = []
    for rep in range(REPS):
        t0 = time.monotonic()
        p = subprocess.run([TRAIL, "verify", "--store", "sqlite:" + db, "--data", data],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        secs = time.monotonic() - t0
        m = re.search(r"^(\d+) events:", p.stdout, re.M)
        if p.returncode != 0 or not m:
            die(f"trail verify failed ({p.returncode}): {p.stdout[-500:]}")
        rates.append(int(m.group(1)) / secs)
        log(f"   verify --data rep {rep + 1}: {int(m.group(1)):,} events in {secs:.2f} s = {rates[-1]:,.0f} ev/s")
    out["verify_data"] = {"events": int(m.group(1)), "events_per_s": statistics.median(rates), "reps": rates}
    return out
