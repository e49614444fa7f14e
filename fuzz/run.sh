#!/usr/bin/env bash
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# Runs every libFuzzer target of build-fuzz for FUZZ_SECONDS each (default 15), seeded from
# fuzz/corpus/<name>/ (new inputs go to a temporary directory, not into the repository).
# A crash, leak, timeout or sanitizer report fails the run; the input is kept in
# build-fuzz/artifacts/ and the command to reproduce it printed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${FUZZ_BUILD:-$root/build-fuzz}/fuzz"
seconds="${FUZZ_SECONDS:-15}"
artifacts="${FUZZ_BUILD:-$root/build-fuzz}/artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for name in ingest query viewer_token tile_path ui_params event_json; do
  target="$bin/fuzz_$name"
  [ -x "$target" ] || { echo "fuzz: $target is not built (make fuzz-build)"; exit 1; }
  mkdir -p "$work/$name"
  echo "fuzz: $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts/$name-" -print_final_stats=1 \
      "$work/$name" "$root/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
    tail -n 60 "$work/$name.log"
    echo "fuzz: $name FAILED; reproduce with: $target $artifacts/$name-<crash file>"
    failed+=("$name")
  else
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/$name.log" | tr '\n' ' '; echo
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
