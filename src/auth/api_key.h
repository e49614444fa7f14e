// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// API keys as auth sees them (SPEC §6): a key's role and the record of one key. The store
// keeps the records as plain rows (store/key_table.h) and never interprets a role; KeyRing
// (key_ring.h) converts between the two. Plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace trail {

// kMetrics: scrapes GET /metrics and nothing else.
enum class KeyRole { kWriter, kAuditor, kAdmin, kMetrics };
// The role's name as the API and the store spell it ("writer", "auditor", "admin", "metrics").
std::string_view KeyRoleName(KeyRole r);
// nullopt for anything but those names (case matters).
std::optional<KeyRole> ParseKeyRole(std::string_view s);

struct ApiKeyRecord {
  std::string id;
  std::string name;
  KeyRole role = KeyRole::kWriter;
  std::string hash;  // SHA-256 of the key text; the key itself is never stored
  Micros created_at = 0;
  std::optional<Micros> revoked_at;
};

}  // namespace trail
