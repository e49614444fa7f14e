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

namespace trail {
namespace {

using ::testing::HasSubstr;
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
  test::TempDir dir_{"trail-contract"};
};

class PostgresEngine final : public Engine {
 public:
  void Prepare() override {
    test::PgCluster& c = test::PgCluster::Get();
    if (c.missing())
      GTEST_SKIP()
          << "no PostgreSQL server binaries installed (Debian: apt-get install postgresql)";
    ASSERT_TRUE(c.ok()) << "tests/pg_cluster.py start failed: " << c.error();
    url_ = c.CreateDb();
    ASSERT_FALSE(url_.empty());
  }
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
        types_(test::Types()),
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
  std::vector<Event> All(trail::Query q = {}) { return test::ReadAll(*store_, std::move(q)); }
  Counts TagCounts() {
    Sequenced();  // counts are of sequenced events
    auto r = store_->TagCounts();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : Counts{};
  }

  GcResult Gc(Micros as_of, bool dry = false, std::optional<Micros> personal = std::nullopt) {
    return test::LoginGc(*store_, as_of, dry, personal);
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

INSTANTIATE_TEST_SUITE_P(
    Engines, StoreContractTest,
    ::testing::Values(
        EngineKind{"Sqlite", [] { return std::unique_ptr<Engine>(new SqliteEngine); }},
        EngineKind{"Postgres", [] { return std::unique_ptr<Engine>(new PostgresEngine); }}),
    [](const ::testing::TestParamInfo<EngineKind>& info) { return std::string(info.param.name); });

// --- Append and read back ---

TEST_P(StoreContractTest, AppendThenReadBackEveryField) {
  boost::json::object md{
      {"target_user", "bob"}, {"role_name", "Maintainer"}, {"extra", boost::json::array{1, "x"}}};
  boost::json::object location{{"country", "NZ"},
                               {"country_name", "New Zealand"},
                               {"region", "WGN"},
                               {"city", "Wellington"}};
  PreparedEvent full = Make({{"tag", "project:role:add"},
                             {"subject", "project:requests"},
                             {"actor", "alice"},
                             {"ip", "203.0.113.7"},
                             {"user_agent", "warehouse/1.0 \"q\" \xc3\xbc"},
                             {"location", location},
                             {"metadata", md},
                             {"occurred_at", "2025-12-31T23:59:59.5Z"}});
  PreparedEvent bare = Make({{"tag", "account:login:success"},
                             {"subject", "user:bob"},
                             {"id", "0193A2B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B"}});
  ASSERT_EQ(full.salt.size(), 16u);  // leaf format 2: every event is salted
  ASSERT_EQ(bare.personal_hash.size(), 32u);
  std::vector<PreparedEvent> batch{full, bare};
  std::vector<Ack> acks = AppendOk(batch);
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].id, full.id);
  EXPECT_EQ(acks[1].id, "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
  EXPECT_FALSE(acks[0].replayed || acks[1].replayed);
  EXPECT_EQ(SeqOf(acks[0]), 0u);
  EXPECT_EQ(SeqOf(acks[1]), 1u);

  for (int pass = 0; pass < 2; ++pass) {  // before and after a reopen
    SCOPED_TRACE(pass ? "after a reopen" : "before a reopen");
    Sequenced();
    Event e = GetOk(full.id);
    EXPECT_TRUE(e.has_seq);
    EXPECT_EQ(e.seq, 0u);
    EXPECT_EQ(e.id, full.id);
    EXPECT_EQ(e.recorded_at, kStart);
    EXPECT_EQ(e.occurred_at, *ParseRfc3339("2025-12-31T23:59:59.5Z"));
    EXPECT_EQ(e.tag, "project:role:add");
    EXPECT_EQ(e.subject, "project:requests");
    EXPECT_EQ(e.actor, "alice");
    EXPECT_EQ(e.ip, "203.0.113.7");
    EXPECT_EQ(e.user_agent, "warehouse/1.0 \"q\" \xc3\xbc");
    EXPECT_EQ(e.location_json, CanonicalJson(location));
    EXPECT_EQ(e.metadata_json, CanonicalJson(md));
    EXPECT_EQ(e.description, "alice added bob as Maintainer");
    EXPECT_EQ(e.salt, full.salt);
    EXPECT_EQ(e.personal_hash, full.personal_hash);
    EXPECT_EQ(e.body_hash, CompleteBodyHash(full, kStart));
    EXPECT_EQ(e.leaf_hash, LeafHash(full, kStart));
    std::string problem = "unset";
    EXPECT_EQ(e.leaf_hash, RecomputeLeafHash(e, &problem));
    EXPECT_EQ(problem, "");
    EXPECT_FALSE(e.pruned);

    Event b = GetOk("0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
    EXPECT_EQ(b.seq, 1u);
    EXPECT_EQ(b.recorded_at, kStart);
    EXPECT_EQ(b.occurred_at, kStart);  // absent: the same as recorded_at
    EXPECT_EQ(b.subject, "user:bob");
    EXPECT_FALSE(b.actor || b.ip || b.user_agent || b.location_json);
    EXPECT_EQ(b.metadata_json, "{}");
    EXPECT_EQ(b.description, " logged in");
    EXPECT_EQ(b.salt, bare.salt);
    EXPECT_EQ(b.personal_hash, bare.personal_hash);
    EXPECT_EQ(b.leaf_hash, LeafHash(bare, kStart));
    EXPECT_EQ(b.leaf_hash, RecomputeLeafHash(b, &problem));
    EXPECT_EQ(problem, "");

    std::vector<Event> all = All();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, e.id);
    EXPECT_EQ(all[0].leaf_hash, e.leaf_hash);
    EXPECT_EQ(all[1].id, b.id);
    Reopen();
  }
  for (const char* id : {"0193a2b4-c5d6-7e8f-9a0b-000000000000", "not-a-uuid"}) {
    auto missing = store_->Get(id);
    ASSERT_TRUE(missing.ok()) << missing.status().ToString();
    EXPECT_FALSE(missing.value().has_value()) << id;
  }
}

TEST_P(StoreContractTest, EmptyAppendIsAcknowledgedAtOnce) {
  auto r = store_->AppendSync({});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(store_->Stats().events, 0u);
  EXPECT_TRUE(All().empty());
}

// Seqs are contiguous from 0 in commit order (one writer here: the order of the appends),
// and every event's hashes commit to what was sent.
TEST_P(StoreContractTest, SeqsAreContiguousFromZeroAcrossBatchesAndReopens) {
  std::vector<PreparedEvent> sent;
  std::mt19937 rng(1);
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 5; ++b) {
      std::vector<PreparedEvent> batch;
      const int n = 1 + static_cast<int>(rng() % 9);
      for (int i = 0; i < n; ++i) batch.push_back(Release("p" + std::to_string(i % 3), i));
      std::vector<Ack> acks = AppendOk(batch);
      ASSERT_EQ(acks.size(), batch.size());
      for (size_t i = 0; i < acks.size(); ++i) {
        EXPECT_EQ(acks[i].id, batch[i].id);
        EXPECT_TRUE(acks[i].seq || !engine_->AcksCarrySeq());
        if (acks[i].seq) {
          EXPECT_EQ(*acks[i].seq, sent.size() + i);
        }
      }
      sent.insert(sent.end(), batch.begin(), batch.end());
      clock_.Advance(1000);
    }
    Reopen();
    EXPECT_EQ(store_->ReadableEnd(), sent.size());
    EXPECT_EQ(store_->Stats().events, sent.size());
  }
  trail::Query q;
  q.limit = 7;  // many pages
  std::vector<Event> all = All(q);
  ASSERT_EQ(all.size(), sent.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i);
    EXPECT_EQ(all[i].id, sent[i].id);
    EXPECT_EQ(all[i].body_hash, CompleteBodyHash(sent[i], all[i].recorded_at));
    EXPECT_EQ(all[i].leaf_hash, LeafHash(sent[i], all[i].recorded_at));
    EXPECT_EQ(all[i].leaf_hash, RecomputeLeafHash(all[i]));
    if (i > 0) {
      EXPECT_GE(all[i].recorded_at, all[i - 1].recorded_at);
    }
  }
}

