// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/routes.h"

namespace trail {

bool MatchTemplate(std::string_view pattern, std::string_view path) {
  while (!pattern.empty()) {
    if (pattern.front() != '{') {
      if (path.empty() || path.front() != pattern.front()) return false;
      pattern.remove_prefix(1);
      path.remove_prefix(1);
      continue;
    }
    const size_t close = pattern.find('}');
    if (close == std::string_view::npos) return false;
    pattern.remove_prefix(close + 1);
    if (pattern.empty()) return !path.empty();  // the last parameter takes the rest
    const size_t end = path.find('/');
    if (end == 0 || end == std::string_view::npos) return false;
    path.remove_prefix(end);
  }
  return path.empty();
}

std::optional<size_t> MatchRoute(std::string_view method, std::string_view path) {
  for (size_t i = 0; i < kRoutes.size(); ++i) {
    if (kRoutes[i].method == method && MatchTemplate(kRoutes[i].path, path)) return i;
  }
  return std::nullopt;
}

}  // namespace trail
