// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "testing/temp_dir.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace trail::test {

std::filesystem::path TempRoot() {
  if (const char* t = std::getenv("TEST_TMPDIR"); t && *t) return t;
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0)
    return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

TempDir::TempDir(std::string_view prefix) {
  std::string tmpl = (TempRoot() / (std::string(prefix) + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::filesystem::filesystem_error("mkdtemp", tmpl,
                                            std::error_code(errno, std::generic_category()));
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;  // a test that made a directory unreadable must not abort here
  std::filesystem::remove_all(path_, ec);
}

}  // namespace trail::test
