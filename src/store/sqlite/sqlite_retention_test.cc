// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Retention on the embedded store beyond the Store contract (store_contract_test.cc runs the
// windows, scrubbing, redaction and trail:* records on both engines): a GC under concurrent
// ingest, and what pruning, scrubbing and redaction leave in the posting index.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <boost/json.hpp>
#include <set>
#include <thread>

#include "core/event.h"
#include "core/uuid7.h"
#include "store/posting_index.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_testing.h"
#include "testing/temp_dir.h"
#include "testing/test_types.h"

namespace trail {
namespace {

constexpr Micros kT0 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr Micros kDay = 86'400LL * 1'000'000;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    SqliteOptions o;
    o.path = dir_.File("trail.db");
    o.clock = &clock_;
    o.segment_bits = 4;  // seal often: retention must work across sealed and open segments
    auto s = SqliteStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s.value());
  }
  // Records one event at time `at` (the store's recorded_at).
  uint64_t Record(Micros at, const std::string& tag, const std::string& subject,
                  const std::string& actor, const std::string& ip = "203.0.113.9") {
    clock_.Set(at);
    boost::json::object ev{
        {"tag", tag}, {"subject", subject}, {"actor", actor}, {"ip", ip}, {"user_agent", "test/1"}};
    auto e = PrepareEvent(boost::json::value(ev), *types_, ids_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    std::vector<PreparedEvent> batch;
    batch.push_back(std::move(e.value()));
    auto acks = store_->AppendSync(std::move(batch));
    EXPECT_TRUE(acks.ok());
    return *acks.value()[0].seq;
  }
  // Records one of trail's own events (as Api::RecordSelfAudit does) at time `at`.
  uint64_t RecordTrail(Micros at, const std::string& tag, const std::string& subject,
                       const std::string& actor, const boost::json::object& meta) {
    clock_.Set(at);
    auto e = PrepareEvent(tag, subject, actor, meta, *types_, ids_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    std::vector<PreparedEvent> batch;
    batch.push_back(std::move(e.value()));
    auto acks = store_->AppendSync(std::move(batch));
    EXPECT_TRUE(acks.ok());
    return *acks.value()[0].seq;
  }
  GcResult Gc(Micros as_of, bool dry = false, std::optional<Micros> personal = std::nullopt) {
    return test::LoginGc(*store_, as_of, dry, personal);
  }

  test::TempDir dir_{"trail-retention"};  // first: the store closes before it goes
  FakeClock clock_{kT0};
  Uuid7Generator ids_{clock_};
  std::shared_ptr<const TypeRegistry> types_ = test::Types();
  std::unique_ptr<SqliteStore> store_;
};

// A GC while appends stream in from several threads: its batches shrink while requests queue
// behind them, and it still prunes exactly the old events and none of the new.
TEST_F(RetentionTest, GcUnderConcurrentIngestPrunesExactlyTheOldEvents) {
  constexpr int kOld = 5000;
  std::vector<PreparedEvent> batch;
  for (int i = 0; i < kOld; ++i) {
    boost::json::object ev{
        {"tag", i % 5 == 0 ? "project:create" : "account:login:success"},
        {"subject", i % 5 == 0 ? "project:p" + std::to_string(i) : "user:u" + std::to_string(i)},
        {"actor", "u" + std::to_string(i)}};
    batch.push_back(PrepareEvent(boost::json::value(ev), *types_, ids_).value());
    if (batch.size() == 500) {
      ASSERT_TRUE(store_->AppendSync(std::exchange(batch, {})).ok());
    }
  }
  const uint64_t old_logins = kOld - kOld / 5;
  clock_.Set(kT0 + 100 * kDay);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load() || i < 20; ++i) {
        boost::json::object ev{{"tag", "account:login:success"},
                               {"subject", "user:new" + std::to_string(t)},
                               {"actor", "new" + std::to_string(t)}};
        std::vector<PreparedEvent> one;
        one.push_back(PrepareEvent(boost::json::value(ev), *types_, ids_).value());
        if (store_->AppendSync(std::move(one)).ok()) appended++;
      }
    });
  }
  while (appended.load() < 40) std::this_thread::yield();  // the GC starts under load
  const GcResult r = Gc(kT0 + 91 * kDay);
  stop = true;
  for (auto& w : writers) w.join();
  EXPECT_EQ(r.pruned, old_logins);
  Query q;
  q.ascending = true;
  q.include_pruned = true;
  q.limit = 1000;
  uint64_t seen = 0, pruned = 0, next = 0;
  for (;;) {
    auto page = store_->Query(q, nullptr);
    ASSERT_TRUE(page.ok());
    for (const Event& e : page->events) {
      EXPECT_EQ(e.seq, next++) << "seqs stay contiguous";
      const bool old = e.recorded_at < kT0 + 100 * kDay;
      EXPECT_EQ(e.pruned, old && e.tag == "account:login:success") << "seq " << e.seq;
      pruned += e.pruned;
      ++seen;
    }
    if (!page->next_after) break;
    q.after_seq = page->next_after;
  }
  EXPECT_EQ(pruned, old_logins);
  EXPECT_EQ(seen, kOld + appended.load());
}

