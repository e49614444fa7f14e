#!/bin/sh
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# e2e.browser.viewer (ctest, labels e2e;browser): the web viewer in a real browser — node's test
# runner and playwright-core driving Debian's chromium (no browser download). Installs the npm
# dependencies once into tests/browser/node_modules (npm ci from package-lock.json). Skipped,
# exit 77, only when chromium is not installed; `make test` installs it.
# e2e.pg.browser.viewer (TRAIL_TEST_STORE=postgres): the server runs on a fresh PostgreSQL
# database from tests/harness.py (TRAIL_TEST_STORE_URL), dropped at the end.
set -eu
cd "$(dirname "$0")"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "SKIPPED: no $CHROMIUM, so the web viewer is not tested in a browser (apt-get install chromium; make test does)"
  exit 77
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "FAILED: node and npm are needed for the browser tests (apt-get install nodejs npm; make test does)"
  exit 1
fi
if [ ! -f node_modules/playwright-core/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing the browser tests' npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
case "${TRAIL_TEST_STORE:-sqlite}" in
  sqlite) exec node --test --test-concurrency=1 viewer.test.mjs ;;
esac
rc=0
url=$(python3 ../harness.py create-store browser) || rc=$?
if [ "$rc" != 0 ]; then
  echo "$url"  # the reason (exit 77: skipped)
  exit "$rc"
fi
echo "store: $url"
rc=0
TRAIL_TEST_STORE_URL=$url node --test --test-concurrency=1 viewer.test.mjs || rc=$?
python3 ../harness.py drop-store "$url" || true
exit "$rc"
