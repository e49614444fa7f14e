// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Parsing the body of POST /v1/events (SPEC §3): one event object, {"events":[…]}, or NDJSON
// (Content-Type application/x-ndjson). All-or-nothing: the first bad event refuses the whole
// request, naming its index. Pure function of its inputs; thread-safe. Fuzzed by
// fuzz/fuzz_ingest.cc.
#pragma once

#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/event_types.h"
#include "core/status.h"
#include "core/uuid7.h"

namespace trail {

constexpr size_t kMaxBatch = 10000;  // events per request

// `batch` tells whether the body was a batch (errors then carry an index). `received_at` is
// the server's occurred_at for events sent without one (PrepareEvent).
Result<std::vector<PreparedEvent>> ParseIngestBody(std::string_view body,
                                                   std::string_view content_type,
                                                   const TypeRegistry& types, Uuid7Generator& ids,
                                                   Micros received_at, bool* batch);

}  // namespace trail
