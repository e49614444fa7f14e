// PostgresStore against a real, throwaway PostgreSQL cluster (tests/pg_cluster.py: initdb in a
// temporary folder, a server on a free loopback port). Each test gets a fresh database.
// Skipped — with a message — only when no PostgreSQL server binaries are installed.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <thread>

#include "core/codec.h"
#include "core/uuid7.h"
#include "store/postgres/pg_internal.h"
#include "store/query_executor.h"
#include "store/retention_policy.h"
#include "testing/test_types.h"
#include "tlog/tree.h"

namespace trail {
namespace {

std::string Run(const std::string& cmd, int* code) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *code = -1;
    return out;
  }
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// One cluster per test process (ctest runs each test in its own process).
class Cluster {
 public:
  static Cluster& Get() {
    static Cluster c;
    return c;
  }
  bool missing() const { return code_ == 3; }
  bool ok() const { return code_ == 0; }
  const std::string& error() const { return out_; }
  std::string script() const { return std::string(TRAIL_SOURCE_DIR) + "/tests/pg_cluster.py"; }
  std::string dir() const { return dir_; }

  std::string CreateDb() {
    static std::atomic<int> n{0};
    std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(n++);
    int code = 0;
    std::string url = Run("python3 " + script() + " createdb " + dir_ + " " + name, &code);
    while (!url.empty() && url.back() == '\n') url.pop_back();
    return code == 0 ? url : "";
  }
  void Pause() {
    int code = 0;
    Run("python3 " + script() + " pause " + dir_, &code);
  }
  void Resume() {
    int code = 0;
    Run("python3 " + script() + " resume " + dir_, &code);
  }
  ~Cluster() {
    if (ok()) {
      int code = 0;
      Run("python3 " + script() + " stop " + dir_, &code);
    }
  }

 private:
  Cluster() {
    out_ = Run("python3 " + script() + " start 2>&1", &code_);
    if (code_ != 0) return;
    auto nl = out_.find('\n');
    dir_ = out_.substr(nl + 1);
    while (!dir_.empty() && dir_.back() == '\n') dir_.pop_back();
  }
  int code_ = -1;
  std::string out_, dir_;
};

// Runs SQL on the test database directly (schema checks, simulated outages).
std::string Sql(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string out;
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
  if (PQresultStatus(r) == PGRES_FATAL_ERROR) out = std::string("ERROR ") + PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  return out;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  PostgresStoreTest() : ids_(SystemClock::Get()), types_(test::Types()) {
    type_set_.Set(types_);
    signer_.emplace(tlog::NoteSigner::FromSeed(std::string(32, '\7'), "test.example/log").value());
  }

  void SetUp() override {
    Cluster& c = Cluster::Get();
    if (c.missing())
      GTEST_SKIP()
          << "no PostgreSQL server binaries installed (Debian: apt-get install postgresql)";
    ASSERT_TRUE(c.ok()) << "tests/pg_cluster.py start failed: " << c.error();
    url_ = c.CreateDb();
    ASSERT_FALSE(url_.empty());
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

  std::vector<Event> All(Store& s, trail::Query q = {}) {
    std::vector<Event> out;
    q.ascending = true;
    q.limit = 7;  // many pages
    while (true) {
      auto page = s.Query(q, nullptr);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (auto& e : page->events) out.push_back(std::move(e));
      if (!page->next_after) break;
      q.after_seq = page->next_after;
    }
    return out;
  }

  Uuid7Generator ids_;
  std::shared_ptr<const TypeRegistry> types_;
  TypeSet type_set_{TypeRegistry::BuiltinOnly()};  // set to types_ in the constructor
  std::optional<tlog::NoteSigner> signer_;
  std::string url_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(PostgresStoreTest, AcknowledgedEventsAreSequencedContiguouslyWithTheirLeafHashes) {
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
  // Read-your-writes: a query right after the acks sees them all, sequenced.
  auto all = All(*store_);
  ASSERT_EQ(all.size(), 100u);
  std::vector<std::string> leaves;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i);
    EXPECT_EQ(all[i].id, sent[i].id);  // one writer: arrival order is commit order
    EXPECT_EQ(all[i].leaf_hash, LeafHash(sent[i], all[i].recorded_at));
    EXPECT_EQ(all[i].leaf_hash, RecomputeLeafHash(all[i]));
    EXPECT_EQ(all[i].body_hash, CompleteBodyHash(sent[i], all[i].recorded_at));
    if (i) {
      EXPECT_GE(all[i].recorded_at, all[i - 1].recorded_at);
    }
    leaves.push_back(all[i].leaf_hash);
  }
  ASSERT_TRUE(store_->WaitSequenced(5000));
  for (int i = 0;
       i < 100 && (!store_->LatestCheckpoint() || store_->LatestCheckpoint()->size < 100); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto cp = store_->LatestCheckpoint();
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->size, 100u);
  EXPECT_EQ(cp->root, tlog::RootFromLeaves(leaves));
  EXPECT_TRUE(tlog::VerifyNote(cp->note, signer_->VerifierKey()).ok());
  auto tiles = store_->Tiles();
  ASSERT_TRUE(tiles);
  auto proof = tlog::InclusionProof(42, 100, *tiles);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_TRUE(tlog::VerifyInclusion(42, 100, leaves[42], *proof, cp->root).ok());
  EXPECT_EQ(store_->ReadableEnd(), 100u);
  auto counts = store_->TagCounts();
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].second, 100u);
}

