// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "client/backoff.h"

#include <gtest/gtest.h>

#include <random>

namespace trail::client {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(BackoffTest, DelaysStayWithinHalfToFullOfTheCappedExponential) {
  Backoff b{milliseconds(50), milliseconds(5000)};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int attempt = 0; attempt < 80; ++attempt) {
    double d = std::min(5000.0, 50.0 * std::pow(2.0, std::min(attempt, 60))) * 1000;
    for (int i = 0; i < 200; ++i) {
      auto delay = b.Delay(attempt, u(rng)).count();
      ASSERT_GE(delay, static_cast<int64_t>(d / 2) - 1) << attempt;
      ASSERT_LE(delay, static_cast<int64_t>(d)) << attempt;
    }
  }
}

TEST(BackoffTest, EdgesOfTheJitter) {
  Backoff b{milliseconds(100), milliseconds(1000)};
  EXPECT_EQ(b.Delay(0, 0.0), microseconds(50000));
  EXPECT_EQ(b.Delay(0, 1.0), microseconds(100000));
  EXPECT_EQ(b.Delay(3, 0.0), microseconds(400000));
  EXPECT_EQ(b.Delay(30, 1.0), microseconds(1000000));  // capped
  EXPECT_EQ(b.Delay(-5, 1.0), microseconds(100000));   // nonsense in, sane out
  EXPECT_EQ(b.Delay(1000000, 2.0), microseconds(1000000));
}

TEST(BackoffTest, JitterSpreadsClientsThatFailedTogether) {
  Backoff b{milliseconds(50), milliseconds(5000)};
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  std::set<int64_t> distinct;
  for (int i = 0; i < 100; ++i) distinct.insert(b.Delay(4, u(rng)).count());
  EXPECT_GT(distinct.size(), 90u);
}

TEST(RetryAfterTest, SecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("2", 0), 2.0);
  EXPECT_EQ(ParseRetryAfter(" 120 ", 0), 120.0);
  EXPECT_FALSE(ParseRetryAfter("", 0));
  EXPECT_FALSE(ParseRetryAfter("soon", 0));
  EXPECT_FALSE(ParseRetryAfter("-1", 0));
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30), 30.0);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30), 0.0);
}

}  // namespace
}  // namespace trail::client
