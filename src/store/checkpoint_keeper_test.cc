// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// CheckpointKeeper and CheckExtends: the comparison that keeps a restored store from signing
// a fork (SPEC §5), and the kept file itself.
#include "store/checkpoint_keeper.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"
#include "tlog/hasher.h"
#include "tlog/memory_tiles.h"
#include "tlog/note.h"
#include "tlog/tree.h"

namespace trail {
namespace {

constexpr const char* kOrigin = "test.example/log";

// A log of `n` leaves whose leaf i hashes `prefix` + i: its tiles and signed checkpoints.
struct Log {
  Log(const std::string& prefix, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) Add(prefix + std::to_string(i));
  }
  void Add(const std::string& text) {
    const std::string h = tlog::LeafHashOf(text);
    std::vector<tlog::StoredNode> nodes;
    EXPECT_TRUE(range.Append(h, &nodes).ok());
    EXPECT_TRUE(tiles.AddLeaf(h).ok());
    for (const auto& node : nodes) EXPECT_TRUE(tiles.AddNode(node).ok());
  }
  tlog::CompactRange range;
  tlog::MemoryTileSource tiles;
};

class CheckpointKeeperTest : public ::testing::Test {
 protected:
  SignedCheckpoint Sign(const Log& log, const tlog::NoteSigner& signer = Signer()) {
    SignedCheckpoint cp{log.range.size(), log.range.Root(), ""};
    cp.note = signer.Sign(tlog::FormatCheckpoint(kOrigin, cp.size, cp.root)).value();
    return cp;
  }
  static const tlog::NoteSigner& Signer() {
    static const tlog::NoteSigner s =
        tlog::NoteSigner::FromSeed(std::string(32, '\1'), kOrigin).value();
    return s;
  }
  std::unique_ptr<CheckpointKeeper> OpenKeeper() {
    auto k = CheckpointKeeper::Open(path_, Signer().VerifierKey(),
                                    [this](const std::string& m) { logged_ += m + "\n"; });
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? std::move(k).value() : nullptr;
  }

  test::TempDir tmp_{"trail-keeper"};
  std::filesystem::path dir_ = tmp_.path();
  std::string path_ = tmp_.File("checkpoint");
  std::string logged_;
};

TEST_F(CheckpointKeeperTest, ATreeThatGrewFromTheKeptOneExtendsIt) {
  Log log("a", 300);
  const SignedCheckpoint kept = Sign(log);
  EXPECT_TRUE(CheckExtends(kept, 300, log.tiles).ok());
  for (int i = 0; i < 700; ++i) log.Add("more" + std::to_string(i));
  Status s = CheckExtends(kept, 1000, log.tiles);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(CheckExtends(SignedCheckpoint{0, tlog::EmptyRoot(), ""}, 0, log.tiles).ok());
}

TEST_F(CheckpointKeeperTest, ASmallerTreeDoesNotAndTheErrorNamesBothSizes) {
  Log log("a", 1000);
  const SignedCheckpoint kept = Sign(log);
  Log restored("a", 600);  // an old backup: a prefix of the same history
  Status s = CheckExtends(kept, 600, restored.tiles);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("kept size 1000"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("store size 600"), std::string::npos) << s.message();
}

TEST_F(CheckpointKeeperTest, ALargerTreeWithAnotherHistoryDoesNot) {
  Log log("a", 500);
  const SignedCheckpoint kept = Sign(log);
  Log fork("a", 499);  // the same first 499 leaves, then another one, then growth
  fork.Add("other");
  for (int i = 0; i < 100; ++i) fork.Add("b" + std::to_string(i));
  Status s = CheckExtends(kept, 600, fork.tiles);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("kept size 500, store size 600"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("differs"), std::string::npos) << s.message();
}

TEST_F(CheckpointKeeperTest, KeepsOnlyNewerCheckpointsOfItsOwnKeyAndWritesThemAtomically) {
  auto k = OpenKeeper();
  EXPECT_FALSE(k->Kept());
  Log log("a", 10);
  ASSERT_TRUE(k->Keep(Sign(log)));
  EXPECT_EQ(k->Kept()->size, 10u);
  Log small("a", 5);
  EXPECT_FALSE(k->Keep(Sign(small))) << "an older checkpoint never replaces a newer one";
  Log other("x", 20);
  const auto stranger = tlog::NoteSigner::FromSeed(std::string(32, '\2'), kOrigin).value();
  EXPECT_FALSE(k->Keep(Sign(other, stranger))) << "a checkpoint of another key is not kept";
  EXPECT_EQ(k->Kept()->size, 10u);
  ASSERT_TRUE(k->Flush().ok());
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename(), "checkpoint") << "a temporary file was left behind";
  k.reset();
  auto again = OpenKeeper();
  ASSERT_TRUE(again->Kept());
  EXPECT_EQ(again->Kept()->size, 10u);
  EXPECT_EQ(again->Kept()->root, log.range.Root());
}

TEST_F(CheckpointKeeperTest, TheThreadWritesWhatWasKeptAndReplaceGoesBackwards) {
  auto k = OpenKeeper();
  Log log("a", 40);
  ASSERT_TRUE(k->Keep(Sign(log)));
  k.reset();  // the destructor writes what is pending
  ASSERT_EQ(OpenKeeper()->Kept()->size, 40u);
  k = OpenKeeper();
  Log older("a", 7);
  ASSERT_TRUE(k->Replace(Sign(older)).ok());
  EXPECT_EQ(k->Kept()->size, 7u);
  EXPECT_EQ(OpenKeeper()->Kept()->size, 7u) << "Replace writes before returning";
  ASSERT_TRUE(k->Replace(std::nullopt).ok());
  EXPECT_FALSE(std::filesystem::exists(path_));
}

// Regression test: the kept checkpoint was written through a fixed name, checkpoint.tmp,
// opened without O_EXCL: a symlink planted there had trail overwrite the file it points to.
TEST_F(CheckpointKeeperTest, APlantedTemporaryFileOrSymlinkIsNeverWrittenThrough) {
  const std::string victim = (dir_ / "victim").string();
  std::ofstream(victim) << "victim\n";
  std::filesystem::create_symlink(victim, path_ + ".tmp");
  auto k = OpenKeeper();
  Log log("a", 5);
  ASSERT_TRUE(k->Replace(Sign(log)).ok());
  std::ifstream in(victim);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "victim");
  EXPECT_EQ(OpenKeeper()->Kept()->size, 5u);
}

TEST_F(CheckpointKeeperTest, ADamagedFileIsRefusedNotIgnored) {
  std::ofstream(path_) << "not a checkpoint\n";
  auto k = CheckpointKeeper::Open(path_, Signer().VerifierKey());
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), Code::kCorruption);
  EXPECT_NE(k.status().message().find(path_), std::string::npos);
}

TEST_F(CheckpointKeeperTest, RefusalsAreLoggedOncePerReason) {
  auto k = OpenKeeper();
  k->Refused(Status::Conflict("kept size 9, store size 3"));
  k->Refused(Status::Conflict("kept size 9, store size 3"));
  EXPECT_EQ(logged_, "refusing to sign a checkpoint: kept size 9, store size 3\n");
}

}  // namespace
}  // namespace trail
