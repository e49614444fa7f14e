// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/api_key.h"

namespace trail {

std::string_view KeyRoleName(KeyRole r) {
  switch (r) {
    case KeyRole::kWriter:
      return "writer";
    case KeyRole::kAuditor:
      return "auditor";
    case KeyRole::kAdmin:
      return "admin";
    case KeyRole::kMetrics:
      return "metrics";
  }
  return "writer";
}

std::optional<KeyRole> ParseKeyRole(std::string_view s) {
  if (s == "writer") return KeyRole::kWriter;
  if (s == "auditor") return KeyRole::kAuditor;
  if (s == "admin") return KeyRole::kAdmin;
  if (s == "metrics") return KeyRole::kMetrics;
  return std::nullopt;
}

}  // namespace trail