TEST_P(StoreContractTest, RecordedAtNeverGoesBackwards) {
  AppendOk({Login("a")});
  Sequenced();
  clock_.Advance(-5'000'000);  // the system clock stepped back
  AppendOk({Login("b")});
  std::vector<Event> all = All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].recorded_at, kStart);
  EXPECT_EQ(all[1].recorded_at, kStart);
  Reopen();  // and not across a restart either
  AppendOk({Login("c")});
  all = All();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].recorded_at, kStart);
}

// --- Idempotency keys and client ids ---

TEST_P(StoreContractTest, IdempotentReplayAcrossBatches) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1"), Login("b")});
  ASSERT_EQ(first.size(), 2u);
  std::vector<Ack> again = AppendOk({Login("a", "key-1")});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, first[0].id);
  EXPECT_TRUE(again[0].replayed);
  EXPECT_EQ(SeqOf(again[0]), 0u);
  EXPECT_EQ(All().size(), 2u);
  EXPECT_EQ(store_->Stats().events, 2u);
}

TEST_P(StoreContractTest, IdempotentReplayMixedWithNewEvents) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1")});
  ASSERT_EQ(first.size(), 1u);
  std::vector<Ack> mixed = AppendOk({Login("x"), Login("a", "key-1"), Login("y", "key-2")});
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_FALSE(mixed[0].replayed);
  EXPECT_EQ(SeqOf(mixed[0]), 1u);
  EXPECT_TRUE(mixed[1].replayed);
  EXPECT_EQ(mixed[1].id, first[0].id);
  EXPECT_EQ(SeqOf(mixed[1]), 0u);
  EXPECT_FALSE(mixed[2].replayed);
  EXPECT_EQ(SeqOf(mixed[2]), 2u);
  EXPECT_EQ(All().size(), 3u);
}

