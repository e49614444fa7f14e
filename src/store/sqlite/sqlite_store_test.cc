#include "store/sqlite/sqlite_store_test_fixture.h"

namespace trail {
namespace {

using namespace sqlite_testing;  // NOLINT: the fixture of this test file

// --- Append and read back ---

TEST_F(SqliteStoreTest, AppendThenReadBackEveryField) {
  boost::json::object md{
      {"target_user", "bob"}, {"role_name", "Maintainer"}, {"extra", boost::json::array{1, "x"}}};
  boost::json::object full{{"tag", "project:role:add"},
                           {"subject", "project:requests"},
                           {"actor", "alice"},
                           {"ip", "203.0.113.7"},
                           {"user_agent", "warehouse/1.0 \"q\" \xc3\xbc"},
                           {"metadata", md},
                           {"occurred_at", "2025-12-31T23:59:59.5Z"}};
  auto a = PrepareEvent(full, *types_, ids_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  PreparedEvent bare = Make({"account:login:success",
                             "user:bob",
                             std::nullopt,
                             std::nullopt,
                             std::nullopt,
                             "0193A2B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B",
                             {}});
  std::vector<PreparedEvent> batch{a.value(), bare};
  std::vector<Ack> acks = AppendOk(batch);
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].seq, 0u);
  EXPECT_EQ(acks[1].seq, 1u);
  EXPECT_EQ(acks[0].id, batch[0].id);
  EXPECT_EQ(acks[1].id, "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
  EXPECT_FALSE(acks[0].replayed || acks[1].replayed);

  for (int pass = 0; pass < 2; ++pass) {  // before and after a reopen
    Event e = GetOk(batch[0].id);
    EXPECT_EQ(e.seq, 0u);
    EXPECT_TRUE(e.has_seq);
    EXPECT_EQ(e.id, batch[0].id);
    EXPECT_EQ(e.recorded_at, kStart);
    EXPECT_EQ(e.occurred_at, *ParseRfc3339("2025-12-31T23:59:59.5Z"));
    EXPECT_EQ(e.tag, "project:role:add");
    EXPECT_EQ(e.subject, "project:requests");
    EXPECT_EQ(e.actor, "alice");
    EXPECT_EQ(e.ip, "203.0.113.7");
    EXPECT_EQ(e.user_agent, "warehouse/1.0 \"q\" \xc3\xbc");
    EXPECT_EQ(e.metadata_json, CanonicalJson(md));
    EXPECT_EQ(e.description, "alice added bob as Maintainer");
    EXPECT_EQ(e.leaf_hash, LeafHash(batch[0], kStart));
    EXPECT_EQ(e.salt, batch[0].salt);
    EXPECT_EQ(e.personal_hash, batch[0].personal_hash);
    EXPECT_EQ(e.body_hash, CompleteBodyHash(batch[0], kStart));
    std::string problem = "unset";
    EXPECT_EQ(e.leaf_hash, RecomputeLeafHash(e, &problem));
    EXPECT_EQ(problem, "");
    EXPECT_FALSE(e.pruned);

    Event b = GetOk("0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
    EXPECT_EQ(b.seq, 1u);
    EXPECT_EQ(b.recorded_at, kStart);
    EXPECT_EQ(b.occurred_at, kStart);  // absent: the same as recorded_at
    EXPECT_EQ(b.subject, "user:bob");
    EXPECT_FALSE(b.actor || b.ip || b.user_agent);
    EXPECT_EQ(b.metadata_json, "{}");
    EXPECT_EQ(b.description, " logged in");
    EXPECT_EQ(b.leaf_hash, LeafHash(batch[1], kStart));
    EXPECT_EQ(b.leaf_hash, RecomputeLeafHash(b, &problem));
    EXPECT_EQ(problem, "");

    std::vector<Event> all = All();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, e.id);
    EXPECT_EQ(all[1].id, b.id);
    Reopen();
  }
  auto missing = store_->Get("0193a2b4-c5d6-7e8f-9a0b-000000000000");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().has_value());
}

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

TEST_F(SqliteStoreTest, EmptyAppendIsAcknowledgedAtOnce) {
  auto r = store_->AppendSync({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(store_->Stats().events, 0u);
}

TEST_F(SqliteStoreTest, SeqsAreContiguousFromZeroAcrossBatchesAndReopens) {
  uint64_t next = 0;
  std::mt19937 rng(1);
  for (int round = 0; round < 6; ++round) {
    for (int b = 0; b < 5; ++b) {
      std::vector<PreparedEvent> batch;
      const int n = 1 + static_cast<int>(rng() % 9);
      for (int i = 0; i < n; ++i) batch.push_back(Login("u" + std::to_string(i)));
      for (const Ack& a : AppendOk(std::move(batch))) EXPECT_EQ(a.seq, next++);
      clock_.Advance(1000);
    }
    Reopen();
    EXPECT_EQ(store_->Stats().events, next);
  }
  std::vector<Event> all = All();
  ASSERT_EQ(all.size(), next);
  for (uint64_t i = 0; i < next; ++i) EXPECT_EQ(all[i].seq, i);
}

TEST_F(SqliteStoreTest, RecordedAtNeverGoesBackwards) {
  AppendOk({Login("a")});
  clock_.Advance(-5'000'000);  // the system clock stepped back
  AppendOk({Login("b")});
  std::vector<Event> all = All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].recorded_at, all[0].recorded_at);
  Reopen();  // and not across a restart either
  AppendOk({Login("c")});
  all = All();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].recorded_at, all[0].recorded_at);
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

  std::vector<Event> all = All();
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

