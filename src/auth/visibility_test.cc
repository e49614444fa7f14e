// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/visibility.h"

#include <gtest/gtest.h>

namespace trail {
namespace {

EventType Type(std::vector<std::string> visible_to) {
  EventType t;
  t.tag = "project:x:y";
  t.visible_to = std::move(visible_to);
  return t;
}

ViewerClaims Viewer(std::string sub,
                    std::map<std::string, std::vector<std::string>, std::less<>> roles = {},
                    bool admin = false) {
  ViewerClaims c;
  c.sub = std::move(sub);
  c.roles = std::move(roles);
  c.admin = admin;
  return c;
}

// The visibility matrix of SPEC §6: owner, maintainer, self, stranger, admin.
TEST(Visibility, Matrix) {
  const EventType owners_only = Type({"owner"}), both = Type({"owner", "maintainer"}),
                  self = Type({"self"}), admins = Type({});
  const auto owner = Viewer("olga", {{"project:p1", {"owner"}}});
  const auto maintainer = Viewer("max", {{"project:p1", {"maintainer"}}});
  const auto stranger = Viewer("sam", {{"project:p2", {"owner"}}});
  const auto admin = Viewer("root", {}, true);
  const auto alice = Viewer("alice");

  EXPECT_TRUE(MaySee(owner, &owners_only, "project:p1"));
  EXPECT_TRUE(MaySee(owner, &both, "project:p1"));
  EXPECT_FALSE(MaySee(owner, &admins, "project:p1"));
  EXPECT_FALSE(MaySee(owner, &both, "project:p2"));

  EXPECT_FALSE(MaySee(maintainer, &owners_only, "project:p1"));
  EXPECT_TRUE(MaySee(maintainer, &both, "project:p1"));

  EXPECT_FALSE(MaySee(stranger, &both, "project:p1"));
  EXPECT_TRUE(MaySee(stranger, &owners_only, "project:p2"));

  EXPECT_TRUE(MaySee(alice, &self, "user:alice"));
  EXPECT_FALSE(MaySee(alice, &self, "user:alicia"));
  EXPECT_FALSE(MaySee(alice, &self, "user:bob"));
  EXPECT_FALSE(MaySee(alice, &both, "user:alice"));

  EXPECT_TRUE(MaySee(admin, &admins, "project:p1"));
  EXPECT_TRUE(MaySee(admin, nullptr, "anything:at-all"));
  EXPECT_FALSE(MaySee(owner, nullptr, "project:p1"));  // an unregistered tag: admins only
}

TEST(Visibility, StandingAndSubjects) {
  const auto v = Viewer("alice", {{"project:p1", {"owner"}}, {"project:empty", {}}});
  EXPECT_TRUE(HasStanding(v, "user:alice"));
  EXPECT_TRUE(HasStanding(v, "project:p1"));
  EXPECT_FALSE(HasStanding(v, "project:empty"));
  EXPECT_FALSE(HasStanding(v, "project:p2"));
  EXPECT_EQ(StandingSubjects(v), (std::vector<std::string>{"user:alice", "project:p1"}));
}

TEST(Visibility, NetworkFieldsOnlyForTheirActor) {
  Event e;
  e.actor = "alice";
  EXPECT_TRUE(ShowsNetworkFields(Viewer("alice"), e));
  EXPECT_FALSE(ShowsNetworkFields(Viewer("bob"), e));
  EXPECT_TRUE(ShowsNetworkFields(Viewer("bob", {}, true), e));
  e.actor.reset();
  EXPECT_FALSE(ShowsNetworkFields(Viewer("alice"), e));
}

}  // namespace
}  // namespace trail
