// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "http/stream_slots.h"

#include <gtest/gtest.h>

#include <vector>

namespace trail {
namespace {

TEST(StreamSlots, BoundsEachPrincipalAndGivesSlotsBack) {
  auto slots = std::make_shared<StreamSlots>(2);
  auto a1 = slots->TryAcquire("viewer:alice");
  auto a2 = slots->TryAcquire("viewer:alice");
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(slots->TryAcquire("viewer:alice"));
  EXPECT_TRUE(slots->TryAcquire("key:k1"));  // another principal: its own slots
  a1.reset();
  EXPECT_EQ(slots->InUse("viewer:alice"), 1u);
  EXPECT_TRUE(slots->TryAcquire("viewer:alice"));
}

// A stream may end after the server dropped its table (a reload, shutdown): the handle keeps
// the table alive until it gives its slot back, and no longer.
TEST(StreamSlots, ASlotOutlivesItsTable) {
  std::shared_ptr<void> held;
  std::weak_ptr<StreamSlots> table;
  {
    auto slots = std::make_shared<StreamSlots>(1);
    table = slots;
    held = slots->TryAcquire("p");
    ASSERT_TRUE(held);
  }
  ASSERT_FALSE(table.expired()) << "the handle keeps the table";
  EXPECT_EQ(table.lock()->InUse("p"), 1u);
  held.reset();
  EXPECT_TRUE(table.expired()) << "giving the slot back lets the table go";
}

TEST(StreamSlots, ZeroMeansNone) {
  auto slots = std::make_shared<StreamSlots>(0);
  EXPECT_FALSE(slots->TryAcquire("p"));
  EXPECT_EQ(slots->InUse("p"), 0u);
}

}  // namespace
}  // namespace trail
