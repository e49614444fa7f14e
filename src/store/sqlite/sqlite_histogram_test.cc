// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SqliteStore::CountByTime: the pre-aggregated fast path agrees with counting the rows
// (Store's default) through appends, retention, redaction, reopening and an old store.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include "core/uuid7.h"
#include "store/histogram.h"
#include "store/query_executor.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"
#include "testing/test_types.h"

namespace trail {
namespace {

constexpr Micros kHour = 3600LL * 1000000;
constexpr Micros kDay = 24 * kHour;
constexpr Micros kStart = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

class SqliteHistogramTest : public ::testing::Test {
 protected:
  SqliteHistogramTest() : ids_(clock_), types_(test::Types()) {
    options_.path = dir_.File("trail.db");
    options_.segment_bits = 4;
    options_.clock = &clock_;
    Open();
  }

  void Open() {
    store_.reset();
    store_ = SqliteStore::Open(options_).value();
  }

  // Appends `n` events of `tag` on `subject` at clock time t.
  void Record(Micros t, const std::string& tag, const std::string& subject, int n,
              const std::string& actor = "al") {
    clock_.Set(t);
    std::vector<PreparedEvent> batch;
    for (int i = 0; i < n; ++i) {
      boost::json::object o{{"tag", tag}, {"subject", subject}, {"actor", actor}};
      batch.push_back(PrepareEvent(o, *types_, ids_).value());
    }
    ASSERT_TRUE(store_->AppendSync(std::move(batch)).ok());
  }

  // Types without metadata fields (src/testing/test_types.toml): the chart counts by tag
  // prefix, so only the prefixes matter.
  void Seed() {
    Record(kStart + 10, "account:login:success", "user:al", 3);
    Record(kStart + kHour + 5, "project:role:remove", "project:p", 2);
    Record(kStart + kHour + 9, "project:create", "project:q", 4, "bo");
    Record(kStart + 2 * kDay + 3 * kHour, "organization:team:role:add", "organization:o", 1);
    Record(kStart + 2 * kDay + 3 * kHour + 1, "account:login:success", "user:bo", 5, "bo");
    Record(kStart + 9 * kDay, "project:create", "project:p", 2);
  }

  std::vector<HistogramBucket> Fast(const Query& q, Micros bucket, size_t max = 100) {
    auto r = store_->CountByTime(q, nullptr, bucket, max);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : std::vector<HistogramBucket>{};
  }
  // Store's default: every matching row counted through Query().
  std::vector<HistogramBucket> Slow(const Query& q, Micros bucket, size_t max = 100) {
    auto r = static_cast<Store&>(*store_).Store::CountByTime(q, nullptr, bucket, max);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : std::vector<HistogramBucket>{};
  }

  void ExpectAgree(const char* what) {
    std::vector<Query> queries(6);
    queries[1].tags.push_back({"project:", true});
    queries[2].not_tags.push_back({"account:", true});
    queries[3].since = kStart + kHour;
    queries[3].until = kStart + 3 * kDay;
    queries[4].subjects.push_back("project:p");  // not pre-aggregated: counted from rows
    queries[5].tags.push_back({"project:role:", true});
    for (size_t i = 0; i < queries.size(); ++i) {
      for (Micros bucket : {kHour, kDay, 7 * kDay}) {
        EXPECT_EQ(Fast(queries[i], bucket), Slow(queries[i], bucket))
            << what << ": query " << i << " bucket " << bucket;
      }
    }
  }

