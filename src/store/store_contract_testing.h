// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The Store contract (store.h), one set of tests run on every engine: SqliteStore in a fresh
// temporary directory and PostgresStore on a fresh database of a throwaway cluster
// (postgres/pg_test_cluster.h; those are skipped, with a message, only when no PostgreSQL
// server binaries are installed). What an engine does beyond the contract — SQLite's group
// commit, durability and segments, PostgreSQL's sequencer and nodes — is tested beside it
// (sqlite/*_test.cc, postgres/*_test.cc).
//
// One difference is part of the contract: a shared store (PostgreSQL) gives an event its seq
// shortly after acknowledging it, so its acks may carry no seq. The tests read seqs through
// SeqOf() and wait with Sequenced() where the contract lets a read lag the ack.
//
// This header holds the engines and the fixture; the tests are in store_contract_test.cc
// (appends, idempotency, tag counts), store_contract_query_test.cc (queries, the chart,
// checkpoints and proofs) and store_contract_retention_test.cc (retention, redaction, keys,
// sessions, stats).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "core/jcs.h"
#include "core/time_format.h"
#include "core/uuid7.h"
#include "store/key_table.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/postgres/postgres_store.h"
#include "store/posting_index.h"
#include "store/query_executor.h"
#include "store/retention_policy.h"
#include "store/session_table.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "testing/temp_dir.h"
#include "testing/test_types.h"
#include "tlog/note.h"
#include "tlog/tree.h"

namespace trail::test {

using Counts = std::vector<std::pair<std::string, uint64_t>>;

constexpr Micros kStart = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr Micros kHour = 3600LL * 1'000'000;
constexpr Micros kDay = 24 * kHour;
constexpr char kOrigin[] = "test.example/log";

// One engine under test: a fresh, empty place for a store, and opening (again) the store there.
class Engine {
 public:
  virtual ~Engine() = default;
  // Makes the place. May skip or fail the calling test (GTEST_SKIP, ASSERT_*).
  virtual void Prepare() = 0;
  virtual Result<std::unique_ptr<Store>> Open(const Clock& clock,
                                              const tlog::NoteSigner& signer) = 0;
  // Waits until every event `store` acknowledged has its seq; false after a timeout.
  virtual bool WaitSequenced(Store& store) = 0;
  // Whether acks carry the seq (false: it comes shortly after, SPEC §3).
  virtual bool AcksCarrySeq() const = 0;
};

class SqliteEngine final : public Engine {
 public:
  void Prepare() override {}
  Result<std::unique_ptr<Store>> Open(const Clock& clock, const tlog::NoteSigner& signer) override {
    SqliteOptions o;
    o.path = dir_.File("trail.db");
    o.segment_bits = 4;  // 16 events per segment: queries cross sealed and open segments
    o.clock = &clock;
    o.signer = &signer;
    o.origin = kOrigin;
    auto r = SqliteStore::Open(o);
    if (!r.ok()) return r.status();
    return std::unique_ptr<Store>(std::move(r).value());
  }
  bool WaitSequenced(Store&) override { return true; }
  bool AcksCarrySeq() const override { return true; }

 private:
  TempDir dir_{"trail-contract"};
};

class PostgresEngine final : public Engine {
 public:
  void Prepare() override { TRAIL_PG_FRESH_DB_OR_SKIP(url_); }
  Result<std::unique_ptr<Store>> Open(const Clock& clock, const tlog::NoteSigner& signer) override {
    PostgresOptions o;
    o.url = url_;
    o.clock = &clock;
    o.signer = &signer;
    o.origin = kOrigin;
    o.log = [](const std::string&) {};
    auto r = PostgresStore::Open(o);
    if (!r.ok()) return r.status();
    return std::unique_ptr<Store>(std::move(r).value());
  }
  bool WaitSequenced(Store& store) override {
    return static_cast<PostgresStore&>(store).WaitSequenced(10000);
  }
  bool AcksCarrySeq() const override { return false; }

 private:
  std::string url_;
};

struct EngineKind {
  const char* name;
  std::unique_ptr<Engine> (*make)();
  friend void PrintTo(const EngineKind& k, std::ostream* os) { *os << k.name; }
};

class StoreContractTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  StoreContractTest()
      : engine_(GetParam().make()),
        ids_(clock_),
        types_(Types()),
        type_set_(types_),
        signer_(tlog::NoteSigner::FromSeed(std::string(32, '\7'), kOrigin).value()) {}

  void SetUp() override {
    engine_->Prepare();
    if (IsSkipped() || HasFatalFailure()) return;
    Open();
  }

  void Open() {
    auto r = engine_->Open(clock_, signer_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r).value();
    store_->SetTypes(&type_set_);
  }

