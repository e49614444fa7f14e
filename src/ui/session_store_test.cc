// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/session_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace trail::ui {
namespace {

constexpr Micros kHour = 3600LL * 1000000;

std::string Create(SessionStore& s, std::string credential, SessionKind kind, Micros now) {
  auto id = s.Create(std::move(credential), kind, now);
  EXPECT_TRUE(id.ok());
  return id.ok() ? *id : "";
}

std::optional<Session> Find(SessionStore& s, std::string_view id, SessionKind kind, Micros now) {
  auto found = s.Find(id, kind, now);
  EXPECT_TRUE(found.ok());
  return found.ok() ? *found : std::nullopt;
}

TEST(SessionStore, AnOwnerKeepsItsNewestSessionsOnly) {
  SessionStore s;
  std::vector<std::string> alice;
  for (int i = 0; i < 40; ++i) {
    auto id = s.Create("token-" + std::to_string(i), SessionKind::kEmbed, i, "viewer:alice");
    ASSERT_TRUE(id.ok());
    alice.push_back(*id);
  }
  std::string bob = *s.Create("token-b", SessionKind::kEmbed, 50, "viewer:bob");
  EXPECT_EQ(s.size(), SessionStore::kMaxPerOwner + 1);
  for (size_t i = 0; i < alice.size(); ++i)
    EXPECT_EQ(Find(s, alice[i], SessionKind::kEmbed, 60).has_value(),
              i + SessionStore::kMaxPerOwner >= alice.size())
        << i;
  EXPECT_TRUE(Find(s, bob, SessionKind::kEmbed, 60));
  // Removing and expiring keep the owner's list right: new sessions still evict the oldest.
  ASSERT_TRUE(s.Remove(alice.back()).ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(s.Create("t", SessionKind::kEmbed, 70, "viewer:alice").ok());
  EXPECT_EQ(s.size(), SessionStore::kMaxPerOwner + 1);
}

TEST(SessionStore, IdsAreRandomAndCarryNothing) {
  SessionStore s;
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(Create(s, "secret-key", SessionKind::kConsole, 0));
  EXPECT_EQ(ids.size(), 100u);
  for (const auto& id : ids) {
    EXPECT_EQ(id.size(), 43u);  // 32 bytes, base64url
    EXPECT_EQ(id.find("secret"), std::string::npos);
  }
}

TEST(SessionStore, FindsByIdAndKindUntilIdle) {
  SessionStore s(12 * kHour);
  std::string id = Create(s, "k", SessionKind::kConsole, 0);
  auto found = Find(s, id, SessionKind::kConsole, kHour);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->credential, "k");
  EXPECT_EQ(found->csrf.size(), 43u);
  EXPECT_FALSE(Find(s, id, SessionKind::kEmbed, kHour));  // a console cookie is no embed session
  EXPECT_FALSE(Find(s, id + "x", SessionKind::kConsole, kHour));
  EXPECT_FALSE(Find(s, "", SessionKind::kConsole, kHour));
  // Use keeps it alive; 12 idle hours end it.
  EXPECT_TRUE(Find(s, id, SessionKind::kConsole, 12 * kHour));
  EXPECT_TRUE(Find(s, id, SessionKind::kConsole, 24 * kHour));
  EXPECT_FALSE(Find(s, id, SessionKind::kConsole, 36 * kHour + 1));
  EXPECT_EQ(s.size(), 0u);
}

TEST(SessionStore, RemoveSignsOut) {
  SessionStore s;
  std::string id = Create(s, "k", SessionKind::kEmbed, 0);
  EXPECT_TRUE(s.Remove(id).ok());
  EXPECT_FALSE(Find(s, id, SessionKind::kEmbed, 1));
}

TEST(SessionStore, BoundedLeastRecentlyUsedGoesFirst) {
  SessionStore s(12 * kHour, 3);
  std::string a = Create(s, "a", SessionKind::kConsole, 1);
  std::string b = Create(s, "b", SessionKind::kConsole, 2);
  std::string c = Create(s, "c", SessionKind::kConsole, 3);
  ASSERT_TRUE(Find(s, a, SessionKind::kConsole, 4));  // a is now the most recent
  std::string d = Create(s, "d", SessionKind::kConsole, 5);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(Find(s, a, SessionKind::kConsole, 6));
  EXPECT_FALSE(Find(s, b, SessionKind::kConsole, 6));
  EXPECT_TRUE(Find(s, c, SessionKind::kConsole, 6));
  EXPECT_TRUE(Find(s, d, SessionKind::kConsole, 6));
}

// A store's shared session table, in memory (what PostgresStore keeps in viewer_sessions).
class MemorySessionTable final : public SessionTable {
 public:
  Status PutSession(std::string_view id_hash, const SessionRow& s, size_t) override {
    if (!rows.emplace(std::string(id_hash), s).second) return Status::Conflict("exists");
    return Status::Ok();
  }
  Result<std::optional<SessionRow>> GetSession(std::string_view id_hash) override {
    if (down) return Status::Unavailable("down");
    auto it = rows.find(std::string(id_hash));
    if (it == rows.end()) return std::optional<SessionRow>();
    return std::optional<SessionRow>(it->second);
  }
  Status TouchSession(std::string_view id_hash, Micros last_used) override {
    ++touches;
    auto& r = rows.at(std::string(id_hash));
    r.last_used = std::max(r.last_used, last_used);
    return Status::Ok();
  }
  Status DeleteSession(std::string_view id_hash) override {
    rows.erase(std::string(id_hash));
    return Status::Ok();
  }
  Result<uint64_t> DeleteIdleSessions(Micros before) override {
    return static_cast<uint64_t>(
        std::erase_if(rows, [&](const auto& r) { return r.second.last_used < before; }));
  }
  std::map<std::string, SessionRow> rows;
  int touches = 0;
  bool down = false;
};

TEST(SessionStore, ASharedTableKeepsTheSessionsAndTheirKind) {
  MemorySessionTable table;
  SessionStore s(12 * kHour, SessionStore::kDefaultMaxSessions, nullptr, &table);
  std::string id = Create(s, "key:00ff", SessionKind::kEmbed, 0);
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(s.size(), 0u);  // nothing in memory
  const SessionRow& row = table.rows.begin()->second;
  EXPECT_EQ(row.credential, "key:00ff");
  EXPECT_EQ(row.kind, static_cast<int>(SessionKind::kEmbed));
  EXPECT_EQ(table.rows.begin()->first.size(), 32u);  // found by SHA-256, never by the id
  // Another SessionStore on the same table (another node) finds it, of its kind only.
  SessionStore other(12 * kHour, SessionStore::kDefaultMaxSessions, nullptr, &table);
  EXPECT_TRUE(Find(other, id, SessionKind::kEmbed, kHour));
  EXPECT_FALSE(Find(other, id, SessionKind::kConsole, kHour));
  EXPECT_EQ(table.touches, 1);  // the last use is written back at most once a minute
  EXPECT_TRUE(Find(other, id, SessionKind::kEmbed, kHour + 1));
  EXPECT_EQ(table.touches, 1);
  // An unreachable table is an error, not "signed out".
  table.down = true;
  EXPECT_EQ(other.Find(id, SessionKind::kEmbed, kHour).status().code(), Code::kUnavailable);
  table.down = false;
  // Signing out on one ends it on the other.
  ASSERT_TRUE(s.Remove(id).ok());
  EXPECT_FALSE(Find(other, id, SessionKind::kEmbed, kHour));
}

TEST(CookieValue, FindsOneCookieAmongMany) {
  EXPECT_EQ(CookieValue("a=1; trail_session=xyz; b=2", "trail_session"), "xyz");
  EXPECT_EQ(CookieValue("trail_session=xyz", "trail_session"), "xyz");
  EXPECT_EQ(CookieValue("xtrail_session=1; trail_session_old=2", "trail_session"), "");
  EXPECT_EQ(CookieValue("", "trail_session"), "");
}

}  // namespace
}  // namespace trail::ui