// Every seq listed under `key`: sealed rows read from the file, open segments from memory.
std::set<uint64_t> PostedSeqs(SqliteStore& store, const std::string& db_path,
                              const std::string& key) {
  std::set<uint64_t> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT seqs FROM postings WHERE key = ?", -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<uint64_t> seqs;
    EXPECT_TRUE(
        DecodePostings(std::string_view(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                                        static_cast<size_t>(sqlite3_column_bytes(st, 0))),
                       &seqs));
    out.insert(seqs.begin(), seqs.end());
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  auto view = store.index().Snapshot({key});
  out.insert(view.lists[key].begin(), view.lists[key].end());
  return out;
}

TEST_F(RetentionTest, RedactionLeavesNoPostingOfTheErasedEventsButTheirTags) {
  const std::string alice_ip = "198.51.100.7";
  std::set<uint64_t> bob_on_shared_ip, bob;
  for (int i = 0; i < 40; ++i) {  // 16 events per segment: sealed and open ones
    if (i % 4 == 0) {
      Record(kT0 + i, "account:login:success", "user:alice", "alice", alice_ip);
    } else {
      uint64_t s = Record(kT0 + i, "account:login:success", "user:bob", "bob",
                          i % 4 == 1 ? alice_ip : "203.0.113.9");
      bob.insert(s);
      if (i % 4 == 1) bob_on_shared_ip.insert(s);
    }
  }
  const std::string db = dir_.File("trail.db");
  ASSERT_FALSE(PostedSeqs(*store_, db, ActorKey("alice")).empty());
  RedactRequest r;
  r.subject = "user:alice";
  auto n = store_->Redact(r);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, 10u);
  EXPECT_TRUE(PostedSeqs(*store_, db, SubjectKey("user:alice")).empty());
  EXPECT_TRUE(PostedSeqs(*store_, db, ActorKey("alice")).empty())
      << "the erased person's actor key stayed";
  EXPECT_EQ(PostedSeqs(*store_, db, IpKey(alice_ip)), bob_on_shared_ip)
      << "the erased events' ip stayed posted";
  EXPECT_EQ(PostedSeqs(*store_, db, ActorKey("bob")), bob);
  EXPECT_EQ(PostedSeqs(*store_, db, TagKey("account:login:success")).size(), 40u)
      << "tags are not personal";
  Open();  // open segments are rebuilt from the rows: the same picture
  EXPECT_TRUE(PostedSeqs(*store_, db, ActorKey("alice")).empty());
  EXPECT_EQ(PostedSeqs(*store_, db, IpKey(alice_ip)), bob_on_shared_ip);
}

// Rows of the postings table under `key`, whatever they hold.
int KeyRows(const std::string& db_path, const std::string& key) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM postings WHERE key = ?", -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// Regression test (SPEC §7): retention pruned the rows but left the pruned events' subject,
// actor and ip posting entries (sealed rows and open segments), so a user whose every event
// had aged out was still named in the index — only redaction cleaned them.
TEST_F(RetentionTest, PruningLeavesNoPostingOfThePrunedEventsButTheirTags) {
  const std::string alice_ip = "198.51.100.7";
  std::set<uint64_t> bob_on_shared_ip, bob;
  for (int i = 0; i < 40; ++i) {  // 16 events per segment: two sealed segments and an open one
    if (i % 4 == 0) {
      Record(kT0 + i, "account:login:success", "user:alice", "alice", alice_ip);
    } else {
      // Kept forever: the same ip stays posted for these.
      uint64_t s = Record(kT0 + i, "project:create", "project:p", "bob",
                          i % 4 == 1 ? alice_ip : "203.0.113.9");
      bob.insert(s);
      if (i % 4 == 1) bob_on_shared_ip.insert(s);
    }
  }
  const std::string db = dir_.File("trail.db");
  ASSERT_FALSE(PostedSeqs(*store_, db, ActorKey("alice")).empty());
  EXPECT_EQ(Gc(kT0 + 91 * kDay).pruned, 10u);
  for (const std::string& key : {SubjectKey("user:alice"), ActorKey("alice")}) {
    EXPECT_TRUE(PostedSeqs(*store_, db, key).empty()) << key << " stayed posted";
    EXPECT_EQ(KeyRows(db, key), 0) << key << " stayed in the postings table";
  }
  EXPECT_EQ(PostedSeqs(*store_, db, IpKey(alice_ip)), bob_on_shared_ip)
      << "the pruned events' ip stayed posted";
  EXPECT_EQ(PostedSeqs(*store_, db, ActorKey("bob")), bob);
  EXPECT_EQ(PostedSeqs(*store_, db, TagKey("account:login:success")).size(), 10u)
      << "tags are not personal";
  Open();  // open segments are rebuilt from the rows: the same picture
  EXPECT_TRUE(PostedSeqs(*store_, db, ActorKey("alice")).empty());
  EXPECT_EQ(KeyRows(db, SubjectKey("user:alice")), 0);
  EXPECT_EQ(PostedSeqs(*store_, db, IpKey(alice_ip)), bob_on_shared_ip);
  // Pruning by sparse seqs (one lookup per event) cleans up the same way.
  std::set<uint64_t> carol;
  for (int i = 0; i < 20; ++i) {
    uint64_t s = Record(kT0 + 100 + i, i % 10 == 0 ? "account:login:success" : "project:create",
                        i % 10 == 0 ? "user:carol" : "project:q", i % 10 == 0 ? "carol" : "dave",
                        "192.0.2.44");
    if (i % 10 != 0) carol.insert(s);
  }
  EXPECT_EQ(Gc(kT0 + 92 * kDay).pruned, 2u);
  EXPECT_TRUE(PostedSeqs(*store_, db, ActorKey("carol")).empty());
  EXPECT_EQ(KeyRows(db, SubjectKey("user:carol")), 0);
  EXPECT_EQ(PostedSeqs(*store_, db, IpKey("192.0.2.44")), carol);
}

