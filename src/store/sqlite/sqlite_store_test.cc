// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// SqliteStore beyond the Store contract (store_contract_test.cc runs that on both engines):
// group commit (requests that wait together share one transaction, and one request's refusal
// leaves its neighbours alone), the bounded queue, Drain, the schema and posting segments.
#include "store/sqlite/sqlite_store_test_fixture.h"

namespace trail {
namespace {

using namespace sqlite_testing;  // NOLINT: the fixture of this test file

// --- Schema ---

// SPEC §5: a store written in leaf format 1 is refused with a message naming the format,
// never read or extended in a mix of formats.
TEST_F(SqliteStoreTest, AStoreInLeafFormat1IsRefusedByName) {
  AppendOk({Make({"account:login:success",
                  "user:a",
                  std::nullopt,
                  std::nullopt,
                  std::nullopt,
                  std::nullopt,
                  {}})});
  store_->Drain();
  store_.reset();
  {
    sqlite::Db db;
    ASSERT_TRUE(db.Open(options_.path, false).ok());
    ASSERT_TRUE(db.Exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'").ok());
  }
  auto r = SqliteStore::Open(options_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("leaf format 1"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find(options_.path), std::string::npos) << r.status().ToString();
}

// --- Group commit ---

TEST_F(SqliteStoreTest, GroupCommitFromManyThreads) {
  constexpr int kThreads = 16, kPerThread = 200, kTotal = kThreads * kPerThread;
  std::vector<std::vector<Ack>> acks(kThreads);
  std::vector<std::vector<std::string>> sent(kThreads);
  std::vector<std::thread> threads;
  // Prepare up front: the generator is shared.
  std::vector<std::vector<PreparedEvent>> events(kThreads);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i) events[t].push_back(Login("t" + std::to_string(t)));
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        sent[t].push_back(events[t][i].id);
        auto r = store_->AppendSync({events[t][i]});
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->size(), 1u);
        acks[t].push_back((*r)[0]);
      }
    });
  }
  for (auto& th : threads) th.join();

  std::vector<uint64_t> seqs;
  std::map<std::string, uint64_t> seq_of;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(acks[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) {
      ASSERT_TRUE(acks[t][i].seq);
      EXPECT_EQ(acks[t][i].id, sent[t][i]);
      // One thread's appends are ordered.
      if (i > 0) {
        EXPECT_LT(*acks[t][i - 1].seq, *acks[t][i].seq);
      }
      seqs.push_back(*acks[t][i].seq);
      seq_of[acks[t][i].id] = *acks[t][i].seq;
    }
  }
  std::sort(seqs.begin(), seqs.end());
  for (int i = 0; i < kTotal; ++i) ASSERT_EQ(seqs[i], static_cast<uint64_t>(i));

  StoreStats st = store_->Stats();
  EXPECT_EQ(st.events, static_cast<uint64_t>(kTotal));
  EXPECT_EQ(st.committed_events, static_cast<uint64_t>(kTotal));
  EXPECT_EQ(st.queue_depth, 0u);
  EXPECT_LT(st.commits, static_cast<uint64_t>(kTotal)) << "concurrent appends should share commits";

  std::vector<Event> all = test::ReadAll(*store_);
  ASSERT_EQ(all.size(), static_cast<size_t>(kTotal));
  for (const Event& e : all) EXPECT_EQ(seq_of.at(e.id), e.seq);
}

