// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// libFuzzer target: the body parser of POST /v1/events, JSON and NDJSON, against the
// warehouse types. Any input must produce events or a precise error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/uuid7.h"
#include "http/ingest.h"

namespace {
const trail::TypeRegistry& Types() {
  static auto reg =
      trail::TypeRegistry::FromFile(TRAIL_SOURCE_DIR "/examples/warehouse/events.toml");
  if (!reg.ok()) __builtin_trap();
  return **reg;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static trail::FakeClock clock;
  static trail::Uuid7Generator ids(clock);
  if (size == 0) return 0;
  // The first byte picks the content type, the rest is the body.
  std::string_view ctype = (data[0] & 1) ? "application/x-ndjson" : "application/json";
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  bool batch = false;
  auto r = trail::ParseIngestBody(body, ctype, Types(), ids, clock.NowMicros(), &batch);
  if (r.ok()) {
    for (const auto& e : *r) {
      if (trail::LeafHash(e, 0).size() != 32) __builtin_trap();
    }
  }
  return 0;
}
