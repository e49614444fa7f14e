// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// RetentionPolicy: which event types retention prunes, and after how long (SPEC §7, §6).
//
// Each event type carries its own `retention` (events.toml). `[retention]` entries of
// trail.toml that name tags override it: an exact tag ("account:login:success" = "30d"), a
// prefix ("account:*"), or "*" (every type). The most specific entry wins: the exact tag, then
// the longest prefix, then "*". trail's own records — the built-in trail:* types, kept
// "forever" — are reached only by an entry that names them: "trail:*", "trail:key:*",
// "trail:export"; "*" never applies to them, so a catch-all can never erase trail's record
// of what its administrators did.
//
// Pure values and functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_types.h"
#include "core/status.h"
#include "store/store.h"

namespace trail {

struct RetentionEntry {
  std::string pattern;  // "*", "<tag prefix>:*" or an exact tag
  Retention max_age;    // nullopt: forever
  bool operator==(const RetentionEntry&) const = default;
};

// One `[retention]` entry: `pattern` as above, `value` "forever" or a duration ("90d", "1y").
// InvalidArgument ("invalid_config") naming what is wrong.
Result<RetentionEntry> ParseRetentionEntry(std::string_view pattern, std::string_view value);

// True for a `[retention]` key that is meant as a pattern ("*" or anything with a ':'), as
// opposed to the section's settings (interval, personal_data, …).
bool IsRetentionPattern(std::string_view key);

// The retention of one type under `entries`.
Retention RetentionOf(const EventType& type, const std::vector<RetentionEntry>& entries);

// The GC rules for every type of `types` that is not kept forever.
std::vector<RetentionRule> RetentionRules(const TypeRegistry& types,
                                          const std::vector<RetentionEntry>& entries);

}  // namespace trail
