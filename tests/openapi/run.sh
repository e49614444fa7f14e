#!/bin/sh
# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# openapi.validate (ctest, label docs): docs/openapi.yaml checked by a real OpenAPI validator,
# @apidevtools/swagger-parser (schema of OpenAPI 3.0, every $ref resolved). Installs the npm
# dependency once into tests/openapi/node_modules (npm ci from package-lock.json), like
# tests/browser. That every served route is documented, and nothing else, is checked by the
# unit test Routes.EveryServedRouteIsDocumentedAndNothingElse (src/http/routes_test.cc).
set -eu
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "FAILED: node and npm are needed to validate docs/openapi.yaml (apt-get install nodejs npm; make test does)"
  exit 1
fi
if [ ! -f node_modules/@apidevtools/swagger-parser/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing the OpenAPI validator (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node validate.mjs ../../docs/openapi.yaml
