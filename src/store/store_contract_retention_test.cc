// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The Store contract on every engine (store_contract_testing.h): retention and redaction,
// trail's own records, API keys, web-viewer sessions, stats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_contract_testing.h"

namespace trail {
namespace {

using test::kDay;
using test::kStart;
using test::StoreContractTest;

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