  test::TempDir dir_{"trail-histogram"};  // first: the store closes before it goes
  FakeClock clock_{kStart};
  Uuid7Generator ids_;
  std::shared_ptr<const TypeRegistry> types_;
  SqliteOptions options_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteHistogramTest, CountsPerBucketAndTagPrefix) {
  Seed();
  std::vector<HistogramBucket> want{{kStart, "account:", 3},
                                    {kStart, "project:", 6},
                                    {kStart + 2 * kDay, "account:", 5},
                                    {kStart + 2 * kDay, "organization:", 1},
                                    {kStart + 9 * kDay, "project:", 2}};
  EXPECT_EQ(Fast(Query{}, kDay), want);
  ExpectAgree("after appends");
}

TEST_F(SqliteHistogramTest, KeepsOnlyTheNewestBuckets) {
  Seed();
  std::vector<HistogramBucket> want{{kStart + 2 * kDay, "account:", 5},
                                    {kStart + 2 * kDay, "organization:", 1},
                                    {kStart + 9 * kDay, "project:", 2}};
  EXPECT_EQ(Fast(Query{}, kDay, 2), want);
  EXPECT_EQ(Slow(Query{}, kDay, 2), want);
}

TEST_F(SqliteHistogramTest, SubjectsAndViewersAreCountedFromTheRows) {
  Seed();
  Query q;
  q.actors.push_back("bo");
  std::vector<HistogramBucket> want{{kStart, "project:", 4}, {kStart + 2 * kDay, "account:", 5}};
  EXPECT_EQ(Fast(q, kDay), want);
  AccessFilter only_users;
  only_users.allows = [](const Event& e) { return e.subject && e.subject->rfind("user:", 0) == 0; };
  auto r = store_->CountByTime(Query{}, &only_users, kDay, 100);
  ASSERT_TRUE(r.ok());
  std::vector<HistogramBucket> users{{kStart, "account:", 3}, {kStart + 2 * kDay, "account:", 5}};
  EXPECT_EQ(r.value(), users);
}

// The chart pages through budgeted queries (Query::budget): a page that stops early is
// partial and the count goes on from where it stopped, neither losing nor repeating events.
TEST_F(SqliteHistogramTest, CountsAcrossPartialPages) {
  Seed();
  Query q;
  q.actors.push_back("bo");
  auto whole = store_->CountByTime(q, nullptr, kDay, 100);
  ASSERT_TRUE(whole.ok());
  q.budget.max_rows = 1;  // every page examines one row
  auto sliced = store_->CountByTime(q, nullptr, kDay, 100);
  ASSERT_TRUE(sliced.ok());
  EXPECT_EQ(sliced.value(), whole.value());
  q.words.push_back("nomatch");
  auto none = store_->CountByTime(q, nullptr, kDay, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteHistogramTest, PrunedAndRedactedEventsLeaveTheChart) {
  Seed();
  GcRequest gc;
  gc.as_of = kStart + 5 * kDay;
  gc.rules.push_back({"account:login:success", 4 * kDay});  // the first 3 logins
  ASSERT_EQ(store_->CollectGarbage(gc).value().pruned, 3u);
  ExpectAgree("after retention");
  RedactRequest rr;
  rr.subject = "project:q";
  ASSERT_EQ(store_->Redact(rr).value().pruned, 4u);
  ExpectAgree("after redaction");
  std::vector<HistogramBucket> want{{kStart, "project:", 2},
                                    {kStart + 2 * kDay, "account:", 5},
                                    {kStart + 2 * kDay, "organization:", 1},
                                    {kStart + 9 * kDay, "project:", 2}};
  EXPECT_EQ(Fast(Query{}, kDay), want);
}

TEST_F(SqliteHistogramTest, SurvivesReopenAndIsBuiltForAnOlderStore) {
  Seed();
  auto before = Fast(Query{}, kHour);
  Open();
  EXPECT_EQ(Fast(Query{}, kHour), before);
  // A store written before hour_counts existed: no table rows, no marker.
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM hour_counts; DELETE FROM meta WHERE key = 'hour_counts'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Open();
  EXPECT_EQ(Fast(Query{}, kHour), before);
  Record(kStart + 10 * kDay, "project:role:remove", "project:p", 1);
  ExpectAgree("after a rebuild");
}

TEST_F(SqliteHistogramTest, RefusesEmptyBuckets) {
  EXPECT_FALSE(store_->CountByTime(Query{}, nullptr, 0, 10).ok());
  EXPECT_FALSE(store_->CountByTime(Query{}, nullptr, kHour, 0).ok());
}

}  // namespace
}  // namespace trail
