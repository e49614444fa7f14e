#include "store/histogram.h"

#include <gtest/gtest.h>

#include <limits>

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
  std::vector<HistogramBucket> want{{kHour, "project:", 4}, {3 * kHour, "account:", 1}, {3 * kHour, "project:", 2}};
  EXPECT_EQ(c.Finish(true), want);
}

TEST(HistogramCounter, KeepsTheNewestBucketsAndSaysWhenToStop) {
  HistogramCounter c(kHour, 2);
  EXPECT_TRUE(c.Add(5 * kHour, "a:b"));
  EXPECT_TRUE(c.Add(4 * kHour, "a:b"));
  EXPECT_TRUE(c.Add(4 * kHour + 1, "c:d"));
  EXPECT_FALSE(c.Add(3 * kHour, "a:b"));  // a third, older bucket: done
  std::vector<HistogramBucket> want{{4 * kHour, "a:", 1}, {4 * kHour, "c:", 1}, {5 * kHour, "a:", 1}};
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

}  // namespace
}  // namespace trail
