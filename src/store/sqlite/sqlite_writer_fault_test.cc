// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The writer under an exception thrown in the middle of a commit group (an allocation failure, a
// bug): the group's requests are answered with an error rather than left waiting forever, the
// transaction is rolled back, and the writer goes on with the next group at the same seq.
#include <stdexcept>

#include "store/sqlite/sqlite_store_test_fixture.h"

namespace trail {
namespace {

using namespace sqlite_testing;  // NOLINT: the fixture of this test file

// The store's clock; once armed, its next reading throws. The writer reads the clock inside
// CommitGroup's transaction, after BEGIN: the worst place for it to throw.
class ThrowingClock final : public Clock {
 public:
  Micros NowMicros() const override {
    if (armed_.exchange(false)) throw std::runtime_error("the clock broke on purpose");
    return base_.NowMicros();
  }
  void Arm() { armed_.store(true); }

 private:
  mutable std::atomic<bool> armed_{false};
  FakeClock base_;
};

class SqliteWriterFaultTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    options_.clock = &throwing_;
    Open();
  }
  ThrowingClock throwing_;
};

TEST_F(SqliteWriterFaultTest, AThrowInTheCommitAnswersTheGroupAndTheWriterGoesOn) {
  auto first = AppendOk({Login("before")});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(first[0].seq.has_value());

  throwing_.Arm();
  auto out = AppendAsync({Login("during"), Login("during2")});
  ASSERT_EQ(out->future.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the request of the group that threw was never answered";
  auto [status, acks] = out->future.get();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("the clock broke on purpose"), std::string::npos)
      << status.ToString();
  EXPECT_TRUE(acks.empty());

  // The writer goes on, at the seq after the last committed one: nothing of the failed group
  // was kept, and the tree has no hole.
  auto after = AppendOk({Login("after")});
  ASSERT_EQ(after.size(), 1u);
  ASSERT_TRUE(after[0].seq.has_value());
  EXPECT_EQ(*after[0].seq, *first[0].seq + 1);
  auto all = test::ReadAll(*store_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].subject, "user:before");
  EXPECT_EQ(all[1].subject, "user:after");

  // And what it wrote survives a reopen, with a consistent tree.
  Reopen();
  EXPECT_EQ(Count(), 2u);
  auto more = AppendOk({Login("reopened")});
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(*more[0].seq, *first[0].seq + 2);
}

}  // namespace
}  // namespace trail