TEST_F(PostgresStoreTest, QueriesFilterPageAndRespectAccess) {
  std::vector<PreparedEvent> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(Release("p" + std::to_string(i % 3), i));
  for (int i = 0; i < 10; ++i) batch.push_back(Login(i % 2 ? "bob" : "carol"));
  ASSERT_TRUE(store_->AppendSync(batch).ok());
  trail::Query q;
  q.subjects = {"project:p1"};
  EXPECT_EQ(All(*store_, q).size(), 10u);
  q = {};
  q.tags = {TagMatch{"account:", true}};
  EXPECT_EQ(All(*store_, q).size(), 10u);
  q.actors = {"bob"};
  EXPECT_EQ(All(*store_, q).size(), 5u);
  q = {};
  q.not_tags = {TagMatch{"project:", true}};
  q.words = {"LOGGED"};
  EXPECT_EQ(All(*store_, q).size(), 10u);
  // Descending pages never repeat or skip, even with appends in between.
  q = {};
  q.limit = 4;
  std::vector<uint64_t> seen;
  while (true) {
    auto page = store_->Query(q, nullptr);
    ASSERT_TRUE(page.ok());
    for (const auto& e : page->events) seen.push_back(e.seq);
    ASSERT_TRUE(store_->AppendSync({Login("dave")}).ok());
    if (!page->next_after) break;
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
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 10u);
  for (const auto& e : page->events) EXPECT_EQ(*e.subject, "project:p0");
}

TEST_F(PostgresStoreTest, IdempotencyKeysAndClientIds) {
  auto first = store_->AppendSync({Login("a", "k1")});
  ASSERT_TRUE(first.ok());
  auto again = store_->AppendSync({Login("a", "k1"), Login("b", "k2")});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)[0].replayed);
  EXPECT_EQ((*again)[0].id, (*first)[0].id);
  EXPECT_FALSE((*again)[1].replayed);
  // Repeated in one batch: stored once, the second answered as a replay of the first.
  auto dup = store_->AppendSync({Login("c", "k3"), Login("c", "k3")});
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ((*dup)[1].id, (*dup)[0].id);
  EXPECT_TRUE((*dup)[1].replayed);
  ASSERT_TRUE(store_->WaitSequenced(5000));
  auto replay = store_->AppendSync({Login("a", "k1")});
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE((*replay)[0].seq);
  EXPECT_EQ(*(*replay)[0].seq, 0u);

  const std::string id = "0190f3a2-1b2c-7d4e-8f00-00000000abcd";
  ASSERT_TRUE(store_->AppendSync({Login("d", std::nullopt, id)}).ok());
  auto reuse = store_->AppendSync({Login("e"), Login("e", "k9", id)});
  ASSERT_FALSE(reuse.ok());
  EXPECT_EQ(reuse.status().code(), Code::kConflict);
  EXPECT_EQ(reuse.status().index(), 1);
  // The refused request left nothing behind: its idempotency key is still free.
  auto fresh = store_->AppendSync({Login("e", "k9")});
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE((*fresh)[0].replayed);
  const std::string id2 = "0190f3a2-1b2c-7d4e-8f00-00000000abce";
  auto twice = store_->AppendSync({Login("f", std::nullopt, id2), Login("f", std::nullopt, id2)});
  EXPECT_EQ(twice.status().code(), Code::kConflict);
  EXPECT_EQ(All(*store_).size(), 5u);  // a, b, c, d, e
  // Text PostgreSQL cannot hold is refused as bad input, not as an outage.
  boost::json::object o{
      {"tag", "account:login:success"}, {"subject", "user:x"}, {"actor", std::string("a\0b", 3)}};
  auto nul = store_->AppendSync({PrepareEvent(o, *types_, ids_).value()});
  EXPECT_EQ(nul.status().code(), Code::kInvalidArgument);
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
  auto all = All(*other);
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

