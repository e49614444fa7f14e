// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Writing JSON text by hand on hot paths (event serialization, leaf text): string escaping
// that is both valid JSON and RFC 8785 canonical (only '"', '\\' and control characters are
// escaped; everything else is copied as UTF-8). Input must be valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace trail {

void AppendJsonString(std::string_view s, std::string* out);

// `"key":` — for keys that need no escaping (trail's own field names).
inline void AppendJsonKey(std::string_view key, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

}  // namespace trail
