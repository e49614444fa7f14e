// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/codec.h"

namespace trail {
namespace {

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

Status WriteAll(int fd, std::string_view contents, const std::string& name) {
  while (!contents.empty()) {
    ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write " + name);
    contents.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Status FsyncDirOf(const std::string& path) {
  const std::string dir = DirOf(path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("open " + dir);
  int rc = ::fsync(dfd);
  ::close(dfd);
  return rc == 0 ? Status::Ok() : Errno("fsync " + dir);
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, AtomicMode mode) {
  // A random name: a stale or planted temporary file is never opened, only refused.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 8; ++attempt) {
    tmp = path + ".tmp-" + HexEncode(RandomBytes(8));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return Errno("create " + tmp);
  }
  if (fd < 0) return Errno("create " + tmp);
  Status s = WriteAll(fd, contents, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync " + tmp);
  if (::close(fd) != 0 && s.ok()) s = Errno("close " + tmp);
  bool renamed = false;
  if (s.ok()) {
    if (mode == AtomicMode::kReplace) {
      renamed = ::rename(tmp.c_str(), path.c_str()) == 0;
      if (!renamed) s = Errno("rename " + tmp + " to " + path);
    } else if (::link(tmp.c_str(), path.c_str()) != 0) {
      // link, unlike rename, never replaces: a file that appeared meanwhile is kept.
      s = errno == EEXIST ? Status::Conflict(path + " already exists")
                          : Errno("link " + tmp + " to " + path);
    }
  }
  if (!renamed) ::unlink(tmp.c_str());  // after link, or a failure
  TRAIL_RETURN_IF_ERROR(s);
  return FsyncDirOf(path);
}

}  // namespace trail
