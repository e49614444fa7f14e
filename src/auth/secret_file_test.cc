// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The data directory's secret files (SPEC §8): 0600 from creation, whole or absent; the
// start-up warning about a directory others may read.
#include "auth/secret_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "testing/temp_dir.h"

namespace trail {
namespace {

namespace fs = std::filesystem;

class SecretFileTest : public ::testing::Test {
 protected:
  static unsigned ModeOf(const std::string& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  test::TempDir tmp_{"trail-secret"};
  std::string dir_ = tmp_.File("data");  // not made yet: the data directory under test
};

TEST_F(SecretFileTest, ADataDirectoryMadeUnderUmaskZeroIsPrivate) {
  mode_t old = ::umask(0);
  Status s = PrepareDataDir(dir_);
  Status k = WriteSecretFile(dir_ + "/admin.key", "k_admin\n");
  ::umask(old);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(k.ok()) << k.ToString();
  EXPECT_EQ(ModeOf(dir_), 0700u);
  for (const char* name : {"viewer.secret", "log.key", "admin.key"})
    EXPECT_EQ(ModeOf(dir_ + "/" + name), 0600u) << name;
  EXPECT_FALSE(DataDirModeWarning(dir_));
  EXPECT_EQ(*ReadSecretFile(dir_ + "/admin.key"), "k_admin");
}

// Regression test: the secret was written in place, so a write that failed half-way (disk
// full; here the file size limit) left a torn admin.key that the next start read as the key.
TEST_F(SecretFileTest, AFailedWriteLeavesNoTornSecret) {
  fs::create_directories(dir_);
  auto handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit old, small;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  small = old;
  small.rlim_cur = 8;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = WriteSecretFile(dir_ + "/admin.key", std::string(64, 'k') + "\n");
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, handler);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ReadSecretFile(dir_ + "/admin.key").status().code(), Code::kNotFound);
  EXPECT_TRUE(fs::is_empty(dir_)) << "a temporary file was left behind";
}

TEST_F(SecretFileTest, ADirectoryOthersMayReadIsWarnedAboutWithItsModeAndTheFix) {
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms(0755));
  auto w = DataDirModeWarning(dir_);
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("0755"), std::string::npos) << *w;
  EXPECT_NE(w->find("chmod 700 " + dir_), std::string::npos) << *w;
  fs::permissions(dir_, fs::perms(0770));
  EXPECT_TRUE(DataDirModeWarning(dir_));
  fs::permissions(dir_, fs::perms(0700));
  EXPECT_FALSE(DataDirModeWarning(dir_));
}

}  // namespace
}  // namespace trail