TEST_F(PostgresStoreTest, RetentionPrunesScrubsAndRedacts) {
  std::vector<PreparedEvent> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(Login(i < 4 ? "alice" : "bob"));
  for (int i = 0; i < 5; ++i) batch.push_back(Release("p", i));
  ASSERT_TRUE(store_->AppendSync(batch).ok());
  GcRequest gc;
  gc.as_of = SystemClock::Get().NowMicros() + 3600LL * 1000000;
  gc.rules = {RetentionRule{"account:login:success", 60LL * 1000000}};
  gc.dry_run = true;
  auto dry = store_->CollectGarbage(gc);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->pruned, 10u);
  gc.dry_run = false;
  gc.personal_data = 60LL * 1000000;
  auto run = store_->CollectGarbage(gc);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->pruned, 10u);
  // Logins were pruned first; the releases carry no ip but a salt, which scrubbing deletes.
  EXPECT_EQ(run->scrubbed, 5u);
  EXPECT_EQ(store_->CollectGarbage(gc)->pruned, 0u);  // watermarks: nothing twice
  EXPECT_EQ(All(*store_).size(), 5u);
  trail::Query q;
  q.include_pruned = true;
  auto all = All(*store_, q);
  ASSERT_EQ(all.size(), 15u);
  EXPECT_TRUE(all[0].pruned);
  EXPECT_FALSE(all[0].subject);
  EXPECT_EQ(all[0].leaf_hash.size(), 32u);  // the tree still verifies
  // SPEC §7: no table (pending, caches, counters…) keeps the pruned subject or the scrubbed ip
  // (alice is still the actor of the live releases).
  for (const std::string needle : {"user:alice", "user:bob", "203.0.113.7"})
    EXPECT_EQ(
        Sql(url_,
            "SELECT string_agg(relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = "
            "c.relnamespace WHERE relkind = 'r' AND nspname = current_schema() AND (xpath('/row/n/"
            "text()', query_to_xml(format('SELECT count(*) AS n FROM %I t WHERE t::text LIKE %L', "
            "relname, '%" +
                needle + "%'), false, true, '')))[1]::text::int > 0"),
        "")
        << "tables still holding " << needle;

  ASSERT_TRUE(store_->AppendSync({Login("mallory"), Login("mallory")}).ok());
  RedactRequest r;
  r.actor = "mallory";
  auto n = store_->Redact(r);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, 2u);
  EXPECT_EQ(n->skipped, 0u);
  q = {};
  q.actors = {"mallory"};
  EXPECT_TRUE(All(*store_, q).empty());
}

// Regression test (SPEC §6): redacting an admin key's own actor, or subject trail:redact,
// must not erase trail's record of what admins did.
TEST_F(PostgresStoreTest, RedactionNeverTouchesTrailRecordsAndCountsThem) {
  const std::string admin = "key:k_admin1";
  auto trail_event = [&](const std::string& tag, const std::string& subject,
                         const boost::json::object& meta) {
    return PrepareEvent(tag, subject, admin, meta, *types_, ids_).value();
  };
  ASSERT_TRUE(
      store_
          ->AppendSync(
              {trail_event("trail:key:created", "key:k_w1", {{"role", "writer"}, {"name", "w"}}),
               trail_event("trail:export", "trail:export", {{"format", "csv"}, {"filter", ""}}),
               Login("x"), Login("x"),
               trail_event("trail:redact", "trail:redact", {{"pruned", 1}, {"skipped", 0}})})
          .ok());
  // The logins' actor is "x": make two events of the admin actor that are not trail records.
  boost::json::object o{{"tag", "account:login:success"}, {"subject", "user:y"}, {"actor", admin}};
  ASSERT_TRUE(store_
                  ->AppendSync({PrepareEvent(o, *types_, ids_).value(),
                                PrepareEvent(o, *types_, ids_).value()})
                  .ok());
  RedactRequest r;
  r.actor = admin;
  auto n = store_->Redact(r);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, 2u);
  EXPECT_EQ(n->skipped, 3u);
  trail::Query q;
  q.actors = {admin};
  auto kept = All(*store_, q);
  ASSERT_EQ(kept.size(), 3u);
  for (const auto& e : kept) EXPECT_TRUE(e.tag.rfind("trail:", 0) == 0) << e.tag;
  RedactRequest by_subject;
  by_subject.subject = "trail:redact";
  n = store_->Redact(by_subject);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, 0u);
  EXPECT_EQ(n->skipped, 1u);
  q = {};
  q.subjects = {"trail:redact"};
  EXPECT_EQ(All(*store_, q).size(), 1u);
}

