#!/usr/bin/env bash
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# `make bench`: every performance figure beside its baselines, in one run. The work is done by
# bench/run.py (Python 3 standard library); see its header for what is measured and the
# environment variables (BUILD_DIR, TRAIL_BENCH_EVENTS, TRAIL_BENCH_ONLY, …).
# Quick run: TRAIL_BENCH_EVENTS=200000 TRAIL_BENCH_PREFILL=200000 TRAIL_BENCH_SECONDS=2 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/run.py "$@"