  // A restart: everything acknowledged is sequenced, the store drained, closed and opened.
  void Reopen() {
    Sequenced();
    store_->Drain();
    store_.reset();
    Open();
  }

  void Sequenced() { ASSERT_TRUE(engine_->WaitSequenced(*store_)) << "not sequenced in time"; }

  // The seq an acknowledged event has (once sequenced, on a store whose acks carry none).
  uint64_t SeqOf(const Ack& a) {
    EXPECT_TRUE(a.seq || !engine_->AcksCarrySeq()) << "an ack without a seq";
    if (a.seq) return *a.seq;
    Sequenced();
    Event e = GetOk(a.id);
    EXPECT_TRUE(e.has_seq);
    return e.seq;
  }

  PreparedEvent Make(const boost::json::object& o) {
    auto r = PrepareEvent(o, *types_, ids_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : PreparedEvent{};
  }
  PreparedEvent Login(const std::string& user, std::optional<std::string> key = std::nullopt,
                      std::optional<std::string> id = std::nullopt) {
    boost::json::object o{
        {"tag", "account:login:success"}, {"subject", "user:" + user}, {"actor", user}};
    if (key) o["idempotency_key"] = *key;
    if (id) o["id"] = *id;
    return Make(o);
  }
  PreparedEvent Release(const std::string& project, int i) {
    return Make({{"tag", "project:release:add"},
                 {"subject", "project:" + project},
                 {"actor", "alice"},
                 {"metadata", {{"version", "1." + std::to_string(i)}}}});
  }
  // One of trail's own records (as Api::RecordSelfAudit makes them).
  PreparedEvent TrailRecord(const std::string& tag, const std::string& subject,
                            const std::string& actor, const boost::json::object& meta) {
    auto r = PrepareEvent(tag, subject, actor, meta, *types_, ids_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : PreparedEvent{};
  }

  std::vector<Ack> AppendOk(std::vector<PreparedEvent> events) {
    auto r = store_->AppendSync(std::move(events));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : std::vector<Ack>{};
  }

  // Records `e` at time `at` (its recorded_at, unless an earlier event was recorded later) and
  // returns its seq.
  uint64_t RecordAt(Micros at, PreparedEvent e) {
    clock_.Set(at);
    std::vector<Ack> acks = AppendOk({std::move(e)});
    Sequenced();  // recorded_at is read from the clock when the seq is given
    return acks.empty() ? 0 : SeqOf(acks[0]);
  }
  uint64_t Record(Micros at, const std::string& tag, const std::string& subject,
                  const std::string& actor, const std::string& ip = "203.0.113.9") {
    return RecordAt(at, Make({{"tag", tag},
                              {"subject", subject},
                              {"actor", actor},
                              {"ip", ip},
                              {"user_agent", "test/1"}}));
  }

  Event GetOk(const std::string& id) { return test::GetOk(*store_, id); }

  bool Exists(const std::string& id) { return test::Exists(*store_, id); }

  // The event at `seq`, pruned or not.
  Event Read(uint64_t seq) {
    trail::Query q;
    q.ascending = true;
    q.include_pruned = true;
    q.limit = 1;
    if (seq > 0) q.after_seq = seq - 1;
    auto page = store_->Query(q, nullptr);
    EXPECT_TRUE(page.ok() && !page->events.empty()) << "no event at seq " << seq;
    return page.ok() && !page->events.empty() ? page->events[0] : Event{};
  }
  std::vector<Event> All(trail::Query q = {}) { return ReadAll(*store_, std::move(q)); }
  Counts TagCounts() {
    Sequenced();  // counts are of sequenced events
    auto r = store_->TagCounts();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : Counts{};
  }

  GcResult Gc(Micros as_of, bool dry = false, std::optional<Micros> personal = std::nullopt) {
    return LoginGc(*store_, as_of, dry, personal);
  }

  // The latest checkpoint once it covers `size` events (a sequencer signs shortly after).
  std::optional<SignedCheckpoint> CheckpointOf(uint64_t size) {
    for (int i = 0; i < 500; ++i) {
      auto cp = store_->LatestCheckpoint();
      if (cp && cp->size >= size) return cp;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return store_->LatestCheckpoint();
  }

  std::unique_ptr<Engine> engine_;  // first: the place outlives the store
  FakeClock clock_{kStart};
  Uuid7Generator ids_;
  std::shared_ptr<const TypeRegistry> types_;
  TypeSet type_set_;  // what the store renders descriptions from
  tlog::NoteSigner signer_;
  std::unique_ptr<Store> store_;
};

}  // namespace trail::test