// The same key twice in one batch is stored once; the second is a replay of the first.
TEST_P(StoreContractTest, IdempotencyKeyRepeatedInOneBatchIsStoredOnce) {
  std::vector<PreparedEvent> batch{Login("a", "dup"), Login("b"), Login("a", "dup")};
  std::vector<Ack> acks = AppendOk(batch);
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[0].id, batch[0].id);
  EXPECT_FALSE(acks[0].replayed);
  EXPECT_EQ(acks[2].id, batch[0].id);
  EXPECT_TRUE(acks[2].replayed);
  EXPECT_EQ(SeqOf(acks[0]), 0u);
  EXPECT_EQ(SeqOf(acks[1]), 1u);
  EXPECT_EQ(SeqOf(acks[2]), 0u);
  EXPECT_EQ(All().size(), 2u);
  EXPECT_FALSE(Exists(batch[2].id));
}

TEST_P(StoreContractTest, IdempotentReplayAfterReopen) {
  std::vector<Ack> first = AppendOk({Login("a", "key-1"), Login("b", "key-2")});
  ASSERT_EQ(first.size(), 2u);
  Reopen();
  std::vector<Ack> again = AppendOk({Login("b", "key-2"), Login("a", "key-1")});
  ASSERT_EQ(again.size(), 2u);
  EXPECT_TRUE(again[0].replayed && again[1].replayed);
  EXPECT_EQ(again[0].id, first[1].id);
  EXPECT_EQ(again[1].id, first[0].id);
  EXPECT_EQ(SeqOf(again[0]), 1u);
  EXPECT_EQ(SeqOf(again[1]), 0u);
  EXPECT_EQ(All().size(), 2u);
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}}));
}

TEST_P(StoreContractTest, ReplayedClientIdIsNotAConflict) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  std::vector<Ack> first = AppendOk({Login("a", "k", id)});
  std::vector<Ack> again = AppendOk({Login("a", "k", id)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].replayed);
  EXPECT_EQ(again[0].id, id);
  EXPECT_EQ(SeqOf(again[0]), 0u);
}

// A client id already stored refuses its whole request (naming the event), and nothing of
// that request is stored: not its other events, not their idempotency keys.
TEST_P(StoreContractTest, ExistingClientIdIsAConflictAndNothingOfItsRequestIsStored) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  AppendOk({Login("a", std::nullopt, id)});
  PreparedEvent fresh = Login("fresh", "k9");
  auto refused = store_->AppendSync({fresh, Login("b", "k8", id)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  EXPECT_EQ(refused.status().index(), 1);
  EXPECT_THAT(refused.status().message(), HasSubstr(id));
  EXPECT_FALSE(Exists(fresh.id));
  std::vector<Ack> retry = AppendOk({Login("fresh", "k9")});
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_FALSE(retry[0].replayed) << "the refused request's idempotency key was kept";
  EXPECT_EQ(SeqOf(retry[0]), 1u);
  EXPECT_EQ(GetOk(id).subject, "user:a");
  std::vector<Event> all = All();
  ASSERT_EQ(all.size(), 2u);
  for (uint64_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, i);
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}}));
}

