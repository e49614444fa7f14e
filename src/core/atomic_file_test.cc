// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// WriteFileAtomically: private from creation (even under umask 0), whole or absent after a
// failed write, never through a planted file or symlink.
#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/temp_dir.h"

namespace trail {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  static unsigned ModeOf(const std::string& p) {
    struct stat st;
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  static std::string Read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  test::TempDir tmp_{"trail-atomic"};
  fs::path dir_ = tmp_.path();
  std::string path_ = tmp_.File("secret");
};

// Restores the umask when it goes.
struct Umask {
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
  mode_t old;
};

TEST_F(AtomicFileTest, IsCreated0600EvenUnderUmaskZero) {
  Umask u(0);
  ASSERT_TRUE(WriteFileAtomically(path_, "s3cret\n", AtomicMode::kCreate).ok());
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_EQ(Read(path_), "s3cret\n");
  EXPECT_EQ(Names(), std::vector<std::string>{"secret"}) << "a temporary file was left behind";
}

TEST_F(AtomicFileTest, ReplacingAWiderFileLeavesA0600One) {
  Umask u(0);
  { std::ofstream(path_) << "old"; }
  fs::permissions(path_, fs::perms(0644));
  ASSERT_TRUE(WriteFileAtomically(path_, "new", AtomicMode::kReplace).ok());
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_EQ(Read(path_), "new");
}

TEST_F(AtomicFileTest, CreateNeverOverwrites) {
  { std::ofstream(path_) << "first"; }
  Status s = WriteFileAtomically(path_, "second", AtomicMode::kCreate);
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_EQ(Read(path_), "first");
  EXPECT_EQ(Names(), std::vector<std::string>{"secret"});
}

// A write that fails half-way (here the file size limit: EFBIG, as a full disk gives ENOSPC)
// leaves no file: a truncated secret would otherwise be read as the key on the next start.
TEST_F(AtomicFileTest, AWriteThatFailsHalfWayLeavesNoFile) {
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit small = old;
  small.rlim_cur = 16;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = WriteFileAtomically(path_, std::string(4096, 'k'), AtomicMode::kCreate);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(fs::exists(path_)) << "a torn file of " << fs::file_size(path_) << " bytes was left";
  EXPECT_TRUE(Names().empty());
}

// Temporary names are random and opened O_EXCL|O_NOFOLLOW: a symlink planted where a fixed
// name would be is never written through.
TEST_F(AtomicFileTest, APlantedSymlinkIsNotFollowed) {
  const std::string victim = (dir_ / "victim").string();
  { std::ofstream(victim) << "victim"; }
  fs::create_symlink(victim, path_ + ".tmp");
  ASSERT_TRUE(WriteFileAtomically(path_, "new", AtomicMode::kReplace).ok());
  EXPECT_EQ(Read(victim), "victim");
  EXPECT_EQ(Read(path_), "new");
}

}  // namespace
}  // namespace trail
