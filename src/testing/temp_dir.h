// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// TempDir: a fresh, private directory for one test, removed with everything in it when the
// TempDir is destroyed. Fixtures hold one as a member; the directory exists from construction.
//
// Directories go under TempRoot(): $TEST_TMPDIR when set, else /dev/shm when writable (fsync on
// tmpfs is free, which keeps store tests fast; durability itself is SQLite's and PostgreSQL's,
// tested elsewhere), else the system temp directory. Not thread-safe to share across tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace trail::test {

std::filesystem::path TempRoot();

class TempDir {
 public:
  // Makes TempRoot()/<prefix>-XXXXXX (mode 0700); throws std::filesystem::filesystem_error
  // when it cannot, which fails the calling test.
  explicit TempDir(std::string_view prefix = "trail-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory, as a string (file and store APIs take strings).
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace trail::test
