// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "client/backoff.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string>

namespace trail::client {

std::chrono::microseconds Backoff::Delay(int attempt, double u) const {
  double init =
      static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(initial).count());
  double max =
      static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(maximum).count());
  double d = std::min(max, init * std::ldexp(1.0, std::clamp(attempt, 0, 60)));
  u = std::clamp(u, 0.0, 1.0);
  return std::chrono::microseconds(static_cast<int64_t>(d / 2 + u * d / 2));
}

std::optional<double> ParseRetryAfter(std::string_view value, int64_t now_unix_seconds) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::nullopt;
    return std::stod(std::string(value));
  }
  std::tm tm{};
  std::string text(value);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  int64_t at = static_cast<int64_t>(::timegm(&tm));
  return static_cast<double>(std::max<int64_t>(0, at - now_unix_seconds));
}

}  // namespace trail::client