TEST_F(PostgresStoreTest, TrailRecordsAreKeptForeverUnlessAnEntryNamesThem) {
  ASSERT_TRUE(
      store_
          ->AppendSync(
              {PrepareEvent("trail:gc", "trail:gc", std::string("trail"),
                            {{"pruned", 0}, {"scrubbed", 0}, {"as_of", "x"}, {"dry_run", false}},
                            *types_, ids_)
                   .value(),
               Login("alice")})
          .ok());
  auto run = [&](const std::vector<RetentionEntry>& entries) -> uint64_t {
    GcRequest gc;
    gc.as_of = SystemClock::Get().NowMicros() + 3600LL * 1000000;
    gc.rules = RetentionRules(*types_, entries);
    auto res = store_->CollectGarbage(gc);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? res->pruned : 0;
  };
  EXPECT_EQ(run({{"*", 60LL * 1000000}}), 1u) << "the catch-all prunes the login only";
  trail::Query q;
  q.tags = {TagMatch{"trail:gc", false}};
  EXPECT_EQ(All(*store_, q).size(), 1u) << "a catch-all must not reach trail:* records";
  EXPECT_EQ(run({{"trail:*", 60LL * 1000000}}), 1u);
  EXPECT_TRUE(All(*store_, q).empty());
}

TEST_F(PostgresStoreTest, UnreachableDatabaseIsUnavailableAndNothingAcknowledgedIsLost) {
  ASSERT_TRUE(store_->AppendSync({Login("before")}).ok());
  ASSERT_TRUE(store_->WaitSequenced(5000));
  Cluster::Get().Pause();
  auto down = store_->AppendSync({Login("during")});
  EXPECT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Code::kUnavailable);
  for (int i = 0; i < 100 && store_->Healthy(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(store_->Healthy());
  Cluster::Get().Resume();
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
  auto all = All(*store_);
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
  Sql(url_, "DELETE FROM schema_version WHERE version >= 3");
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
  EXPECT_EQ(Sql(url_, "SELECT count(*) FROM schema_version"), migrations);
  auto second = Open();  // a second node migrates nothing
  ASSERT_TRUE(second);
  EXPECT_EQ(Sql(url_, "SELECT count(*) FROM schema_version"), migrations);
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
  EXPECT_EQ(Sql(url_, "DELETE FROM events").substr(0, 5), "ERROR");
  EXPECT_EQ(Sql(url_, "UPDATE events SET recorded_at = 0").substr(0, 5), "ERROR");
  // A newer schema than this build knows is refused.
  second.reset();
  store_.reset();
  Sql(url_, "INSERT INTO schema_version(version, description) VALUES(99, 'future')");
  PostgresOptions o;
  o.url = url_;
  o.log = [](const std::string&) {};
  auto r = PostgresStore::Open(o);
  EXPECT_FALSE(r.ok());
}

TEST_F(PostgresStoreTest, ViewerSessionsAreSharedByNodes) {
  auto second = Open(false);
  ASSERT_TRUE(second);
  EXPECT_EQ(store_->SharedSessions(), static_cast<SessionTable*>(store_.get()));
  const std::string a(32, 'a'), b(32, 'b');
  SessionRow s{"key:00ff", 0, "csrf-token", 100, 100, "key:00ff"};
  ASSERT_TRUE(store_->PutSession(a, s).ok());
  EXPECT_FALSE(store_->PutSession(a, s).ok());  // ids are unique
  ASSERT_TRUE(store_->PutSession(b, SessionRow{"eyJ.token", 1, "c2", 200, 200, "viewer:u"}).ok());
  // The other node finds it, touches it, and the first sees the touch.
  auto got = second->GetSession(a);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  EXPECT_EQ((*got)->credential, "key:00ff");
  EXPECT_EQ((*got)->kind, 0);
  EXPECT_EQ((*got)->csrf, "csrf-token");
  EXPECT_EQ((*got)->created, 100);
  ASSERT_TRUE(second->TouchSession(a, 5000).ok());
  ASSERT_TRUE(second->TouchSession(a, 4000).ok());  // a late touch never moves it back
  got = store_->GetSession(a);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->last_used, 5000);
  // Idle ones are swept; a sign-out on one node ends it on the other.
  auto swept = second->DeleteIdleSessions(1000);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1u);  // b, last used at 200
  got = store_->GetSession(b);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  ASSERT_TRUE(store_->DeleteSession(a).ok());
  got = second->GetSession(a);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  // An unreachable database is Unavailable, not "no session".
  Cluster::Get().Pause();
  auto down = second->GetSession(a);
  Cluster::Get().Resume();
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
