// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The Store contract on every engine (store_contract_testing.h): queries and paging, the
// chart, checkpoints with inclusion and consistency proofs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_contract_testing.h"

namespace trail {
namespace {

using test::kDay;
using test::kHour;
using test::kStart;
using test::StoreContractTest;

// --- Queries ---

TEST_P(StoreContractTest, QueriesFilterPageAndRespectAccess) {
  std::vector<PreparedEvent> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(Release("p" + std::to_string(i % 3), i));
  for (int i = 0; i < 10; ++i) batch.push_back(Login(i % 2 ? "bob" : "carol"));
  AppendOk(batch);
  trail::Query q;
  q.limit = 7;
  q.subjects = {"project:p1"};
  EXPECT_EQ(All(q).size(), 10u);
  q.subjects = {};
  q.tags = {TagMatch{"account:", true}};
  EXPECT_EQ(All(q).size(), 10u);
  q.actors = {"bob"};
  EXPECT_EQ(All(q).size(), 5u);
  q = {};
  q.not_tags = {TagMatch{"project:", true}};
  q.words = {"LOGGED"};
  EXPECT_EQ(All(q).size(), 10u);
  q = {};
  q.tags = {TagMatch{"project:release:add", false}};
  q.since = kStart;
  q.until = kStart + 1;
  EXPECT_EQ(All(q).size(), 30u);
  q.since = kStart + 1;
  q.until.reset();
  EXPECT_TRUE(All(q).empty());
  // Newest first, pages never repeat or skip, even with appends in between.
  q = {};
  q.limit = 4;
  std::vector<uint64_t> seen;
  while (true) {
    auto page = store_->Query(q, nullptr);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_FALSE(page->partial);
    for (const auto& e : page->events) seen.push_back(e.seq);
    AppendOk({Login("dave")});
    if (!page->next_after) break;
    EXPECT_EQ(page->next_after, page->events.back().seq);
    q.after_seq = page->next_after;
  }
  ASSERT_EQ(seen.size(), 40u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 39 - i);
  // A viewer's OR-group of posting keys and its row predicate.
  AccessFilter access;
  access.any_of_keys = {SubjectKey("project:p0"), SubjectKey("user:bob")};
  access.allows = [](const Event& e) { return e.tag != "account:login:success"; };
  q = {};
  q.limit = 100;
  auto page = store_->Query(q, &access);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->events.size(), 10u);
  for (const auto& e : page->events) EXPECT_EQ(e.subject, "project:p0");
}

// A query's budget (Query::budget) answers partial pages; following their cursors visits
// every match exactly once, in order.
TEST_P(StoreContractTest, PartialPagesVisitEveryMatchOnce) {
  std::vector<PreparedEvent> batch;
  std::vector<std::string> rare;
  for (int i = 0; i < 60; ++i) {
    batch.push_back(Login(i % 7 == 3 ? "rare" : "common" + std::to_string(i)));
    if (i % 7 == 3) rare.push_back(batch.back().id);
  }
  AppendOk(batch);
  trail::Query q;
  q.words = {"rare"};  // description words: every row is examined
  q.ascending = true;
  q.budget.max_rows = 5;
  std::vector<std::string> found;
  int partial = 0, pages = 0;
  for (; pages < 100; ++pages) {
    auto page = store_->Query(q, nullptr);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->rows_examined, 5u);
    partial += page->partial;
    for (const auto& e : page->events) found.push_back(e.id);
    if (!page->next_after) break;
    q.after_seq = page->next_after;
  }
  EXPECT_GT(partial, 0) << "the budget never ran out";
  EXPECT_LT(pages, 100);
  EXPECT_EQ(found, rare);
}

TEST_P(StoreContractTest, PagingIsStableUnderConcurrentAppends) {
  for (int i = 0; i < 100; ++i) AppendOk({Login(i % 3 ? "a" : "b")});
  Sequenced();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop.load()) (void)store_->AppendSync({Login("a")});
  });
  for (bool asc : {false, true}) {
    trail::Query q;
    q.actors = {"a"};
    q.ascending = asc;
    q.limit = 7;
    std::vector<uint64_t> seen;
    // Newest first ends at seq 1; oldest first would follow the writer forever.
    for (int pages = 0; pages < (asc ? 40 : 100000); ++pages) {
      auto page = store_->Query(q, nullptr);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const auto& e : page->events) seen.push_back(e.seq);
      if (!page->next_after) break;
      q.after_seq = page->next_after;
    }
    ASSERT_FALSE(seen.empty());
    for (size_t i = 1; i < seen.size(); ++i) {
      if (asc) {
        ASSERT_LT(seen[i - 1], seen[i]);
      } else {
        ASSERT_GT(seen[i - 1], seen[i]);
      }
    }
    // No skips: every "a" event between the first and last seen is there.
    std::set<uint64_t> got(seen.begin(), seen.end());
    const uint64_t lo = std::min(seen.front(), seen.back()),
                   hi = std::max(seen.front(), seen.back());
    for (uint64_t s = lo; s <= hi; ++s) {
      bool is_a = s >= 100 || s % 3 != 0;
      EXPECT_EQ(got.count(s) == 1, is_a) << "seq " << s;
    }
    EXPECT_EQ(asc ? seen.front() : seen.back(), 1u);
  }
  stop.store(true);
  writer.join();
}

