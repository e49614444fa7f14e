// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/time_format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace trail {
namespace {

constexpr Micros kSec = kMicrosPerSecond;

Micros MustParse(std::string_view s) {
  auto t = ParseRfc3339(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(0);
}

TEST(FormatRfc3339MicrosTest, KnownInstants) {
  EXPECT_EQ(FormatRfc3339Micros(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatRfc3339Micros(1'700'000'000'000'000), "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(1'000'000'000 * kSec + 120'034), "2001-09-09T01:46:40.120034Z");
  EXPECT_EQ(FormatRfc3339Micros(951'782'400 * kSec), "2000-02-29T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(4'107'542'399 * kSec + 999'999), "2100-02-28T23:59:59.999999Z");
}

TEST(FormatRfc3339MicrosTest, BeforeEpoch) {
  EXPECT_EQ(FormatRfc3339Micros(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339Micros(-kSec), "1969-12-31T23:59:59.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(-kMicrosPerDay), "1969-12-31T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(-62'135'596'800 * kSec), "0001-01-01T00:00:00.000000Z");
}

TEST(FormatRfc3339MicrosTest, RangeEndsAndClamping) {
  EXPECT_EQ(FormatRfc3339Micros(kMinRfc3339Micros), "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(kMaxRfc3339Micros), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339Micros(kMinRfc3339Micros - 1), "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(kMaxRfc3339Micros + 1), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339Micros(INT64_MIN), "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339Micros(INT64_MAX), "9999-12-31T23:59:59.999999Z");
}

TEST(FormatRfc3339MicrosTest, AppendsWithoutClobbering) {
  std::string out = "at=";
  AppendRfc3339Micros(0, &out);
  EXPECT_EQ(out, "at=1970-01-01T00:00:00.000000Z");
}

// Walks every day of years 0000..9999 with a naive calendar and checks both directions.
TEST(FormatRfc3339MicrosTest, EveryDayMatchesNaiveCalendar) {
  Micros day_start = kMinRfc3339Micros;
  char expected[64];  // room for any int, so -O1 sees no truncation
  for (int y = 0; y <= 9999; ++y) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int month_days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= month_days[m - 1]; ++d) {
        // A time of day that varies with the date so every field gets exercised.
        const int hh = (y + d) % 24, mm = (m * 7 + d) % 60, ss = (y + m + d) % 60;
        const int us = (y * 37 + d * 101) % 1'000'000;
        const Micros t = day_start + ((hh * 60 + mm) * 60 + ss) * kSec + us;
        std::snprintf(expected, sizeof(expected), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d,
                      hh, mm, ss, us);
        const std::string got = FormatRfc3339Micros(t);
        if (got != expected) {
          FAIL() << "format " << t << ": got " << got << " want " << expected;
        }
        if (ParseRfc3339(got) != t) FAIL() << "parse " << got;
        day_start += kMicrosPerDay;
      }
    }
  }
  EXPECT_EQ(day_start, kMaxRfc3339Micros + 1);
}

TEST(ParseRfc3339Test, SpecExampleRoundTrips) {
  const Micros t = MustParse("2026-11-27T22:03:07.123456Z");
  EXPECT_EQ(t, 1'795'816'987 * kSec + 123'456);
  EXPECT_EQ(FormatRfc3339Micros(t), "2026-11-27T22:03:07.123456Z");
}

TEST(ParseRfc3339Test, Fractions) {
  const Micros base = MustParse("2026-01-01T00:00:00Z");
  EXPECT_EQ(MustParse("2026-01-01T00:00:00.1Z"), base + 100'000);
  EXPECT_EQ(MustParse("2026-01-01T00:00:00.12Z"), base + 120'000);
  EXPECT_EQ(MustParse("2026-01-01T00:00:00.000001Z"), base + 1);
  EXPECT_EQ(MustParse("2026-01-01T00:00:00.1234567Z"), base + 123'456);    // truncated
  EXPECT_EQ(MustParse("2026-01-01T00:00:00.999999999Z"), base + 999'999);  // not rounded
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.1234567890Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.Z"), std::nullopt);
}

TEST(ParseRfc3339Test, OffsetsConvertToUtc) {
  const Micros utc = MustParse("2026-01-01T00:00:00Z");
  EXPECT_EQ(MustParse("2026-01-01T05:30:00+05:30"), utc);
  EXPECT_EQ(MustParse("2025-12-31T19:00:00-05:00"), utc);
  EXPECT_EQ(MustParse("2026-01-01T00:00:00+00:00"), utc);
  EXPECT_EQ(MustParse("2026-01-01T00:00:00-00:00"), utc);
  EXPECT_EQ(MustParse("2026-01-01T23:59:00+23:59"), utc);
  EXPECT_EQ(MustParse("2026-03-01T00:00:00.5+01:00"), MustParse("2026-02-28T23:00:00.5Z"));
  EXPECT_EQ(FormatRfc3339Micros(MustParse("2024-02-29T01:15:00.25+02:45")),
            "2024-02-28T22:30:00.250000Z");
}

TEST(ParseRfc3339Test, LowercaseSeparators) {
  EXPECT_EQ(MustParse("2026-11-27t22:03:07z"), MustParse("2026-11-27T22:03:07Z"));
}

TEST(ParseRfc3339Test, LeapYears) {
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("2000-02-29T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("2400-02-29T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("0000-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("1900-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2100-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2024-02-30T00:00:00Z"));
}

TEST(ParseRfc3339Test, RangeEnds) {
  EXPECT_EQ(MustParse("0000-01-01T00:00:00Z"), kMinRfc3339Micros);
  EXPECT_EQ(MustParse("0001-01-01T00:00:00Z"), -62'135'596'800 * kSec);
  EXPECT_EQ(MustParse("9999-12-31T23:59:59.999999Z"), kMaxRfc3339Micros);
  EXPECT_EQ(MustParse("9999-12-31T23:59:59.999999999Z"), kMaxRfc3339Micros);
  // Valid text, but the offset takes the instant outside the representable range.
  EXPECT_EQ(ParseRfc3339("0000-01-01T00:00:00+00:01"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59-00:01"), std::nullopt);
  EXPECT_TRUE(ParseRfc3339("0000-01-01T00:00:00-00:01"));
  EXPECT_TRUE(ParseRfc3339("9999-12-31T23:59:59+00:01"));
}

TEST(ParseRfc3339Test, RejectsMalformed) {
  for (const char* bad : {"",
                          "Z",
                          "2026-11-27",
                          "2026-11-27T",
                          "2026-11-27T22:03:07",
                          "2026-11-27T22:03Z",
                          "2026-11-27 22:03:07Z",
                          " 2026-11-27T22:03:07Z",
                          "2026-11-27T22:03:07Z ",
                          "2026-11-27T22:03:07ZZ",
                          "2026-11-27T22:03:07Zjunk",
                          "2026-11-27T22:03:07+05:30x",
                          "2026-11-27T22:03:07.123456",
                          "2026-11-27T22:03:07,5Z",
                          "2026-11-27X22:03:07Z",
                          "2026-11-27T22-03-07Z",
                          "2026/11/27T22:03:07Z",
                          "26-11-27T22:03:07Z",
                          "+2026-11-27T22:03:07Z",
                          "-2026-11-27T22:03:07Z",
                          "02026-11-27T22:03:07Z",
                          "2026-1-27T22:03:07Z",
                          "2026-11-7T22:03:07Z",
                          "2026-11-27T2:03:07Z",
                          "2026-13-01T00:00:00Z",
                          "2026-00-01T00:00:00Z",
                          "2026-01-00T00:00:00Z",
                          "2026-01-32T00:00:00Z",
                          "2026-04-31T00:00:00Z",
                          "2026-11-27T24:00:00Z",
                          "2026-11-27T23:60:00Z",
                          "2026-12-31T23:59:60Z",
                          "2026-11-27T22:03:07+24:00",
                          "2026-11-27T22:03:07+05:60",
                          "2026-11-27T22:03:07+0530",
                          "2026-11-27T22:03:07+05",
                          "2026-11-27T22:03:07+5:30",
                          "2026-11-27T22:03:07 +05:30",
                          "2026-11-27T22:03:07UTC",
                          "2026-11-27T22:03:07.-1Z",
                          "2026-11-27T22:03:07.1a2Z",
                          "2026-11-27T22:03:07..1Z",
                          "2026-11-2aT22:03:07Z",
                          "2026-11-27T22:03:0aZ"}) {
    EXPECT_EQ(ParseRfc3339(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseRfc3339(std::string("2026-11-27T22:03:07Z\0", 21)), std::nullopt);
}

TEST(ParseDateOrTimeTest, BareDateIsMidnightUtc) {
  EXPECT_EQ(ParseDateOrTime("2026-01-01"), MustParse("2026-01-01T00:00:00Z"));
  EXPECT_EQ(ParseDateOrTime("1970-01-01"), 0);
  EXPECT_EQ(ParseDateOrTime("2024-02-29"), MustParse("2024-02-29T00:00:00Z"));
  EXPECT_EQ(ParseDateOrTime("0000-01-01"), kMinRfc3339Micros);
  EXPECT_EQ(ParseDateOrTime("9999-12-31"), kMaxRfc3339Micros + 1 - kMicrosPerDay);
}

TEST(ParseDateOrTimeTest, AcceptsDateTimes) {
  EXPECT_EQ(ParseDateOrTime("2026-01-01T12:00:00Z"), MustParse("2026-01-01T12:00:00Z"));
  EXPECT_EQ(ParseDateOrTime("2026-01-01T12:00:00.5+01:00"), MustParse("2026-01-01T11:00:00.5Z"));
}

TEST(ParseDateOrTimeTest, RejectsMalformed) {
  for (const char* bad :
       {"", "2026", "2026-01", "2026-1-1", "2023-02-29", "2026-13-01", "2026-01-01T",
        "2026-01-01T00:00:00", "2026-01-01 ", "2026-01-0a", "2026_01_01", "today"}) {
    EXPECT_EQ(ParseDateOrTime(bad), std::nullopt) << bad;
  }
}

TEST(ParseDurationTest, Units) {
  EXPECT_EQ(ParseDuration("45s"), 45 * kSec);
  EXPECT_EQ(ParseDuration("30m"), 30 * 60 * kSec);
  EXPECT_EQ(ParseDuration("24h"), 24 * 3600 * kSec);
  EXPECT_EQ(ParseDuration("90d"), 90 * kMicrosPerDay);
  EXPECT_EQ(ParseDuration("12w"), 84 * kMicrosPerDay);
  EXPECT_EQ(ParseDuration("1y"), 365 * kMicrosPerDay);
  EXPECT_EQ(ParseDuration("1s"), kSec);
  EXPECT_EQ(ParseDuration("007d"), 7 * kMicrosPerDay);
}

TEST(ParseDurationTest, RejectsMalformed) {
  for (const char* bad :
       {"",     "d",   "0d",  "00s", "-1d", "+1d",  "1",  "10",  "1x",   "1D",    "1H",
        "1.5d", " 1d", "1d ", "1 d", "1dd", "1d1h", "d1", "1ms", "1e3s", "0x10s", "１d"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
}

TEST(ParseDurationTest, OverflowIsRejected) {
  EXPECT_EQ(ParseDuration("9223372036854s"), 9'223'372'036'854 * kSec);
  EXPECT_EQ(ParseDuration("9223372036855s"), std::nullopt);
  EXPECT_EQ(ParseDuration("292471y"), 292'471 * 365 * kMicrosPerDay);
  EXPECT_EQ(ParseDuration("292472y"), std::nullopt);
  EXPECT_EQ(ParseDuration("99999999999999999999999999999999d"), std::nullopt);
}

}  // namespace
}  // namespace trail
