// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The durability pipeline (sqlite_sync.cc): a commit is acknowledged, visible to queries and
// covered by a served checkpoint only after the fdatasync of the WAL that covers it, and the
// writer keeps committing while a sync is in flight.
#include "store/sqlite/sqlite_store_test_fixture.h"
#include "tlog/note.h"

namespace trail {
namespace {

using namespace sqlite_testing;  // NOLINT: the fixture of this test file

// Holds the syncer before its fdatasync until released; counts the syncs.
class SyncGate {
 public:
  void Hold() {
    std::lock_guard l(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard l(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  void BeforeSync() {
    std::unique_lock l(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(l, [&] { return !held_; });
    --waiting_;
    ++syncs_;
  }
  bool WaitUntilSyncerWaits() {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10), [&] { return waiting_ > 0; });
  }
  int syncs() {
    std::lock_guard l(mu_);
    return syncs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0, syncs_ = 0;
};

class SqliteSyncTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    auto signer = tlog::NoteSigner::FromSeed(std::string(32, '\x05'), "sync.test");
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<tlog::NoteSigner>(std::move(signer).value());
    options_.signer = signer_.get();
    options_.origin = "sync.test";
    options_.checkpoint_interval_seconds = 0;
    options_.before_wal_sync = [this] { gate_.BeforeSync(); };
    Open();
  }
  void TearDown() override {
    gate_.Release();
    store_.reset();
  }
  SyncGate gate_;
  std::unique_ptr<tlog::NoteSigner> signer_;
};

TEST_F(SqliteSyncTest, NothingIsAcknowledgedVisibleOrCheckpointedBeforeTheSync) {
  AppendOk({Login("before")});
  const uint64_t signed_before = store_->LatestCheckpoint() ? store_->LatestCheckpoint()->size : 0;
  EXPECT_EQ(signed_before, 1u);

  gate_.Hold();
  auto out = AppendAsync({Login("held")});
  ASSERT_TRUE(gate_.WaitUntilSyncerWaits());  // committed to the WAL, the sync not yet done
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(out->done.load()) << "acknowledged before the WAL was synced";
  EXPECT_EQ(Count(), 1u) << "a query saw an event that is not yet durable";
  EXPECT_EQ(store_->LatestCheckpoint()->size, 1u)
      << "a checkpoint over a non-durable event was served";

  gate_.Release();
  auto r = out->future.get();
  ASSERT_TRUE(r.first.ok()) << r.first.ToString();
  ASSERT_EQ(r.second.size(), 1u);
  EXPECT_EQ(r.second[0].seq, 1u);
  EXPECT_EQ(Count(), 2u);
  EXPECT_EQ(store_->LatestCheckpoint()->size, 2u);
}

TEST_F(SqliteSyncTest, TheWriterCommitsWhileASyncIsInFlightAndOneSyncCoversThemAll) {
  gate_.Hold();
  auto first = AppendAsync({Login("a")});
  ASSERT_TRUE(gate_.WaitUntilSyncerWaits());
  // The syncer is stuck; the writer is not: these commit now and wait for the next sync.
  std::vector<std::shared_ptr<Outcome>> more;
  for (int i = 0; i < 5; ++i) {
    more.push_back(AppendAsync({Login("b" + std::to_string(i))}));
    for (int k = 0; k < 1000 && store_->Stats().commits < static_cast<uint64_t>(i + 2); ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(store_->Stats().commits, 6u) << "the writer waited for the sync";
  EXPECT_EQ(gate_.syncs(), 0);
  for (auto& m : more) EXPECT_FALSE(m->done.load());
  gate_.Release();
  EXPECT_TRUE(first->future.get().first.ok());
  uint64_t last = 0;
  for (auto& m : more) {
    auto r = m->future.get();
    ASSERT_TRUE(r.first.ok()) << r.first.ToString();
    last = r.second.at(0).seq.value_or(0);
  }
  EXPECT_EQ(last, 5u);
  EXPECT_LE(gate_.syncs(), 2) << "one sync covers every commit written while the previous one ran";
}

TEST_F(SqliteSyncTest, DrainSyncsAndAcknowledgesEverythingCommitted) {
  gate_.Hold();
  auto out = AppendAsync({Login("x"), Login("y")});
  ASSERT_TRUE(gate_.WaitUntilSyncerWaits());
  std::thread drain([&] { store_->Drain(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(out->done.load());
  gate_.Release();
  drain.join();
  auto r = out->future.get();
  ASSERT_TRUE(r.first.ok()) << r.first.ToString();
  EXPECT_EQ(r.second.size(), 2u);
  Open();
  EXPECT_EQ(Count(), 2u);
  EXPECT_EQ(store_->LatestCheckpoint()->size, 2u);
}

}  // namespace
}  // namespace trail