TEST_P(StoreContractTest, WaitForEventsReturnsOnceEventsAreReadable) {
  EXPECT_EQ(store_->ReadableEnd(), 0u);
  EXPECT_EQ(store_->WaitForEvents(0, 20), 0u) << "nothing to wait for: the timeout";
  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    AppendOk({Login("a"), Login("b"), Login("c")});
  });
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t end = store_->WaitForEvents(0, 10000);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  appender.join();
  EXPECT_EQ(end, 3u) << "one batch becomes readable at once";
  EXPECT_EQ(store_->ReadableEnd(), 3u);
  EXPECT_EQ(All().size(), 3u);
}

// --- The chart ---

TEST_P(StoreContractTest, CountByTimeCountsPerBucketAndTagPrefix) {
  auto record = [&](Micros t, const std::string& tag, const std::string& subject, int n) {
    clock_.Set(t);
    std::vector<PreparedEvent> batch;
    for (int i = 0; i < n; ++i) batch.push_back(Make({{"tag", tag}, {"subject", subject}}));
    AppendOk(std::move(batch));
    Sequenced();
  };
  record(kStart + 10, "account:login:success", "user:al", 3);
  record(kStart + kHour + 5, "project:role:remove", "project:p", 2);
  record(kStart + kHour + 9, "project:create", "project:q", 4);
  record(kStart + 2 * kDay + 3 * kHour, "organization:team:role:add", "organization:o", 1);
  record(kStart + 9 * kDay, "project:create", "project:p", 2);
  auto chart = store_->CountByTime(trail::Query{}, nullptr, kDay, 100);
  ASSERT_TRUE(chart.ok()) << chart.status().ToString();
  EXPECT_EQ(chart.value(), (std::vector<HistogramBucket>{{kStart, "account:", 3},
                                                         {kStart, "project:", 6},
                                                         {kStart + 2 * kDay, "organization:", 1},
                                                         {kStart + 9 * kDay, "project:", 2}}));
  trail::Query projects;
  projects.subjects = {"project:p"};
  chart = store_->CountByTime(projects, nullptr, kDay, 1);  // the newest bucket only
  ASSERT_TRUE(chart.ok()) << chart.status().ToString();
  EXPECT_EQ(chart.value(), (std::vector<HistogramBucket>{{kStart + 9 * kDay, "project:", 2}}));
  EXPECT_FALSE(store_->CountByTime(trail::Query{}, nullptr, 0, 10).ok());
}

// --- Integrity ---

TEST_P(StoreContractTest, CheckpointsSignTheTreeAndProveInclusionAndConsistency) {
  EXPECT_FALSE(store_->LatestCheckpoint() && store_->LatestCheckpoint()->size > 0);
  for (int b = 0; b < 5; ++b) {
    std::vector<PreparedEvent> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(Release("p" + std::to_string(i % 3), i));
    AppendOk(batch);
  }
  Sequenced();
  std::vector<std::string> leaves;
  for (const Event& e : All()) leaves.push_back(e.leaf_hash);
  ASSERT_EQ(leaves.size(), 100u);
  auto cp = CheckpointOf(100);
  ASSERT_TRUE(cp);
  ASSERT_EQ(cp->size, 100u);
  EXPECT_EQ(cp->root, tlog::RootFromLeaves(leaves));
  EXPECT_TRUE(tlog::VerifyNote(cp->note, signer_.VerifierKey()).ok());
  auto tiles = store_->Tiles();
  ASSERT_TRUE(tiles);
  auto proof = tlog::InclusionProof(42, 100, *tiles);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_TRUE(tlog::VerifyInclusion(42, 100, leaves[42], *proof, cp->root).ok());

  AppendOk({Login("late"), Login("later")});
  Sequenced();
  auto next = CheckpointOf(102);
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size, 102u);
  tiles = store_->Tiles();
  auto consistency = tlog::ConsistencyProof(100, 102, *tiles);
  ASSERT_TRUE(consistency.ok()) << consistency.status().ToString();
  EXPECT_TRUE(tlog::VerifyConsistency(100, 102, cp->root, next->root, *consistency).ok());
  EXPECT_EQ(store_->ReadableEnd(), 102u);
  // A checkpoint that was kept is served again by its size.
  auto kept = store_->CheckpointNote(next->size);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  if (kept.value()) {
    EXPECT_EQ(*kept.value(), next->note);
  }
  auto none = store_->CheckpointNote(7);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none.value());
}

}  // namespace
}  // namespace trail
