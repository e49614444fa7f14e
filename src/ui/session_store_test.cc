#include "ui/session_store.h"

#include <gtest/gtest.h>

#include <set>

namespace trail::ui {
namespace {

constexpr Micros kHour = 3600LL * 1000000;

TEST(SessionStore, IdsAreRandomAndCarryNothing) {
  SessionStore s;
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(s.Create("secret-key", SessionKind::kConsole, 0));
  EXPECT_EQ(ids.size(), 100u);
  for (const auto& id : ids) {
    EXPECT_EQ(id.size(), 43u);  // 32 bytes, base64url
    EXPECT_EQ(id.find("secret"), std::string::npos);
  }
}

TEST(SessionStore, FindsByIdAndKindUntilIdle) {
  SessionStore s(12 * kHour);
  std::string id = s.Create("k", SessionKind::kConsole, 0);
  auto found = s.Find(id, SessionKind::kConsole, kHour);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->credential, "k");
  EXPECT_EQ(found->csrf.size(), 43u);
  EXPECT_FALSE(s.Find(id, SessionKind::kEmbed, kHour));  // a console cookie is no embed session
  EXPECT_FALSE(s.Find(id + "x", SessionKind::kConsole, kHour));
  EXPECT_FALSE(s.Find("", SessionKind::kConsole, kHour));
  // Use keeps it alive; 12 idle hours end it.
  EXPECT_TRUE(s.Find(id, SessionKind::kConsole, 12 * kHour));
  EXPECT_TRUE(s.Find(id, SessionKind::kConsole, 24 * kHour));
  EXPECT_FALSE(s.Find(id, SessionKind::kConsole, 36 * kHour + 1));
  EXPECT_EQ(s.size(), 0u);
}

TEST(SessionStore, RemoveSignsOut) {
  SessionStore s;
  std::string id = s.Create("k", SessionKind::kEmbed, 0);
  s.Remove(id);
  EXPECT_FALSE(s.Find(id, SessionKind::kEmbed, 1));
}

TEST(SessionStore, BoundedLeastRecentlyUsedGoesFirst) {
  SessionStore s(12 * kHour, 3);
  std::string a = s.Create("a", SessionKind::kConsole, 1);
  std::string b = s.Create("b", SessionKind::kConsole, 2);
  std::string c = s.Create("c", SessionKind::kConsole, 3);
  ASSERT_TRUE(s.Find(a, SessionKind::kConsole, 4));  // a is now the most recent
  std::string d = s.Create("d", SessionKind::kConsole, 5);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.Find(a, SessionKind::kConsole, 6));
  EXPECT_FALSE(s.Find(b, SessionKind::kConsole, 6));
  EXPECT_TRUE(s.Find(c, SessionKind::kConsole, 6));
  EXPECT_TRUE(s.Find(d, SessionKind::kConsole, 6));
}

TEST(CookieValue, FindsOneCookieAmongMany) {
  EXPECT_EQ(CookieValue("a=1; trail_session=xyz; b=2", "trail_session"), "xyz");
  EXPECT_EQ(CookieValue("trail_session=xyz", "trail_session"), "xyz");
  EXPECT_EQ(CookieValue("xtrail_session=1; trail_session_old=2", "trail_session"), "");
  EXPECT_EQ(CookieValue("", "trail_session"), "");
}

}  // namespace
}  // namespace trail::ui
