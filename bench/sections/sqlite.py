# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""Raw-SQLite baselines (a) indexed 1000/txn, (b) indexed 1 txn/event, (c) no index 1000/txn
(build/bench/trail_bench_sqlite), on a pre-filled table cached across runs."""

import os

from lib.config import CACHE, PREFILL, REPS, SECONDS, SINGLE_SECONDS, TYPES, bin_path, run_json, sha_of


def run(work):
    key = sha_of(["src/loadgen/workload.cc", "bench/sqlite_baseline.cc", TYPES], str(PREFILL))
    os.makedirs(CACHE, exist_ok=True)
    template = os.path.join(CACHE, f"sqlite-indexed-{PREFILL}-{key}.db")
    for old in os.listdir(CACHE):  # drop templates of other versions
        if old.startswith("sqlite-indexed-") and not old.startswith(os.path.basename(template)):
            os.remove(os.path.join(CACHE, old))
    return run_json([bin_path("trail_bench_sqlite"), "--events-file", TYPES, "--workdir", os.path.join(work, "sqlite"),
                     "--template", template, "--prefill", str(PREFILL), "--seconds", str(SECONDS),
                     "--single-seconds", str(SINGLE_SECONDS), "--reps", str(REPS)],
                    "raw SQLite baselines (a), (b), (c)")
