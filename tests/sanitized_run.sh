#!/usr/bin/env bash
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# Runs the suite of a sanitizer build (build-asan or build-tsan) and fails on any sanitizer
# report, from any process: the unit test programs, every `trail serve` the end-to-end tests
# start, every CLI run. Reports go to files (log_path) rather than stderr, because a server's
# stderr is its log, which the harness deletes when the test passes: a report there would be
# lost. The directory is emptied first; any file in it afterwards fails the run, printed.
#
#   tests/sanitized_run.sh BUILD_DIR [ctest arguments...]
set -uo pipefail
build="$1"
shift
logs="$(cd "$build" && pwd)/sanitizer-reports"
rm -rf "$logs"
mkdir -p "$logs"
# halt_on_error: UBSan already aborts (-fno-sanitize-recover); TSan reports and goes on, so the
# whole suite runs and every race is listed. second_deadlock_stack makes lock-order reports
# readable.
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export TSAN_OPTIONS="log_path=$logs/tsan:second_deadlock_stack=1:history_size=4${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
start=$(date +%s)
ctest --test-dir "$build" --output-on-failure "$@"
status=$?
echo "sanitized run of $build: ctest exit $status in $(($(date +%s) - start)) s"
reports=("$logs"/*)
if [ -e "${reports[0]}" ]; then
  echo "sanitizer reports (${#reports[@]} files) in $logs:"
  for f in "${reports[@]}"; do
    echo "=== $f"
    head -n 60 "$f"
  done
  exit 1
fi
echo "no sanitizer report"
exit $status