TEST_P(StoreContractTest, ClientIdRepeatedInOneRequestIsAConflict) {
  const std::string id = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
  auto twice = store_->AppendSync({Login("a", std::nullopt, id), Login("b", std::nullopt, id)});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), Code::kConflict);
  EXPECT_EQ(twice.status().index(), 1);
  EXPECT_FALSE(Exists(id));
  EXPECT_TRUE(All().empty());
}

// --- Tag counts ---

TEST_P(StoreContractTest, TagCountsAreExactAcrossReopen) {
  EXPECT_TRUE(TagCounts().empty());
  AppendOk({Login("a"), Login("b", "k1"),
            Make({{"tag", "project:role:remove"}, {"subject", "project:p"}, {"actor", "alice"}})});
  AppendOk({Login("b", "k1")});  // replay: not counted
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}, {"project:role:remove", 1}}));
  Reopen();
  EXPECT_EQ(TagCounts(), (Counts{{"account:login:success", 2}, {"project:role:remove", 1}}));
  AppendOk({Make({{"tag", "account:login:failure"}, {"subject", "user:a"}, {"actor", "a"}}),
            Login("c")});
  // A request refused for an existing client id counts nothing.
  auto conflict = store_->AppendSync({Login("d"), Login("e", std::nullopt, All()[0].id)});
  EXPECT_EQ(conflict.status().code(), Code::kConflict);
  Reopen();
  const Counts want{
      {"account:login:failure", 1}, {"account:login:success", 3}, {"project:role:remove", 1}};
  EXPECT_EQ(TagCounts(), want);
  std::map<std::string, uint64_t> truth;
  for (const Event& e : All()) truth[e.tag]++;
  EXPECT_EQ(Counts(truth.begin(), truth.end()), want);
}

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

// --- Retention (SPEC §7) ---

TEST_P(StoreContractTest, PrunesOneMicrosecondPastTheWindowAndNotBefore) {
  const uint64_t seq = Record(kStart, "account:login:success", "user:alice", "alice");
  const Event before = Read(seq);
  const Micros edge = kStart + 90 * kDay;  // the event is exactly 90 days old then: kept
  EXPECT_EQ(Gc(edge, /*dry=*/true).pruned, 0u);
  EXPECT_EQ(Gc(edge).pruned, 0u);
  EXPECT_FALSE(Read(seq).pruned);
  EXPECT_EQ(Gc(edge + 1, /*dry=*/true).pruned, 1u);
  EXPECT_FALSE(Read(seq).pruned) << "a dry run changes nothing";
  EXPECT_EQ(Gc(edge + 1).pruned, 1u);
  // The payload goes; what the tree commits to stays, so it still verifies (SPEC §5).
  Event e = Read(seq);
  EXPECT_TRUE(e.pruned);
  EXPECT_FALSE(e.subject || e.actor || e.ip || e.user_agent || e.location_json || e.salt);
  EXPECT_EQ(e.id, before.id);
  EXPECT_EQ(e.tag, "account:login:success");
  EXPECT_EQ(e.recorded_at, kStart);
  EXPECT_EQ(e.body_hash, before.body_hash);
  EXPECT_EQ(e.leaf_hash, before.leaf_hash);
  EXPECT_EQ(Gc(edge + 1).pruned, 0u) << "runs are idempotent";
  EXPECT_TRUE(All().empty()) << "pruned events are hidden unless asked for";
  EXPECT_FALSE(GetOk(before.id).subject);
}

TEST_P(StoreContractTest, ForeverIsForever) {
  const uint64_t seq = Record(kStart, "project:create", "project:p1", "bob");
  EXPECT_EQ(Gc(kStart + 3650 * kDay).pruned, 0u);
  EXPECT_FALSE(Read(seq).pruned);
}

