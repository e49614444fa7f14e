#!/bin/sh
# e2e.browser.viewer (ctest, labels e2e;browser): the web viewer in a real browser — node's test
# runner and playwright-core driving Debian's chromium (no browser download). Installs the npm
# dependencies once into tests/browser/node_modules (npm ci from package-lock.json). Skipped,
# exit 77, only when chromium is not installed; `make test` installs it.
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
exec node --test --test-concurrency=1 viewer.test.mjs
