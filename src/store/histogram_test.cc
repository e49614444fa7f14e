// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/histogram.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/time_format.h"

namespace trail {
namespace {

constexpr Micros kHour = 3600LL * 1000000;

TEST(TagPrefixOf, FirstPartWithItsColon) {
  EXPECT_EQ(TagPrefixOf("project:role:add"), "project:");
  EXPECT_EQ(TagPrefixOf("account:login"), "account:");
  EXPECT_EQ(TagPrefixOf("odd"), "odd");
}

TEST(BucketStart, FloorsAlsoBeforeTheEpoch) {
  EXPECT_EQ(BucketStart(0, kHour), 0);
  EXPECT_EQ(BucketStart(kHour - 1, kHour), 0);
  EXPECT_EQ(BucketStart(kHour, kHour), kHour);
  EXPECT_EQ(BucketStart(-1, kHour), -kHour);
  EXPECT_EQ(BucketStart(-kHour, kHour), -kHour);
}

TEST(HistogramCounter, CountsPerBucketAndPrefixInOrder) {
  HistogramCounter c(kHour, 10);
  EXPECT_TRUE(c.Add(3 * kHour + 5, "project:role:add"));
  EXPECT_TRUE(c.Add(3 * kHour + 1, "project:release:add"));
  EXPECT_TRUE(c.Add(3 * kHour, "account:login:success"));
  EXPECT_TRUE(c.Add(kHour + 7, "project:role:add", 4));
  std::vector<HistogramBucket> want{
      {kHour, "project:", 4}, {3 * kHour, "account:", 1}, {3 * kHour, "project:", 2}};
  EXPECT_EQ(c.Finish(true), want);
}

TEST(HistogramCounter, KeepsTheNewestBucketsAndSaysWhenToStop) {
  HistogramCounter c(kHour, 2);
  EXPECT_TRUE(c.Add(5 * kHour, "a:b"));
  EXPECT_TRUE(c.Add(4 * kHour, "a:b"));
  EXPECT_TRUE(c.Add(4 * kHour + 1, "c:d"));
  EXPECT_FALSE(c.Add(3 * kHour, "a:b"));  // a third, older bucket: done
  std::vector<HistogramBucket> want{
      {4 * kHour, "a:", 1}, {4 * kHour, "c:", 1}, {5 * kHour, "a:", 1}};
  EXPECT_EQ(c.Finish(true), want);
}

TEST(HistogramCounter, AnIncompleteCountDropsItsOldestBucket) {
  HistogramCounter c(kHour, 5);
  c.Add(5 * kHour, "a:b");
  c.Add(4 * kHour, "a:b");
  std::vector<HistogramBucket> want{{5 * kHour, "", 0}, {5 * kHour, "a:", 1}};
  EXPECT_EQ(c.Finish(false), want);  // the marker: counted from 5h on
  HistogramCounter one(kHour, 5);
  one.Add(7 * kHour + 9, "a:b");
  EXPECT_EQ(one.Finish(false), (std::vector<HistogramBucket>{{8 * kHour, "", 0}}));
  EXPECT_EQ(HistogramCounter(kHour, 3).Finish(false),
            (std::vector<HistogramBucket>{{std::numeric_limits<Micros>::max(), "", 0}}));
}

constexpr Micros kDay = 24 * kHour;
constexpr Micros kNow = 20000 * kDay + 5 * kHour;  // 2024-10-04T05:00:00Z

TEST(ChartWindowOf, EndsAtUntilOrNowAndSpansAtMostTheBound) {
  ChartWindow w = ChartWindowOf(std::nullopt, std::nullopt, kNow, kDay, 60, 366);
  EXPECT_EQ(w.buckets, 60u);
  EXPECT_EQ(w.start, 20001 * kDay - 60 * kDay);
  w = ChartWindowOf(kNow - 3 * kDay, std::nullopt, kNow, kDay, 60, 366);
  EXPECT_EQ(w.buckets, 4u);
  EXPECT_EQ(w.start, 19997 * kDay);
  w = ChartWindowOf(0, 10 * kDay, kNow, kDay, 60, 366);  // until is exclusive
  EXPECT_EQ(w.start, 0);
  EXPECT_EQ(w.buckets, 10u);
  EXPECT_EQ(ChartWindowOf(0, std::nullopt, kNow, kDay, 60, 366).buckets, 366u);
}

// Regression test: since=2099-01-01 made the count wrap to ~2^64 and the chart's vector
// threw std::length_error on a worker thread, which ended the process.
TEST(ChartWindowOf, AFutureOrInvertedRangeHasNoBuckets) {
  const Micros y2099 = 4070908800LL * kMicrosPerSecond;
  EXPECT_EQ(ChartWindowOf(y2099, std::nullopt, kNow, kDay, 60, 366).buckets, 0u);
  EXPECT_EQ(ChartWindowOf(y2099, std::nullopt, kNow, kHour, 48, 336).buckets, 0u);
  EXPECT_EQ(ChartWindowOf(10 * kDay, 5 * kDay, kNow, kDay, 60, 366).buckets,
            0u);  // since after until
  EXPECT_EQ(ChartWindowOf(10 * kDay, 10 * kDay, kNow, kDay, 60, 366).buckets, 0u);
}

TEST(ChartWindowOf, AbsurdTimesStayBounded) {
  for (Micros bucket : {kHour, kDay, 7 * kDay}) {
    for (std::optional<Micros> since :
         {std::optional<Micros>(), std::optional<Micros>(kMinRfc3339Micros),
          std::optional<Micros>(kMaxRfc3339Micros), std::optional<Micros>(-kDay),
          std::optional<Micros>(std::numeric_limits<Micros>::min()),
          std::optional<Micros>(std::numeric_limits<Micros>::max())}) {
      for (std::optional<Micros> until :
           {std::optional<Micros>(), std::optional<Micros>(kMinRfc3339Micros),
            std::optional<Micros>(kMaxRfc3339Micros + kDay),
            std::optional<Micros>(std::numeric_limits<Micros>::min()),
            std::optional<Micros>(std::numeric_limits<Micros>::max())}) {
        ChartWindow w = ChartWindowOf(since, until, kNow, bucket, 60, 366);
        EXPECT_LE(w.buckets, 366u);
        EXPECT_EQ(w.start % bucket, 0);
      }
    }
  }
  EXPECT_EQ(ChartWindowOf(std::nullopt, std::nullopt, kNow, 0, 60, 366).buckets, 0u);
  EXPECT_EQ(ChartWindowOf(std::nullopt, std::nullopt, kNow, -kDay, 60, 366).buckets, 0u);
}

}  // namespace
}  // namespace trail
