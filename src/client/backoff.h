// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Backoff: how long the client waits before retrying a failed delivery, and what the
// server's Retry-After asks for. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace trail::client {

struct Backoff {
  std::chrono::milliseconds initial{50};
  std::chrono::milliseconds maximum{5000};

  // The wait before retry number `attempt` (0-based): exponential with jitter, uniform in
  // [d/2, d] for d = min(maximum, initial * 2^attempt), so that clients that failed together
  // spread out but none waits past `maximum`. `u` is a uniform random number in [0, 1).
  std::chrono::microseconds Delay(int attempt, double u) const;
};

// Seconds from a Retry-After value: delta-seconds or an HTTP-date (RFC 9110) relative to
// `now_unix_seconds`; nullopt when absent or unreadable.
std::optional<double> ParseRetryAfter(std::string_view value, int64_t now_unix_seconds);

}  // namespace trail::client
