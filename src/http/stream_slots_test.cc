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

TEST(StreamSlots, ASlotOutlivesItsTable) {
  std::shared_ptr<void> held;
  {
    auto slots = std::make_shared<StreamSlots>(1);
    held = slots->TryAcquire("p");
  }
  held.reset();  // no use after free: the handle keeps the table
}

TEST(StreamSlots, ZeroMeansNone) {
  auto slots = std::make_shared<StreamSlots>(0);
  EXPECT_FALSE(slots->TryAcquire("p"));
  EXPECT_EQ(slots->InUse("p"), 0u);
}

}  // namespace
}  // namespace trail