TEST_P(StoreContractTest, ScrubsPersonalDataOneMicrosecondPastItsWindow) {
  const uint64_t seq = Record(kStart, "project:create", "project:p1", "bob");
  const std::string personal_hash = Read(seq).personal_hash;
  const Micros pd = 30 * kDay;
  EXPECT_EQ(Gc(kStart + pd, false, pd).scrubbed, 0u);
  EXPECT_TRUE(Read(seq).ip.has_value());
  EXPECT_EQ(Gc(kStart + pd + 1, true, pd).scrubbed, 1u);
  EXPECT_TRUE(Read(seq).ip.has_value()) << "a dry run changes nothing";
  EXPECT_EQ(Gc(kStart + pd + 1, false, pd).scrubbed, 1u);
  Event e = Read(seq);
  EXPECT_FALSE(e.pruned);
  EXPECT_FALSE(e.ip || e.user_agent || e.location_json || e.salt);
  EXPECT_EQ(e.personal_hash, personal_hash) << "personal_hash stays (SPEC §5)";
  EXPECT_EQ(e.actor, "bob") << "the facts stay, only the personal layer goes";
  EXPECT_EQ(Gc(kStart + pd + 1, false, pd).scrubbed, 0u) << "runs are idempotent";
}

TEST_P(StoreContractTest, ADryRunDoesNotCountAsScrubbedWhatItWouldPrune) {
  Record(kStart, "account:login:success", "user:alice", "alice");
  GcResult r = Gc(kStart + 91 * kDay, /*dry=*/true, 30 * kDay);
  EXPECT_EQ(r.pruned, 1u);
  EXPECT_EQ(r.scrubbed, 0u);
}

TEST_P(StoreContractTest, WatermarksSurviveAReopenAndNewEventsArePrunedLater) {
  for (int i = 0; i < 40; ++i)
    Record(kStart + i, "account:login:success", "user:u" + std::to_string(i % 3), "x");
  EXPECT_EQ(Gc(kStart + 91 * kDay).pruned, 40u);
  Reopen();  // a restart between runs
  for (int i = 0; i < 25; ++i)
    Record(kStart + 100 * kDay + i, "account:login:success", "user:u1", "x");
  EXPECT_EQ(Gc(kStart + 91 * kDay).pruned, 0u) << "nothing new is old enough";
  EXPECT_EQ(Gc(kStart + 191 * kDay).pruned, 25u);
  Reopen();
  EXPECT_EQ(Gc(kStart + 191 * kDay).pruned, 0u);
}

TEST_P(StoreContractTest, RedactPrunesExactlyTheSubjectAndForgetsIt) {
  std::vector<uint64_t> alice, others;
  for (int i = 0; i < 30; ++i) {
    (i % 3 == 0 ? alice : others)
        .push_back(Record(kStart + i, "account:login:success",
                          i % 3 == 0 ? "user:alice" : "user:bob", "someone"));
  }
  RedactRequest r;
  r.subject = "user:alice";
  auto n = store_->Redact(r);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, alice.size());
  EXPECT_EQ(n->skipped, 0u);
  for (uint64_t s : alice) EXPECT_TRUE(Read(s).pruned);
  for (uint64_t s : others) EXPECT_FALSE(Read(s).pruned);
  trail::Query q;
  q.subjects = {"user:alice"};
  q.include_pruned = true;
  EXPECT_TRUE(All(q).empty());
  // Later events of the same subject are recorded and found as usual.
  const uint64_t later = Record(kStart + 100, "account:login:success", "user:alice", "alice");
  Reopen();
  q.include_pruned = false;
  std::vector<Event> found = All(q);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].seq, later);
  // Exactly one of subject and actor.
  EXPECT_EQ(store_->Redact(RedactRequest{}).status().code(), Code::kInvalidArgument);
}

