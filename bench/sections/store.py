# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""SqliteStore in process: AppendSync and pipelined Append, batches of 1000
(build/bench/trail_bench_store)."""

import os

from lib.config import REPS, STORE_EVENTS, TYPES, bin_path, run_json


def run(work):
    return run_json([bin_path("trail_bench_store"), "--events-file", TYPES, "--workdir", os.path.join(work, "store"),
                     "--events", str(STORE_EVENTS), "--reps", str(REPS)],
                    "trail SqliteStore in process")