// Regression test (SPEC §7): scrubbing deleted the ip column, but the ip posting keys stayed
// in the segment holding the scrub line and in the open segments (in memory until sealed).
TEST_F(RetentionTest, ScrubbingLeavesNoIpPostingOfTheScrubbedEvents) {
  for (int i = 0; i < 40; ++i)
    Record(kT0 + i * kDay / 10, "project:create", "project:p", "bob",
           "198.51.100." + std::to_string(i));
  const uint64_t late =
      Record(kT0 + 30 * kDay, "project:create", "project:p", "bob", "198.51.100.99");
  const std::string db = dir_.File("trail.db");
  auto r = Gc(kT0 + 30 * kDay, false, 10 * kDay);  // every event but `late` is scrubbed
  EXPECT_EQ(r.scrubbed, 40u);
  for (int i = 0; i < 40; ++i) {
    const std::string key = IpKey("198.51.100." + std::to_string(i));
    EXPECT_TRUE(PostedSeqs(*store_, db, key).empty())
        << "scrubbed event " << i << "'s ip stayed posted";
    EXPECT_EQ(KeyRows(db, key), 0);
  }
  EXPECT_EQ(PostedSeqs(*store_, db, IpKey("198.51.100.99")), std::set<uint64_t>{late});
  Open();
  EXPECT_TRUE(PostedSeqs(*store_, db, IpKey("198.51.100.39")).empty());
}

// The posting side of SPEC §6 (what redaction does to the events is the contract's:
// store_contract_test.cc): redacting an admin's actor erases its other events' postings but
// keeps those of its trail:* records, in sealed and open segments, and across a reopen.
TEST_F(RetentionTest, RedactingAnActorKeepsThePostingsOfItsTrailRecords) {
  const std::string admin = "key:k_admin1";
  std::vector<uint64_t> own;
  own.push_back(RecordTrail(kT0, "trail:key:created", "key:k_w1", admin,
                            {{"role", "writer"}, {"name", "w"}}));
  own.push_back(RecordTrail(kT0 + 1, "trail:export", "trail:export", admin,
                            {{"format", "csv"}, {"filter", ""}}));
  // Enough events to seal segments (16 per segment here): sealed and open postings both.
  for (int i = 0; i < 20; ++i) Record(kT0 + 2 + i, "account:login:success", "user:x", admin);
  own.push_back(RecordTrail(kT0 + 30, "trail:gc", "trail:gc", admin,
                            {{"pruned", 0}, {"scrubbed", 0}, {"as_of", "x"}, {"dry_run", false}}));
  RedactRequest r;
  r.actor = admin;
  auto n = store_->Redact(r);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->pruned, 20u);
  EXPECT_EQ(n->skipped, own.size());
  const std::string db = dir_.File("trail.db");
  EXPECT_EQ(PostedSeqs(*store_, db, ActorKey(admin)), std::set<uint64_t>(own.begin(), own.end()));
  EXPECT_TRUE(PostedSeqs(*store_, db, SubjectKey("user:x")).empty());
  Open();
  EXPECT_EQ(PostedSeqs(*store_, db, ActorKey(admin)), std::set<uint64_t>(own.begin(), own.end()));
}

}  // namespace
}  // namespace trail