TEST_F(SqliteStoreTest, RequestsWaitingTogetherShareOneCommit) {
  const uint64_t commits_before = store_->Stats().commits;
  auto results = CommitAsOneGroup({{Login("a")}, {Login("b"), Login("c")}, {Login("d")}});
  for (const auto& [s, acks] : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(results[1].second[0].seq, 2u);
  EXPECT_EQ(results[1].second[1].seq, 3u);
  EXPECT_EQ(results[2].second[0].seq, 4u);
  EXPECT_EQ(store_->Stats().commits, commits_before + 2);  // the dummy's, then one for all three
}

// --- Idempotency keys ---

// The same key twice in one batch used to violate the idempotency table's primary key and
// fail the whole commit group.
TEST_F(SqliteStoreTest, IdempotencyKeyRepeatedInOneBatchDoesNotFailItsGroup) {
  PreparedEvent other = Login("other");
  auto results = CommitAsOneGroup({{Login("a", "dup"), Login("a", "dup")}, {other}});
  ASSERT_TRUE(results[0].first.ok()) << results[0].first.ToString();
  ASSERT_TRUE(results[1].first.ok()) << results[1].first.ToString();
  EXPECT_EQ(results[0].second[0].seq, results[0].second[1].seq);
  EXPECT_TRUE(results[0].second[1].replayed);
  EXPECT_TRUE(Exists(other.id));
  EXPECT_EQ(Count(), 3u);  // dummy, the keyed event once, other
}

TEST_F(SqliteStoreTest, IdempotencyKeyInTwoRequestsOfOneGroup) {
  auto results = CommitAsOneGroup({{Login("a", "k")}, {Login("a", "k")}});
  ASSERT_TRUE(results[0].first.ok());
  ASSERT_TRUE(results[1].first.ok());
  EXPECT_FALSE(results[0].second[0].replayed);
  EXPECT_TRUE(results[1].second[0].replayed);
  EXPECT_EQ(results[1].second[0].id, results[0].second[0].id);
  EXPECT_EQ(results[1].second[0].seq, results[0].second[0].seq);
  EXPECT_EQ(Count(), 2u);
}

// --- Client ids ---

TEST_F(SqliteStoreTest, ExistingClientIdIsAConflictForThatRequestOnly) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  AppendOk({Login("a", std::nullopt, id)});
  PreparedEvent fresh = Login("fresh");
  PreparedEvent neighbour = Login("neighbour");
  auto results = CommitAsOneGroup({{fresh, Login("b", std::nullopt, id)}, {neighbour}});
  EXPECT_EQ(results[0].first.code(), Code::kConflict);
  EXPECT_EQ(results[0].first.index(), 1);
  EXPECT_THAT(results[0].first.message(), HasSubstr(id));
  EXPECT_TRUE(results[0].second.empty());
  ASSERT_TRUE(results[1].first.ok()) << results[1].first.ToString();
  EXPECT_TRUE(Exists(neighbour.id));
  EXPECT_FALSE(Exists(fresh.id));  // nothing of the refused request is stored
  EXPECT_EQ(GetOk(id).subject, "user:a");
  std::vector<Event> all = test::ReadAll(*store_);
  ASSERT_EQ(all.size(), 3u);  // a, dummy, neighbour
  for (uint64_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, i);
  auto counts = store_->TagCounts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts.value(),
            (std::vector<std::pair<std::string, uint64_t>>{{"account:login:success", 3}}));
}

TEST_F(SqliteStoreTest, ClientIdOfAnEarlierRequestInTheGroupIsAConflict) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  auto results = CommitAsOneGroup({{Login("a", std::nullopt, id)}, {Login("b", std::nullopt, id)}});
  EXPECT_TRUE(results[0].first.ok());
  EXPECT_EQ(results[1].first.code(), Code::kConflict);
  EXPECT_EQ(GetOk(id).subject, "user:a");
  EXPECT_EQ(Count(), 2u);
}

// Two events of one request with the same client id used to violate the unique index on
// events.id and fail the whole commit group, neighbours included.
TEST_F(SqliteStoreTest, ClientIdRepeatedInOneRequestIsAConflictForThatRequestOnly) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  PreparedEvent neighbour = Login("neighbour");
  auto results =
      CommitAsOneGroup({{Login("a", std::nullopt, id), Login("b", std::nullopt, id)}, {neighbour}});
  EXPECT_EQ(results[0].first.code(), Code::kConflict);
  EXPECT_EQ(results[0].first.index(), 1);
  ASSERT_TRUE(results[1].first.ok()) << results[1].first.ToString();
  EXPECT_TRUE(Exists(neighbour.id));
  EXPECT_FALSE(Exists(id));
  EXPECT_EQ(Count(), 2u);
}

// --- Queue bound and drain ---

