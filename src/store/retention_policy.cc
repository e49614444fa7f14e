// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/retention_policy.h"

#include "core/names.h"
#include "core/time_format.h"

namespace trail {

bool IsRetentionPattern(std::string_view key) {
  return key == "*" || key.find(':') != std::string_view::npos;
}

Result<RetentionEntry> ParseRetentionEntry(std::string_view pattern, std::string_view value) {
  const std::string where = "retention.\"" + std::string(pattern) + "\"";
  RetentionEntry e;
  e.pattern = std::string(pattern);
  if (pattern != "*") {
    const bool prefix = pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ":*";
    const std::string_view head = prefix ? pattern.substr(0, pattern.size() - 2) : pattern;
    // A prefix names one or more whole tag parts; an exact entry a whole tag (two or more).
    bool ok = prefix ? (IsValidTagPart(head) || IsValidTag(head)) : IsValidTag(head);
    if (!ok)
      return Status::Invalid("invalid_config",
                             where +
                                 ": not a tag (\"account:login:success\"), a prefix "
                                 "(\"account:*\", \"trail:*\") or \"*\"");
  }
  if (value != "forever") {
    auto d = ParseDuration(value);
    if (!d)
      return Status::Invalid("invalid_config",
                             where + ": \"" + std::string(value) +
                                 "\" is not \"forever\" or a duration (90d, 12w, 1y)");
    e.max_age = *d;
  }
  return e;
}

Retention RetentionOf(const EventType& type, const std::vector<RetentionEntry>& entries) {
  const bool trail_type = IsTrailTag(type.tag);
  const RetentionEntry* best = nullptr;
  size_t best_rank = 0;  // 1: "*", 2 + length: a prefix, SIZE_MAX: the exact tag
  for (const auto& e : entries) {
    size_t rank = 0;
    if (e.pattern == type.tag) {
      rank = SIZE_MAX;
    } else if (e.pattern == "*") {
      rank = trail_type ? 0 : 1;  // a catch-all never reaches trail's own records
    } else if (e.pattern.size() > 2 && e.pattern.ends_with(":*")) {
      const std::string_view prefix =
          std::string_view(e.pattern).substr(0, e.pattern.size() - 1);  // "x:"
      if (type.tag.size() > prefix.size() && type.tag.starts_with(prefix)) rank = 2 + prefix.size();
    }
    if (rank > best_rank) {
      best = &e;
      best_rank = rank;
    }
  }
  return best ? best->max_age : type.retention;
}

std::vector<RetentionRule> RetentionRules(const TypeRegistry& types,
                                          const std::vector<RetentionEntry>& entries) {
  std::vector<RetentionRule> rules;
  for (const EventType* t : types.All()) {
    if (Retention r = RetentionOf(*t, entries)) rules.push_back({t->tag, *r});
  }
  return rules;
}

}  // namespace trail