TEST_F(SqliteStoreTest, IdempotentReplayAcrossBatches) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1"), Login("b")});
  ASSERT_EQ(first.size(), 2u);
  clock_.Advance(1'000'000);
  // The retry carries a new server id (the client did not send one): the original wins.
  std::vector<Ack> again = AppendOk({Login("a", "key-1")});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, first[0].id);
  EXPECT_EQ(again[0].seq, first[0].seq);
  EXPECT_TRUE(again[0].replayed);
  EXPECT_EQ(Count(), 2u);
  EXPECT_EQ(store_->Stats().events, 2u);
}

TEST_F(SqliteStoreTest, IdempotentReplayMixedWithNewEvents) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1")});
  std::vector<Ack> mixed = AppendOk({Login("x"), Login("a", "key-1"), Login("y", "key-2")});
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(mixed[0].seq, 1u);
  EXPECT_FALSE(mixed[0].replayed);
  EXPECT_EQ(mixed[1].id, first[0].id);
  EXPECT_EQ(mixed[1].seq, 0u);
  EXPECT_TRUE(mixed[1].replayed);
  EXPECT_EQ(mixed[2].seq, 2u);
  EXPECT_FALSE(mixed[2].replayed);
  EXPECT_EQ(Count(), 3u);
}

// The same key twice in one batch used to violate the idempotency table's primary key and
// fail the whole commit group.
TEST_F(SqliteStoreTest, IdempotencyKeyRepeatedInOneBatchIsStoredOnce) {
  std::vector<PreparedEvent> batch{Login("a", "dup"), Login("b"), Login("a", "dup")};
  std::vector<Ack> acks = AppendOk(batch);
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[0].id, batch[0].id);
  EXPECT_EQ(acks[0].seq, 0u);
  EXPECT_FALSE(acks[0].replayed);
  EXPECT_EQ(acks[1].seq, 1u);
  EXPECT_EQ(acks[2].id, batch[0].id);
  EXPECT_EQ(acks[2].seq, 0u);
  EXPECT_TRUE(acks[2].replayed);
  EXPECT_EQ(Count(), 2u);
  EXPECT_FALSE(Exists(batch[2].id));
}

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

TEST_F(SqliteStoreTest, IdempotentReplayAfterReopen) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1"), Login("b", "key-2")});
  Reopen();
  std::vector<Ack> again = AppendOk({Login("b", "key-2"), Login("a", "key-1")});
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].id, first[1].id);
  EXPECT_EQ(again[0].seq, first[1].seq);
  EXPECT_EQ(again[1].id, first[0].id);
  EXPECT_EQ(again[1].seq, first[0].seq);
  EXPECT_TRUE(again[0].replayed && again[1].replayed);
  EXPECT_EQ(Count(), 2u);
  auto counts = store_->TagCounts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts.value(),
            (std::vector<std::pair<std::string, uint64_t>>{{"account:login:success", 2}}));
}

TEST_F(SqliteStoreTest, ReplayedClientIdIsNotAConflict) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  std::vector<Ack> first = AppendOk({Login("a", "k", id)});
  std::vector<Ack> again = AppendOk({Login("a", "k", id)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].replayed);
  EXPECT_EQ(again[0].id, id);
  EXPECT_EQ(again[0].seq, first[0].seq);
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
  std::vector<Event> all = All();
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

