// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Validates docs/openapi.yaml against the OpenAPI 3.0 schema and resolves every $ref, with
// @apidevtools/swagger-parser. Usage: node validate.mjs <openapi.yaml>
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  const ops = Object.values(api.paths).reduce((n, p) => n + Object.keys(p).length, 0);
  console.log(`${file}: valid OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths, ${ops} path items`);
} catch (e) {
  console.error(`${file}: ${e.message}`);
  process.exit(1);
}
