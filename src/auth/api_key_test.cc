// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "auth/api_key.h"

#include <gtest/gtest.h>

namespace trail {
namespace {

TEST(ApiKeyTest, KeyRoleNames) {
  for (KeyRole r : {KeyRole::kWriter, KeyRole::kAuditor, KeyRole::kAdmin, KeyRole::kMetrics})
    EXPECT_EQ(ParseKeyRole(KeyRoleName(r)), r);
  EXPECT_FALSE(ParseKeyRole("Admin"));
  EXPECT_FALSE(ParseKeyRole(""));
}

}  // namespace
}  // namespace trail
