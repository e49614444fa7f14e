// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// PostgresStore beyond the Store contract (store_contract_test.cc runs that on both engines):
// read-your-writes before the seq, the sequencer and its hand-over between nodes, keys and
// sessions shared by nodes, outages, the schema. Against a real, throwaway PostgreSQL cluster
// (pg_test_cluster.h); each test gets a fresh database. Skipped — with a message — only when
// no PostgreSQL server binaries are installed.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "core/codec.h"
#include "core/uuid7.h"
#include "store/postgres/pg_internal.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/store_testing.h"
#include "testing/test_types.h"
#include "tlog/tree.h"

namespace trail {
namespace {

using test::PgCluster;
using test::RunSql;

class PostgresStoreTest : public ::testing::Test {
 protected:
  PostgresStoreTest() : ids_(SystemClock::Get()), types_(test::Types()) {
    type_set_.Set(types_);
    signer_.emplace(tlog::NoteSigner::FromSeed(std::string(32, '\7'), "test.example/log").value());
  }

  void SetUp() override {
    TRAIL_PG_FRESH_DB_OR_SKIP(url_);
    store_ = Open();
    ASSERT_TRUE(store_);
  }

  std::unique_ptr<PostgresStore> Open(bool sequencer = true) {
    PostgresOptions o;
    o.url = url_;
    o.signer = &*signer_;
    o.origin = "test.example/log";
    o.sequencer = sequencer;
    o.log = [](const std::string&) {};
    auto r = PostgresStore::Open(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return nullptr;
    (*r)->SetTypes(&type_set_);
    return std::move(r).value();
  }

  PreparedEvent Login(const std::string& user, std::optional<std::string> key = std::nullopt,
                      std::optional<std::string> id = std::nullopt) {
    boost::json::object o{{"tag", "account:login:success"},
                          {"subject", "user:" + user},
                          {"actor", user},
                          {"ip", "203.0.113.7"},
                          {"user_agent", "test/1"}};
    if (key) o["idempotency_key"] = *key;
    if (id) o["id"] = *id;
    return PrepareEvent(o, *types_, ids_).value();
  }
  PreparedEvent Release(const std::string& project, int i) {
    boost::json::object o{{"tag", "project:release:add"},
                          {"subject", "project:" + project},
                          {"actor", "alice"},
                          {"metadata", {{"version", "1." + std::to_string(i)}}}};
    return PrepareEvent(o, *types_, ids_).value();
  }

  Uuid7Generator ids_;
  std::shared_ptr<const TypeRegistry> types_;
  TypeSet type_set_{TypeRegistry::BuiltinOnly()};  // set to types_ in the constructor
  std::optional<tlog::NoteSigner> signer_;
  std::string url_;
  std::unique_ptr<PostgresStore> store_;
};

// Acks carry no seq, but a query right after them waits until this node's own writes are
// sequenced: a client reads what it wrote. (Contiguous seqs, hashes and checkpoints are the
// contract's: store_contract_test.cc.)
TEST_F(PostgresStoreTest, AQueryRightAfterTheAcksReadsTheNodesOwnWrites) {
  std::vector<PreparedEvent> sent;
  for (int b = 0; b < 5; ++b) {
    std::vector<PreparedEvent> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(Release("p" + std::to_string(i % 3), b * 20 + i));
    sent.insert(sent.end(), batch.begin(), batch.end());
    auto acks = store_->AppendSync(batch);
    ASSERT_TRUE(acks.ok()) << acks.status().ToString();
    ASSERT_EQ(acks->size(), 20u);
    EXPECT_EQ((*acks)[0].id, batch[0].id);
  }
  auto all = test::ReadAll(*store_);
  ASSERT_EQ(all.size(), 100u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(all[i].has_seq);
    EXPECT_EQ(all[i].seq, i);
    EXPECT_EQ(all[i].id, sent[i].id);  // one writer: arrival order is commit order
  }
  EXPECT_EQ(store_->ReadableEnd(), 100u);
}

// A replay answers with the original id, and with its seq once that is given. (The rest of
// idempotency and client ids is the contract's: store_contract_test.cc.)
TEST_F(PostgresStoreTest, AReplayOfASequencedEventCarriesItsSeq) {
  auto first = store_->AppendSync({Login("a", "k1"), Login("b")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE((*first)[0].seq) << "the seq comes after the ack";
  ASSERT_TRUE(store_->WaitSequenced(5000));
  auto replay = store_->AppendSync({Login("a", "k1")});
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_TRUE((*replay)[0].replayed);
  EXPECT_EQ((*replay)[0].id, (*first)[0].id);
  ASSERT_TRUE((*replay)[0].seq);
  EXPECT_EQ(*(*replay)[0].seq, 0u);
}

// Text PostgreSQL cannot hold (NUL) is refused as bad input, not as an outage.
TEST_F(PostgresStoreTest, TextPostgresCannotHoldIsBadInput) {
  boost::json::object o{
      {"tag", "account:login:success"}, {"subject", "user:x"}, {"actor", std::string("a\0b", 3)}};
  auto nul = store_->AppendSync({PrepareEvent(o, *types_, ids_).value()});
  EXPECT_EQ(nul.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(store_->Healthy());
}

TEST_F(PostgresStoreTest, GetFindsEventsBeforeTheyAreSequenced) {
  store_.reset();
  auto node = Open(/*sequencer=*/false);
  auto acks = node->AppendSync({Login("a"), Login("b")});
  ASSERT_TRUE(acks.ok());
  EXPECT_FALSE((*acks)[0].seq);
  auto e = node->Get((*acks)[1].id);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_FALSE((*e)->has_seq);
  EXPECT_EQ((*e)->actor, "b");
  trail::Query q;
  auto page = node->Query(q, nullptr);  // waits at most 2 s for a sequencer, then answers
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->events.empty());
  auto sequencer = Open(true);
  ASSERT_TRUE(node->WaitSequenced(10000));
  e = node->Get((*acks)[1].id);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_TRUE((*e)->has_seq);
  EXPECT_EQ((*e)->seq, 1u);
  EXPECT_FALSE(node->Get("not-a-uuid")->has_value());
}

TEST_F(PostgresStoreTest, StatsShowTheBacklogAndTheIntegrationDelay) {
  store_.reset();
  auto node = Open(/*sequencer=*/false);
  std::vector<PreparedEvent> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(Login("u" + std::to_string(i)));
  ASSERT_TRUE(node->AppendSync(batch).ok());
  StoreStats st = node->Stats();
  EXPECT_TRUE(st.shared);
  EXPECT_FALSE(st.sequencer);
  EXPECT_EQ(st.pending_events, 30u);  // committed, waiting: no node sequences
  EXPECT_EQ(st.integration_events, 0u);

  auto sequencer = Open(true);
  ASSERT_TRUE(node->WaitSequenced(10000));
  for (int i = 0; i < 200 && node->Stats().pending_events > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(node->Stats().pending_events, 0u);
  st = sequencer->Stats();
  EXPECT_TRUE(st.sequencer);
  EXPECT_EQ(st.pending_events, 0u);
  EXPECT_EQ(st.integration_events, 30u);
  EXPECT_GT(st.integration_p99_seconds, 0);
  EXPECT_GE(st.integration_max_seconds, st.integration_p99_seconds - 0.0005);  // 0.5 ms buckets
  EXPECT_GE(st.integration_p99_seconds, st.integration_p50_seconds);
  EXPECT_GT(st.integration_sum_seconds, 0);
  EXPECT_LE(st.integration_sum_seconds, 30 * st.integration_max_seconds + 1e-9);
}

TEST_F(PostgresStoreTest, TwoNodesShareOneLogAndHandOverTheSequencer) {
  auto other = Open();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store* s = t % 2 ? static_cast<Store*>(other.get()) : store_.get();
      for (int i = 0; i < 25; ++i) {
        if (!s->AppendSync({Login("u" + std::to_string(t)), Login("v")}).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(store_->WaitSequenced(10000));
  ASSERT_TRUE(other->WaitSequenced(10000));
  auto all = test::ReadAll(*other);
  ASSERT_EQ(all.size(), 200u);
  std::vector<std::string> leaves;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i);
    leaves.push_back(all[i].leaf_hash);
  }
  EXPECT_NE(store_->IsSequencer(), other->IsSequencer());
  for (int i = 0; i < 200; ++i) {
    auto a = store_->LatestCheckpoint(), b = other->LatestCheckpoint();
    if (a && b && a->size == 200 && b->size == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto old_cp = other->LatestCheckpoint();
  ASSERT_TRUE(old_cp);
  EXPECT_EQ(old_cp->note, store_->LatestCheckpoint()->note);
  EXPECT_EQ(old_cp->root, tlog::RootFromLeaves(leaves));

  // The sequencer leaves; the other node takes over and the log grows consistently.
  std::unique_ptr<PostgresStore>& leader = store_->IsSequencer() ? store_ : other;
  std::unique_ptr<PostgresStore>& follower = store_->IsSequencer() ? other : store_;
  leader->Drain();
  leader.reset();
  ASSERT_TRUE(follower->AppendSync({Login("late"), Login("later")}).ok());
  ASSERT_TRUE(follower->WaitSequenced(10000));
  EXPECT_TRUE(follower->IsSequencer());
  for (int i = 0; i < 200 && follower->LatestCheckpoint()->size < 202; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto new_cp = follower->LatestCheckpoint();
  ASSERT_EQ(new_cp->size, 202u);
  auto tiles = follower->Tiles();
  auto proof = tlog::ConsistencyProof(200, 202, *tiles);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_TRUE(tlog::VerifyConsistency(200, 202, old_cp->root, new_cp->root, *proof).ok());
}

// SPEC §7: no table (pending, caches, counters…) keeps a pruned subject or a scrubbed ip.
// (What retention and redaction do to the events is the contract's: store_contract_test.cc.)
TEST_F(PostgresStoreTest, PrunedAndScrubbedDataIsLeftInNoTable) {
  std::vector<PreparedEvent> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(Login(i < 4 ? "alice" : "bob"));
  for (int i = 0; i < 5; ++i) batch.push_back(Release("p", i));
  ASSERT_TRUE(store_->AppendSync(batch).ok());
  GcRequest gc;
  gc.as_of = SystemClock::Get().NowMicros() + 3600LL * 1000000;
  gc.rules = {RetentionRule{"account:login:success", 60LL * 1000000}};
  gc.personal_data = 60LL * 1000000;
  auto run = store_->CollectGarbage(gc);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->pruned, 10u);
  // Logins were pruned first; the releases carry no ip but a salt, which scrubbing deletes.
  EXPECT_EQ(run->scrubbed, 5u);
  // alice is still the actor of the live releases.
  for (const std::string needle : {"user:alice", "user:bob", "203.0.113.7"})
    EXPECT_EQ(
        RunSql(url_,
               "SELECT string_agg(relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = "
               "c.relnamespace WHERE relkind = 'r' AND nspname = current_schema() AND "
               "(xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I t "
               "WHERE t::text LIKE %L', relname, '%" +
                   needle + "%'), false, true, '')))[1]::text::int > 0"),
        "")
        << "tables still holding " << needle;
}

TEST_F(PostgresStoreTest, UnreachableDatabaseIsUnavailableAndNothingAcknowledgedIsLost) {
  ASSERT_TRUE(store_->AppendSync({Login("before")}).ok());
  ASSERT_TRUE(store_->WaitSequenced(5000));
  PgCluster::Get().Pause();
  auto down = store_->AppendSync({Login("during")});
  EXPECT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Code::kUnavailable);
  for (int i = 0; i < 100 && store_->Healthy(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(store_->Healthy());
  PgCluster::Get().Resume();
  Result<std::vector<Ack>> up = Status::Unavailable("not tried");
  for (int i = 0; i < 100 && !up.ok(); ++i) {
    up = store_->AppendSync({Login("after")});
    if (!up.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  for (int i = 0; i < 100 && !store_->Healthy(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(store_->Healthy());
  ASSERT_TRUE(store_->WaitSequenced(10000));
  auto all = test::ReadAll(*store_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].actor, "before");
  EXPECT_EQ(all[1].actor, "after");
}

// SPEC §5: a database that holds events of leaf format 1 (before migration 3) is refused by
// name, never migrated into a mix of formats.
TEST_F(PostgresStoreTest, ADatabaseInLeafFormat1IsRefusedByName) {
  ASSERT_TRUE(store_->AppendSync({Login("a")}).ok());
  ASSERT_TRUE(store_->WaitSequenced(10000));
  store_->Drain();
  store_.reset();
  // As a format-1 database looks to the migrations: events, and migration 3 not applied.
  RunSql(url_, "DELETE FROM schema_version WHERE version >= 3");
  PostgresOptions o;
  o.url = url_;
  o.signer = &*signer_;
  o.origin = "test.example/log";
  o.log = [](const std::string&) {};
  auto r = PostgresStore::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("leaf format 1"), std::string::npos) << r.status().ToString();
}

TEST_F(PostgresStoreTest, SchemaIsVersionedAndKeysAreSharedByNodes) {
  const std::string migrations = std::to_string(pg::SchemaVersion());
  EXPECT_EQ(RunSql(url_, "SELECT count(*) FROM schema_version"), migrations);
  auto second = Open();  // a second node migrates nothing
  ASSERT_TRUE(second);
  EXPECT_EQ(RunSql(url_, "SELECT count(*) FROM schema_version"), migrations);
  KeyRow k{"k_1", "admin", "admin", std::string(32, 'h'), 1, std::nullopt};
  ASSERT_TRUE(store_->PutKey(k).ok());
  k.id = "k_2";  // the same admin.key registered by another node
  ASSERT_TRUE(second->PutKey(k).ok());
  auto keys = second->ListKeys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE(second->RevokeKey("k_1", 5).ok());
  EXPECT_EQ(second->RevokeKey("k_1", 6).code(), Code::kNotFound);
  // Events are append-only in the database itself.
  ASSERT_TRUE(store_->AppendSync({Login("x")}).ok());
  ASSERT_TRUE(store_->WaitSequenced(5000));
  EXPECT_EQ(RunSql(url_, "DELETE FROM events").substr(0, 5), "ERROR");
  EXPECT_EQ(RunSql(url_, "UPDATE events SET recorded_at = 0").substr(0, 5), "ERROR");
  // A newer schema than this build knows is refused.
  second.reset();
  store_.reset();
  RunSql(url_, "INSERT INTO schema_version(version, description) VALUES(99, 'future')");
  PostgresOptions o;
  o.url = url_;
  o.log = [](const std::string&) {};
  auto r = PostgresStore::Open(o);
  EXPECT_FALSE(r.ok());
}

// A session opened on one node works on every node, and ends everywhere. (Each call's own
// behaviour is the contract's: store_contract_test.cc.)
TEST_F(PostgresStoreTest, ViewerSessionsAreSharedByNodes) {
  auto second = Open(false);
  ASSERT_TRUE(second);
  const std::string a(32, 'a');
  ASSERT_TRUE(store_->PutSession(a, {"key:00ff", 0, "csrf-token", 100, 100, "key:00ff"}).ok());
  // The other node finds it, touches it, and the first sees the touch.
  auto got = second->GetSession(a);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  EXPECT_EQ((*got)->csrf, "csrf-token");
  ASSERT_TRUE(second->TouchSession(a, 5000).ok());
  got = store_->GetSession(a);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->last_used, 5000);
  // A sign-out on one node ends it on the other.
  ASSERT_TRUE(store_->DeleteSession(a).ok());
  got = second->GetSession(a);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  // An unreachable database is Unavailable, not "no session".
  PgCluster::Get().Pause();
  auto down = second->GetSession(a);
  PgCluster::Get().Resume();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Code::kUnavailable);
}

TEST_F(PostgresStoreTest, RefusesANodeWithAnotherLogKey) {
  ASSERT_TRUE(store_->AppendSync({Login("x")}).ok());
  ASSERT_TRUE(store_->WaitSequenced(5000));
  for (int i = 0; i < 100 && !store_->LatestCheckpoint(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(store_->LatestCheckpoint());
  auto other_key = tlog::NoteSigner::FromSeed(std::string(32, 'x'), "test.example/log").value();
  PostgresOptions o;
  o.url = url_;
  o.signer = &other_key;
  o.origin = "test.example/log";
  o.log = [](const std::string&) {};
  auto r = PostgresStore::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("log.key"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace trail
