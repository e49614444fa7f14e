// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/uuid7.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace trail {
namespace {

// The 48-bit millisecond timestamp of a generated id.
uint64_t TimestampMs(const std::string& id) {
  return std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

// The 12-bit rand_a field (the counter's top bits).
unsigned RandA(const std::string& id) {
  return static_cast<unsigned>(std::stoul(id.substr(15, 3), nullptr, 16));
}

void ExpectWellFormedV7(const std::string& id) {
  ASSERT_EQ(id.size(), 36u) << id;
  EXPECT_TRUE(IsUuid(id)) << id;
  for (char c : id) EXPECT_TRUE(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  EXPECT_EQ(id[14], '7') << id;
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
}

TEST(Uuid7Test, LayoutAndTimestamp) {
  FakeClock clock(1'700'000'000'123'456);  // 2023-11-14T22:13:20.123456Z
  Uuid7Generator gen(clock);
  const std::string id = gen.Next();
  ExpectWellFormedV7(id);
  EXPECT_EQ(TimestampMs(id), 1'700'000'000'123u);
  char want[16];
  std::snprintf(want, sizeof(want), "%08llx-%04llx", 1'700'000'000'123ULL >> 16,
                1'700'000'000'123ULL & 0xffff);
  EXPECT_EQ(id.substr(0, 13), want);
}

TEST(Uuid7Test, HundredThousandInOneMillisecondStrictlyIncrease) {
  FakeClock clock;
  Uuid7Generator gen(clock);
  std::string prev = gen.Next();
  const uint64_t ms = TimestampMs(prev);
  for (int i = 0; i < 100'000; ++i) {
    std::string id = gen.Next();
    ASSERT_LT(prev, id) << i;
    ASSERT_EQ(TimestampMs(id), ms);
    prev = std::move(id);
  }
  ExpectWellFormedV7(prev);
}

TEST(Uuid7Test, HundredThousandOnSystemClockStrictlyIncrease) {
  Uuid7Generator gen(SystemClock::Get());
  std::string prev = gen.Next();
  const uint64_t now_ms = static_cast<uint64_t>(SystemClock::Get().NowMicros() / 1000);
  EXPECT_LE(TimestampMs(prev), now_ms);
  EXPECT_GE(TimestampMs(prev) + 10'000, now_ms);
  for (int i = 0; i < 100'000; ++i) {
    std::string id = gen.Next();
    ASSERT_LT(prev, id) << i;
    prev = std::move(id);
  }
  ExpectWellFormedV7(prev);
}

TEST(Uuid7Test, NewMillisecondTakesNewTimestampAndReseeds) {
  FakeClock clock(1'000'000'000'000'000);
  Uuid7Generator gen(clock);
  std::string prev = gen.Next();
  for (int ms = 1; ms <= 1000; ++ms) {
    clock.Advance(1000);
    std::string id = gen.Next();
    ASSERT_LT(prev, id);
    ASSERT_EQ(TimestampMs(id), 1'000'000'000'000u + ms);
    // Seeds leave the counter's top bit clear so it has room to count.
    ASSERT_LT(RandA(id), 0x800u) << id;
    prev = std::move(id);
  }
}

TEST(Uuid7Test, SubMillisecondStepsKeepTimestamp) {
  FakeClock clock(1'000'000'000'000'000);
  Uuid7Generator gen(clock);
  const std::string a = gen.Next();
  clock.Advance(999);
  const std::string b = gen.Next();
  EXPECT_LT(a, b);
  EXPECT_EQ(TimestampMs(a), TimestampMs(b));
}

TEST(Uuid7Test, ClockGoingBackwardsStaysMonotonic) {
  FakeClock clock(1'000'000'000'000'000);
  Uuid7Generator gen(clock);
  const std::string first = gen.Next();
  clock.Advance(-5'000'000);  // NTP step back by five seconds
  std::string prev = first;
  for (int i = 0; i < 1000; ++i) {
    std::string id = gen.Next();
    ASSERT_LT(prev, id);
    ASSERT_EQ(TimestampMs(id), TimestampMs(first));
    prev = std::move(id);
  }
  clock.Advance(10'000'000);
  const std::string later = gen.Next();
  EXPECT_LT(prev, later);
  EXPECT_EQ(TimestampMs(later), TimestampMs(first) + 5000);
}

TEST(Uuid7Test, ClockBeforeEpochClampsToZero) {
  FakeClock clock(-123'456'789);
  Uuid7Generator gen(clock);
  const std::string a = gen.Next();
  const std::string b = gen.Next();
  ExpectWellFormedV7(a);
  EXPECT_EQ(TimestampMs(a), 0u);
  EXPECT_LT(a, b);
}

TEST(Uuid7Test, GeneratorsDifferAtTheSameInstant) {
  FakeClock clock;
  Uuid7Generator g1(clock), g2(clock);
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.insert(g1.Next());
    ids.insert(g2.Next());
  }
  EXPECT_EQ(ids.size(), 2000u);
}

TEST(Uuid7Test, ConcurrentCallersGetUniqueOrderedIds) {
  Uuid7Generator gen(SystemClock::Get());
  constexpr int kThreads = 4, kPerThread = 25'000;
  std::vector<std::vector<std::string>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      got[t].reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) got[t].push_back(gen.Next());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& ids : got) {
    for (size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1], ids[i]);
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(Uuid7Test, RandomTailVaries) {
  FakeClock clock;
  Uuid7Generator gen(clock);
  std::set<std::string> tails;
  for (int i = 0; i < 1000; ++i) tails.insert(gen.Next().substr(28));  // last 32 bits
  EXPECT_GT(tails.size(), 990u);
}

TEST(IsUuidTest, AcceptsCanonicalForms) {
  EXPECT_TRUE(IsUuid("01936f3e-8c41-7a2b-9d4e-0123456789ab"));
  EXPECT_TRUE(IsUuid("01936F3E-8C41-7A2B-9D4E-0123456789AB"));
  EXPECT_TRUE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d479"));  // v4
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_TRUE(IsUuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
}

TEST(IsUuidTest, RejectsOtherForms) {
  for (const char* bad :
       {"", "01936f3e8c417a2b9d4e0123456789ab", "{01936f3e-8c41-7a2b-9d4e-0123456789ab}",
        "urn:uuid:01936f3e-8c41-7a2b-9d4e-0123456789ab", "01936f3e-8c41-7a2b-9d4e-0123456789a",
        "01936f3e-8c41-7a2b-9d4e-0123456789abc", "01936f3e-8c41-7a2b-9d4e_0123456789ab",
        "01936f3e-8c417-a2b-9d4e-0123456789ab", "01936f3g-8c41-7a2b-9d4e-0123456789ab",
        " 1936f3e-8c41-7a2b-9d4e-0123456789ab", "01936f3e-8c41-7a2b-9d4e-0123456789a "}) {
    EXPECT_FALSE(IsUuid(bad)) << bad;
  }
}

}  // namespace
}  // namespace trail