// Regression test (SPEC §6): an admin could erase trail's record of what admins did by
// redacting their own key's actor, or wipe earlier redactions by redacting subject trail:redact.
TEST_P(StoreContractTest, RedactionNeverTouchesTrailRecordsAndCountsThem) {
  const std::string admin = "key:k_admin1";
  std::vector<uint64_t> own, user;
  own.push_back(RecordAt(kStart, TrailRecord("trail:key:created", "key:k_w1", admin,
                                             {{"role", "writer"}, {"name", "w"}})));
  own.push_back(RecordAt(kStart + 1, TrailRecord("trail:export", "trail:export", admin,
                                                 {{"format", "csv"}, {"filter", ""}})));
  for (int i = 0; i < 20; ++i)
    user.push_back(Record(kStart + 2 + i, "account:login:success", "user:x", admin));
  own.push_back(
      RecordAt(kStart + 30,
               TrailRecord("trail:gc", "trail:gc", admin,
                           {{"pruned", 0}, {"scrubbed", 0}, {"as_of", "x"}, {"dry_run", false}})));
  RedactRequest r;
  r.actor = admin;
  auto n = store_->Redact(r);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, user.size());
  EXPECT_EQ(n->skipped, own.size());
  for (uint64_t s : user) EXPECT_TRUE(Read(s).pruned);
  for (uint64_t s : own) {
    Event e = Read(s);
    EXPECT_FALSE(e.pruned) << e.tag;
    EXPECT_EQ(e.actor, admin) << e.tag;
  }
  // The actor stays findable for its trail:* events, and only for those.
  trail::Query q;
  q.actors = {admin};
  std::vector<Event> kept = All(q);
  ASSERT_EQ(kept.size(), own.size());
  for (const auto& e : kept) EXPECT_TRUE(IsTrailTag(e.tag)) << e.tag;

  // Redactions are trail records too: redacting their subject keeps every one.
  const uint64_t red =
      RecordAt(kStart + 40, TrailRecord("trail:redact", "trail:redact", admin,
                                        {{"pruned", 20}, {"skipped", 3}, {"actor", admin}}));
  RedactRequest again;
  again.subject = "trail:redact";
  n = store_->Redact(again);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, 0u);
  EXPECT_EQ(n->skipped, 1u);
  EXPECT_FALSE(Read(red).pruned);
  q = {};
  q.subjects = {"trail:redact"};
  EXPECT_EQ(All(q).size(), 1u);
}

