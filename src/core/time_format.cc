// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/time_format.h"

#include <cstdint>
#include <limits>

namespace trail {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, exact for all
// int64 years we can reach). Days are counted from 1970-01-01.
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

constexpr Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(0, 1, 1) * kMicrosPerDay == kMinRfc3339Micros);
static_assert(DaysFromCivil(10000, 1, 1) * kMicrosPerDay - 1 == kMaxRfc3339Micros);

constexpr bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr unsigned DaysInMonth(int64_t y, unsigned m) {
  constexpr unsigned char kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

constexpr char kTwoDigits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline void Put2(char* p, unsigned v) {
  p[0] = kTwoDigits[2 * v];
  p[1] = kTwoDigits[2 * v + 1];
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly n digits at s[pos..pos+n) into *v.
inline bool Digits(std::string_view s, size_t pos, size_t n, unsigned* v) {
  if (pos + n > s.size()) return false;
  unsigned r = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
    r = r * 10 + static_cast<unsigned>(s[i] - '0');
  }
  *v = r;
  return true;
}

// `YYYY-MM-DD` at the start of s, validated; returns days since the epoch.
std::optional<int64_t> ParseFullDate(std::string_view s) {
  unsigned y, m, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &m) || s[7] != '-' ||
      !Digits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return DaysFromCivil(y, m, d);
}

}  // namespace

void AppendRfc3339Micros(Micros t, std::string* out) {
  if (t < kMinRfc3339Micros) t = kMinRfc3339Micros;
  if (t > kMaxRfc3339Micros) t = kMaxRfc3339Micros;
  // Floor division so instants before 1970 get a non-negative time of day.
  int64_t days = t / kMicrosPerDay;
  int64_t rem = t % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  const Civil c = CivilFromDays(days);
  const auto secs_of_day = static_cast<unsigned>(rem / kMicrosPerSecond);
  auto frac = static_cast<unsigned>(rem % kMicrosPerSecond);
  const auto year = static_cast<unsigned>(c.year);  // [0, 9999] after clamping

  const size_t at = out->size();
  out->resize(at + 27);
  char* p = out->data() + at;
  Put2(p, year / 100);
  Put2(p + 2, year % 100);
  p[4] = '-';
  Put2(p + 5, c.month);
  p[7] = '-';
  Put2(p + 8, c.day);
  p[10] = 'T';
  Put2(p + 11, secs_of_day / 3600);
  p[13] = ':';
  Put2(p + 14, secs_of_day / 60 % 60);
  p[16] = ':';
  Put2(p + 17, secs_of_day % 60);
  p[19] = '.';
  Put2(p + 24, frac % 100);
  frac /= 100;
  Put2(p + 22, frac % 100);
  Put2(p + 20, frac / 100);
  p[26] = 'Z';
}

std::string FormatRfc3339Micros(Micros t) {
  std::string out;
  out.reserve(27);
  AppendRfc3339Micros(t, &out);
  return out;
}

std::optional<Micros> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters; the shortest valid input adds `Z`.
  if (s.size() < 20) return std::nullopt;
  auto days = ParseFullDate(s);
  if (!days) return std::nullopt;
  unsigned hh, mm, ss;
  if ((s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &hh) || s[13] != ':' ||
      !Digits(s, 14, 2, &mm) || s[16] != ':' || !Digits(s, 17, 2, &ss)) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;

  size_t pos = 19;
  int64_t micros = 0;
  if (s[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (n < 6) micros = micros * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (; n < 6; ++n) micros *= 10;
  }
  if (pos >= s.size()) return std::nullopt;

  int64_t offset_secs = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    unsigned oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_secs = (static_cast<int64_t>(oh) * 60 + om) * 60;
    if (s[pos] == '-') offset_secs = -offset_secs;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  // Local time minus offset is UTC. Magnitudes stay far below int64 limits.
  const int64_t secs = *days * 86400 + hh * 3600 + mm * 60 + ss - offset_secs;
  const Micros t = secs * kMicrosPerSecond + micros;
  if (t < kMinRfc3339Micros || t > kMaxRfc3339Micros) return std::nullopt;
  return t;
}

std::optional<Micros> ParseDateOrTime(std::string_view s) {
  if (s.size() == 10) {
    auto days = ParseFullDate(s);
    if (!days) return std::nullopt;
    return *days * kMicrosPerDay;
  }
  return ParseRfc3339(s);
}

std::optional<Micros> ParseDuration(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  Micros unit;
  switch (s.back()) {
    case 's':
      unit = kMicrosPerSecond;
      break;
    case 'm':
      unit = 60 * kMicrosPerSecond;
      break;
    case 'h':
      unit = 3600 * kMicrosPerSecond;
      break;
    case 'd':
      unit = kMicrosPerDay;
      break;
    case 'w':
      unit = 7 * kMicrosPerDay;
      break;
    case 'y':
      unit = 365 * kMicrosPerDay;
      break;
    default:
      return std::nullopt;
  }
  const Micros limit = std::numeric_limits<Micros>::max() / unit;
  Micros n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (!IsDigit(s[i])) return std::nullopt;
    n = n * 10 + (s[i] - '0');
    if (n > limit) return std::nullopt;  // checked every digit, so n*10 never overflows
  }
  if (n == 0) return std::nullopt;
  return n * unit;
}

}  // namespace trail
