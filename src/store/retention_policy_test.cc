// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// RetentionPolicy: which types `[retention]` entries reach. Regression tests for SPEC §6: a
// catch-all entry must never make retention prune trail's own records (trail:* events).
#include "store/retention_policy.h"

#include <gtest/gtest.h>

#include <map>

#include "core/time_format.h"
#include "testing/test_types.h"

namespace trail {
namespace {

constexpr Micros kDay = 86'400LL * 1'000'000;

// The rules for the shared test types (src/testing/test_types.toml): account:login:success
// keeps its own 90 days, project:create says "forever", the others say nothing.
std::map<std::string, Micros> Rules(const std::vector<RetentionEntry>& entries) {
  std::map<std::string, Micros> out;
  for (const auto& r : RetentionRules(*test::Types(), entries)) out[r.tag] = r.max_age;
  return out;
}

RetentionEntry Entry(std::string_view pattern, std::string_view value) {
  auto e = ParseRetentionEntry(pattern, value);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? *e : RetentionEntry{};
}

TEST(RetentionPolicyTest, WithoutEntriesEachTypeKeepsItsOwnAndTrailRecordsAreKeptForever) {
  EXPECT_EQ(Rules({}), (std::map<std::string, Micros>{{"account:login:success", 90 * kDay}}));
}

TEST(RetentionPolicyTest, ACatchAllNeverReachesTrailRecords) {
  auto rules = Rules({Entry("*", "30d")});
  EXPECT_EQ(rules.size(), test::Types()->user_type_count()) << "every user type, no trail:* type";
  EXPECT_EQ(rules["account:login:success"], 30 * kDay);
  EXPECT_EQ(rules["project:create"], 30 * kDay);
  for (const auto& [tag, age] : rules) EXPECT_FALSE(IsTrailTag(tag)) << tag << " would be pruned";
}

TEST(RetentionPolicyTest, OnlyAnEntryNamingTrailReachesTrailRecords) {
  auto all = Rules({Entry("*", "30d"), Entry("trail:*", "10y")});
  EXPECT_EQ(all["trail:redact"], ParseDuration("10y").value());
  EXPECT_EQ(all["trail:key:created"], ParseDuration("10y").value());
  EXPECT_EQ(all["account:delete"], 30 * kDay);
  auto one = Rules({Entry("trail:export", "1y")});
  EXPECT_EQ(one.count("trail:export"), 1u);
  EXPECT_EQ(one.count("trail:redact"), 0u);
  auto keys = Rules({Entry("trail:key:*", "2y")});
  EXPECT_EQ(keys.count("trail:key:created"), 1u);
  EXPECT_EQ(keys.count("trail:key:revoked"), 1u);
  EXPECT_EQ(keys.count("trail:gc"), 0u);
}

TEST(RetentionPolicyTest, TheMostSpecificEntryWins) {
  auto rules = Rules({Entry("*", "30d"), Entry("account:*", "60d"),
                      Entry("account:login:success", "forever"), Entry("trail:*", "5y"),
                      Entry("trail:gc", "forever")});
  EXPECT_EQ(rules.count("account:login:success"), 0u) << "the exact entry says forever";
  EXPECT_EQ(rules["account:delete"], 60 * kDay);
  EXPECT_EQ(rules["project:create"], 30 * kDay);
  EXPECT_EQ(rules.count("trail:gc"), 0u);
  EXPECT_EQ(rules.count("trail:redact"), 1u);
}

TEST(RetentionPolicyTest, APrefixMatchesWholeTagPartsOnly) {
  auto rules = Rules({Entry("acc:*", "1d"), Entry("trail:k:*", "1d")});
  EXPECT_EQ(rules, (std::map<std::string, Micros>{{"account:login:success", 90 * kDay}}));
}

TEST(RetentionPolicyTest, BadEntriesAreRefusedNamingThem) {
  for (auto [pattern, value] :
       std::vector<std::pair<std::string, std::string>>{{"Account:*", "30d"},
                                                        {"trail:", "30d"},
                                                        {"a::b", "30d"},
                                                        {"**", "30d"},
                                                        {"trail:*:x", "1d"},
                                                        {"trail:*", "soon"},
                                                        {"trail:*", ""},
                                                        {"*", "-1d"}}) {
    auto e = ParseRetentionEntry(pattern, value);
    ASSERT_FALSE(e.ok()) << pattern << " = " << value;
    EXPECT_EQ(e.status().error_code(), "invalid_config");
    EXPECT_NE(e.status().message().find(pattern), std::string::npos) << e.status().message();
  }
}

TEST(RetentionPolicyTest, KeysThatArePatterns) {
  EXPECT_TRUE(IsRetentionPattern("*"));
  EXPECT_TRUE(IsRetentionPattern("trail:*"));
  EXPECT_TRUE(IsRetentionPattern("trail:gc"));
  EXPECT_FALSE(IsRetentionPattern("interval"));
  EXPECT_FALSE(IsRetentionPattern("personal_data"));
}

}  // namespace
}  // namespace trail