TEST_F(SqliteStoreTest, FullQueueRefusesAtOnce) {
  options_.queue_limit = 10;
  Open();
  std::shared_ptr<Outcome> big;
  {
    WriteLockHolder lock(options_.path);
    std::vector<PreparedEvent> ten;
    for (int i = 0; i < 10; ++i) ten.push_back(Login("u"));
    big = AppendAsync(std::move(ten));
    WaitUntilWriterHolds(10);
    auto refused = AppendAsync({Login("late")});
    ASSERT_TRUE(refused->done.load()) << "a full queue must answer at once";
    auto [s, acks] = refused->future.get();
    EXPECT_EQ(s.code(), Code::kResourceExhausted);
    EXPECT_EQ(s.error_code(), "queue_full");
    EXPECT_TRUE(acks.empty());
    EXPECT_FALSE(big->done.load());
  }
  auto [s, acks] = big->future.get();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(acks.size(), 10u);
  EXPECT_EQ(store_->Stats().queue_depth, 0u);
  // Room again once the commit is durable.
  EXPECT_EQ(AppendOk({Login("again")}).size(), 1u);
  EXPECT_EQ(Count(), 11u);
}

TEST_F(SqliteStoreTest, QueueCountsWaitingRequestsToo) {
  options_.queue_limit = 10;
  Open();
  std::vector<std::shared_ptr<Outcome>> accepted;
  {
    WriteLockHolder lock(options_.path);
    accepted.push_back(AppendAsync({Login("a"), Login("a")}));
    WaitUntilWriterHolds(2);
    for (int i = 0; i < 4; ++i)
      accepted.push_back(AppendAsync({Login("b"), Login("b")}));  // 10 now
    auto refused = AppendAsync({Login("c")});
    ASSERT_TRUE(refused->done.load());
    EXPECT_EQ(refused->future.get().first.code(), Code::kResourceExhausted);
    EXPECT_EQ(store_->Stats().queue_depth, 10u);
  }
  for (auto& o : accepted) EXPECT_TRUE(o->future.get().first.ok());
  EXPECT_EQ(Count(), 10u);
}

TEST_F(SqliteStoreTest, DrainCommitsWhatWasAccepted) {
  std::vector<std::shared_ptr<Outcome>> accepted;
  std::vector<std::string> ids;
  std::thread drainer;
  {
    WriteLockHolder lock(options_.path);
    for (int i = 0; i < 5; ++i) {
      std::vector<PreparedEvent> batch{Login("a"), Login("b")};
      for (const auto& e : batch) ids.push_back(e.id);
      accepted.push_back(AppendAsync(std::move(batch)));
    }
    WaitUntilWriterHolds(10);
    drainer = std::thread([&] { store_->Drain(); });
    // Appends race with Drain() until it closes the queue; those accepted must commit too.
    for (int i = 0; i < 10000; ++i) {
      PreparedEvent e = Login("racer");
      std::string id = e.id;
      auto o = AppendAsync({std::move(e)});
      if (o->done.load()) {
        EXPECT_EQ(o->future.get().first.code(), Code::kUnavailable);
        break;
      }
      ids.push_back(id);
      accepted.push_back(o);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    EXPECT_FALSE(store_->Healthy());
    for (auto& o : accepted) EXPECT_FALSE(o->done.load()) << "acknowledged before the commit";
  }
  drainer.join();
  for (auto& o : accepted) {
    ASSERT_TRUE(o->done.load()) << "Drain() returned with a request unanswered";
    auto [s, acks] = o->future.get();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  // After Drain, appends are refused.
  auto late = AppendAsync({Login("late")});
  ASSERT_TRUE(late->done.load());
  EXPECT_EQ(late->future.get().first.code(), Code::kUnavailable);

  Open();
  for (const auto& id : ids) EXPECT_TRUE(Exists(id)) << id;
  EXPECT_EQ(Count(), ids.size());
}

// --- Segments ---

TEST_F(SqliteStoreTest, SegmentSizeIsFixedWhenTheStoreIsCreated) {
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    PreparedEvent e = Login(i % 2 ? "odd" : "even");
    ids.push_back(e.id);
    AppendOk({std::move(e)});
  }
  options_.segment_bits = 6;  // a different size on reopen must not scramble the postings
  Reopen();
  for (int i = 40; i < 80; ++i) AppendOk({Login(i % 2 ? "odd" : "even")});
  EXPECT_EQ(store_->index().segment_bits(), 4);
  trail::Query q;
  q.actors = {"odd"};
  q.ascending = true;
  q.limit = 1000;
  auto page = store_->Query(q, nullptr);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 40u);
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ(page->events[i].seq, 2 * i + 1);
}

}  // namespace
}  // namespace trail
