#include "ui/session_store.h"

#include <gtest/gtest.h>

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

TEST(CookieValue, FindsOneCookieAmongMany) {
  EXPECT_EQ(CookieValue("a=1; trail_session=xyz; b=2", "trail_session"), "xyz");
  EXPECT_EQ(CookieValue("trail_session=xyz", "trail_session"), "xyz");
  EXPECT_EQ(CookieValue("xtrail_session=1; trail_session_old=2", "trail_session"), "");
  EXPECT_EQ(CookieValue("", "trail_session"), "");
}

}  // namespace
}  // namespace trail::ui
