// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Text forms of trail's times (Micros: microseconds since the Unix epoch, UTC).
//
// Output is always the one form of SPEC §1, `2026-11-27T22:03:07.123456Z`: UTC, six fraction
// digits, `Z`. Input is RFC 3339 `date-time` with any offset, converted to UTC. Calendar
// arithmetic is proleptic Gregorian done by hand (no gmtime/timegm), so results do not
// depend on the process time zone or locale and formatting allocates only the result.
//
// The representable range is 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z (the years
// an RFC 3339 four-digit year can name). Parsers reject instants outside it; the formatter
// clamps to it. Leap seconds (`:60`) are rejected: Micros has no place for them.
//
// All functions are pure and safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace trail {

inline constexpr Micros kMicrosPerSecond = 1'000'000;
inline constexpr Micros kMicrosPerDay = 86'400 * kMicrosPerSecond;
// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.
inline constexpr Micros kMinRfc3339Micros = -62'167'219'200 * kMicrosPerSecond;
inline constexpr Micros kMaxRfc3339Micros = 253'402'300'800 * kMicrosPerSecond - 1;

// Exactly 27 characters, e.g. `2026-11-27T22:03:07.123456Z`.
std::string FormatRfc3339Micros(Micros t);
// Same, appended to *out (no temporary string).
void AppendRfc3339Micros(Micros t, std::string* out);

// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|±HH:MM)`; `t` and `z` may be lowercase.
// Fractions beyond microseconds are truncated. The offset is applied, so
// `2026-01-01T05:30:00+05:30` is 2026-01-01T00:00:00Z. Rejects anything else, including
// surrounding whitespace, a missing zone, and out-of-range fields (e.g. February 29 of a
// non-leap year, hour 24, second 60).
std::optional<Micros> ParseRfc3339(std::string_view s);

// ParseRfc3339, or a bare full-date `YYYY-MM-DD` meaning midnight UTC. For search syntax
// like `created:>=2026-01-01`.
std::optional<Micros> ParseDateOrTime(std::string_view s);

// A positive whole number and one unit: `s`, `m`, `h`, `d`, `w` or `y` (365 days), e.g.
// `90d`, `24h`. Rejects zero, signs, spaces, fractions, missing or unknown units, and values
// whose microsecond count would overflow int64.
std::optional<Micros> ParseDuration(std::string_view s);

}  // namespace trail