// --- Tag counts ---

TEST_F(SqliteStoreTest, TagCountsAreExactAcrossReopen) {
  using Counts = std::vector<std::pair<std::string, uint64_t>>;
  auto counts = [&] {
    auto r = store_->TagCounts();
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : Counts{};
  };
  EXPECT_TRUE(counts().empty());
  AppendOk({Login("a"), Login("b", "k1"),
            Make({"project:role:remove",
                  "project:p",
                  "alice",
                  std::nullopt,
                  std::nullopt,
                  std::nullopt,
                  {}})});
  AppendOk({Login("b", "k1")});  // replay: not counted
  EXPECT_EQ(counts(), (Counts{{"account:login:success", 2}, {"project:role:remove", 1}}));
  Reopen();
  EXPECT_EQ(counts(), (Counts{{"account:login:success", 2}, {"project:role:remove", 1}}));
  AppendOk(
      {Make({"account:login:failure", "user:a", "a", std::nullopt, std::nullopt, std::nullopt, {}}),
       Login("c")});
  // A request refused for an existing client id counts nothing.
  auto conflict = store_->AppendSync({Login("d"), Login("e", std::nullopt, All()[0].id)});
  EXPECT_EQ(conflict.status().code(), Code::kConflict);
  Reopen();
  EXPECT_EQ(counts(), (Counts{{"account:login:failure", 1},
                              {"account:login:success", 3},
                              {"project:role:remove", 1}}));
  // Counts agree with the events.
  std::map<std::string, uint64_t> truth;
  for (const Event& e : All()) truth[e.tag]++;
  EXPECT_EQ(counts(), Counts(truth.begin(), truth.end()));
}

// --- API keys ---

TEST_F(SqliteStoreTest, KeysPutListRevoke) {
  KeyRow a{"key-a", "ci", "writer", std::string(32, '\x01'), kStart, std::nullopt};
  KeyRow b{"key-b", "ops", "admin", std::string(32, '\x02'), kStart + 10, std::nullopt};
  KeyRow c{"key-c", "audit", "auditor", std::string("\x00\xff\x00", 3), kStart + 5, std::nullopt};
  ASSERT_TRUE(store_->PutKey(b).ok());
  ASSERT_TRUE(store_->PutKey(a).ok());
  ASSERT_TRUE(store_->PutKey(c).ok());
  // Same id again, or the same hash under another id: refused.
  EXPECT_FALSE(store_->PutKey(a).ok());
  KeyRow same_hash = c;
  same_hash.id = "key-d";
  EXPECT_FALSE(store_->PutKey(same_hash).ok());

  auto list = store_->ListKeys();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id, "key-a");  // by creation time
  EXPECT_EQ((*list)[1].id, "key-c");
  EXPECT_EQ((*list)[2].id, "key-b");
  EXPECT_EQ((*list)[0].name, "ci");
  EXPECT_EQ((*list)[0].role, "writer");
  EXPECT_EQ((*list)[1].role, "auditor");
  EXPECT_EQ((*list)[2].role, "admin");
  EXPECT_EQ((*list)[1].hash, std::string("\x00\xff\x00", 3));
  EXPECT_EQ((*list)[0].created_at, kStart);
  for (const auto& k : *list) EXPECT_FALSE(k.revoked_at);

  ASSERT_TRUE(store_->RevokeKey("key-c", kStart + 100).ok());
  EXPECT_EQ(store_->RevokeKey("key-c", kStart + 200).code(), Code::kNotFound);  // already revoked
  EXPECT_EQ(store_->RevokeKey("nope", kStart).code(), Code::kNotFound);

  Reopen();
  list = store_->ListKeys();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].revoked_at, kStart + 100);
  EXPECT_FALSE((*list)[0].revoked_at);
  EXPECT_FALSE((*list)[2].revoked_at);
}

TEST_F(SqliteStoreTest, DoesNotShareViewerSessions) {
  EXPECT_EQ(store_->SharedSessions(), nullptr);  // one node: the viewer keeps them in memory
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

TEST_F(SqliteStoreTest, PagingIsStableUnderConcurrentAppends) {
  for (int i = 0; i < 100; ++i) AppendOk({Login(i % 3 ? "a" : "b")});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop.load()) store_->AppendSync({Login("a")});
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
      ASSERT_TRUE(page.ok());
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

}  // namespace
}  // namespace trail