TEST_P(StoreContractTest, TrailRecordsAreKeptForeverUnlessAnEntryNamesThem) {
  const uint64_t gc = RecordAt(
      kStart, TrailRecord("trail:gc", "trail:gc", "trail",
                          {{"pruned", 0}, {"scrubbed", 0}, {"as_of", "x"}, {"dry_run", false}}));
  const uint64_t login = Record(kStart, "account:login:success", "user:alice", "alice");
  auto run = [&](const std::vector<RetentionEntry>& entries) -> uint64_t {
    GcRequest r;
    r.as_of = kStart + 3650 * kDay;
    r.rules = RetentionRules(*types_, entries);
    auto res = store_->CollectGarbage(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? res->pruned : 0;
  };
  EXPECT_EQ(run({{"*", 1 * kDay}}), 1u) << "the catch-all prunes the login only";
  EXPECT_TRUE(Read(login).pruned);
  EXPECT_FALSE(Read(gc).pruned) << "a catch-all must not reach trail:* records";
  EXPECT_EQ(run({{"trail:*", 5 * 365 * kDay}}), 1u) << "an entry naming trail:* does";
  EXPECT_TRUE(Read(gc).pruned);
}

// --- API keys ---

TEST_P(StoreContractTest, KeysArePutListedAndRevoked) {
  // Rows as auth stores them (auth/key_ring.cc): the role by its name, which the store keeps
  // as given.
  KeyRow a{"key-a", "ci", "writer", std::string(32, '\x01'), kStart, std::nullopt};
  KeyRow b{"key-b", "ops", "admin", std::string(32, '\x02'), kStart + 10, std::nullopt};
  KeyRow c{"key-c", "audit", "auditor", std::string("\x00\xff\x00", 3), kStart + 5, std::nullopt};
  ASSERT_TRUE(store_->Keys().PutKey(b).ok());
  ASSERT_TRUE(store_->Keys().PutKey(a).ok());
  ASSERT_TRUE(store_->Keys().PutKey(c).ok());
  // A key whose id or hash is stored already is not stored again. (Whether that is an error
  // differs: SQLite refuses it; PostgreSQL accepts it, as every node registers the deployment's
  // one admin.key when it starts.)
  (void)store_->Keys().PutKey(a);
  KeyRow same_hash = c;
  same_hash.id = "key-d";
  (void)store_->Keys().PutKey(same_hash);

  auto list = store_->Keys().ListKeys();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
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

  ASSERT_TRUE(store_->Keys().RevokeKey("key-c", kStart + 100).ok());
  EXPECT_EQ(store_->Keys().RevokeKey("key-c", kStart + 200).code(), Code::kNotFound) << "revoked";
  EXPECT_EQ(store_->Keys().RevokeKey("nope", kStart).code(), Code::kNotFound);

  Reopen();
  list = store_->Keys().ListKeys();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_FALSE((*list)[0].revoked_at);
  EXPECT_EQ((*list)[1].revoked_at, kStart + 100);
  EXPECT_FALSE((*list)[2].revoked_at);
}

// --- Web-viewer sessions (SPEC §9) ---

// A store shares sessions between its nodes (a SessionTable), or has none to share
// (SharedSessions() is null), so that the viewer keeps them in memory (ui/session_store.h).
TEST_P(StoreContractTest, SessionsArePutFoundTouchedAndDeleted) {
  const std::string a(32, 'a'), b(32, 'b');
  const SessionRow s{"key:00ff", 0, "csrf-token", 100, 100, "key:00ff"};
  SessionTable* sessions = store_->SharedSessions();
  if (!sessions) return;  // the embedded store: one node
  ASSERT_TRUE(sessions->PutSession(a, s).ok());
  EXPECT_FALSE(sessions->PutSession(a, s).ok()) << "ids are unique";
  ASSERT_TRUE(sessions->PutSession(b, {"eyJ.token", 1, "c2", 200, 200, "viewer:u"}).ok());
  auto got = sessions->GetSession(a);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  EXPECT_EQ((*got)->credential, "key:00ff");
  EXPECT_EQ((*got)->kind, 0);
  EXPECT_EQ((*got)->csrf, "csrf-token");
  EXPECT_EQ((*got)->created, 100);
  EXPECT_EQ((*got)->last_used, 100);
  ASSERT_TRUE(sessions->TouchSession(a, 5000).ok());
  ASSERT_TRUE(sessions->TouchSession(a, 4000).ok());  // a late touch never moves it back
  got = sessions->GetSession(a);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->last_used, 5000);
  auto swept = sessions->DeleteIdleSessions(1000);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(*swept, 1u);  // b, last used at 200
  got = sessions->GetSession(b);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  ASSERT_TRUE(sessions->DeleteSession(a).ok());
  got = sessions->GetSession(a);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

// The viewer opens at most 16 sessions per owner (ui::SessionStore::kMaxPerOwner): a new one
// past the cap drops that owner's oldest, and no one else's.
TEST_P(StoreContractTest, SessionsAreCappedPerOwner) {
  constexpr size_t kCap = 16;
  auto id = [](int i) { return std::string(31, 's') + static_cast<char>('A' + i); };
  auto session = [](const std::string& owner, Micros created) {
    return SessionRow{owner, 0, "csrf", created, created, owner};
  };
  SessionTable* sessions = store_->SharedSessions();
  if (!sessions) return;  // the embedded store: one node
  ASSERT_TRUE(sessions->PutSession(std::string(32, 'o'), session("key:02", 1), kCap).ok());
  for (int i = 0; i <= static_cast<int>(kCap); ++i)
    ASSERT_TRUE(sessions->PutSession(id(i), session("key:01", 10 + i), kCap).ok()) << i;
  auto oldest = sessions->GetSession(id(0));
  ASSERT_TRUE(oldest.ok()) << oldest.status().ToString();
  EXPECT_FALSE(oldest->has_value()) << "the owner's oldest session stayed past the cap";
  for (int i = 1; i <= static_cast<int>(kCap); ++i) {
    auto kept = sessions->GetSession(id(i));
    ASSERT_TRUE(kept.ok());
    EXPECT_TRUE(kept->has_value()) << i;
  }
  auto other = sessions->GetSession(std::string(32, 'o'));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->has_value()) << "another owner's session was dropped";
}

// --- Stats ---

TEST_P(StoreContractTest, StatsCountWhatWasStored) {
  StoreStats st = store_->Stats();
  EXPECT_EQ(st.events, 0u);
  EXPECT_EQ(st.queue_depth, 0u);
  EXPECT_EQ(st.committed_events, 0u);
  AppendOk({Login("a"), Login("b")});
  AppendOk({Login("c")});
  AppendOk({Login("a", "k"), Login("d")});
  AppendOk({Login("a", "k")});  // a replay stores nothing
  Sequenced();
  for (int i = 0; i < 500 && store_->Stats().events < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  st = store_->Stats();
  EXPECT_EQ(st.events, 5u);
  EXPECT_EQ(st.queue_depth, 0u);
  EXPECT_GE(st.commits, 1u);
  EXPECT_LE(st.commits, 4u);
  EXPECT_GT(st.disk_bytes, 0u);
  EXPECT_TRUE(store_->Healthy());
  store_->Drain();
  EXPECT_FALSE(store_->Healthy()) << "a drained store takes no more appends";
  EXPECT_EQ(store_->AppendSync({Login("late")}).status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace trail
