# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Leaf format 2 (one more SHA-256 per event on the writer, the salt and the personal hash on
the request threads, the description no longer rendered or stored) against format 1, built
from the last format-1 commit (`make bench-format1`). Paired reps, the order alternating, so
that a noisy neighbour slows both sides of a pair alike; the ratio of medians and the median
of the pairs' ratios are both reported."""

import os
import shutil
import statistics

from lib.config import FORMAT1_BUILD, REPS, STORE_EVENTS, TRAIL, TYPES, bin_path, log, run_json
from lib.procs import Server, bench_result, run_client, trail_bench_command


def _summary(runs):
    f1, f2 = runs["format1"], runs["format2"]
    return {"format1_events_per_s": statistics.median(f1), "format2_events_per_s": statistics.median(f2),
            "ratio_of_medians": statistics.median(f2) / statistics.median(f1),
            "median_pair_ratio": statistics.median(b / a for a, b in zip(f1, f2)),
            "format1_reps": f1, "format2_reps": f2}


def run(work):
    f1_store = os.path.join(FORMAT1_BUILD, "bench", "trail_bench_store")
    f1_trail = os.path.join(FORMAT1_BUILD, "trail")
    if not (os.path.exists(f1_store) and os.path.exists(f1_trail)):
        log(f"== leaf format: no format-1 build in {FORMAT1_BUILD} (make bench-format1); skipped")
        return {"skipped": f"no format-1 build in {FORMAT1_BUILD}"}
    sides = {"format1": (f1_store, f1_trail), "format2": (bin_path("trail_bench_store"), TRAIL)}
    store = {k: [] for k in sides}
    http = {k: [] for k in sides}
    reps = max(REPS, 5)
    for rep in range(reps):
        order = ["format1", "format2"] if rep % 2 == 0 else ["format2", "format1"]
        for side in order:
            prog, _ = sides[side]
            o = run_json([prog, "--events-file", TYPES, "--workdir", os.path.join(work, f"leaf-{side}-{rep}"),
                          "--events", str(STORE_EVENTS), "--reps", "1"], f"leaf {side}: store in process, rep {rep + 1}")
            store[side].append(o["store_append_async"]["events_per_s"])
            shutil.rmtree(os.path.join(work, f"leaf-{side}-{rep}"), ignore_errors=True)
        for side in order:
            _, server_bin = sides[side]
            data = os.path.join(work, f"leaf-http-{side}-{rep}")
            server = Server(data, binary=server_bin)
            try:
                rc, out, _ = run_client(trail_bench_command(server, "batch", 4, 1000, seed=200 + rep))
                http[side].append(bench_result(rc, out)["events_per_s"])
                log(f"   leaf {side}: HTTP NDJSON rep {rep + 1}: {http[side][-1]:,.0f} events/s")
            finally:
                server.stop()
                shutil.rmtree(data, ignore_errors=True)
    return {"leaf_store": _summary(store), "leaf_http": _summary(http)}
