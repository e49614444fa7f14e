// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "client/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace trail::client {
namespace {

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

uint32_t LoadLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void StoreLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// The payload of a valid record at buf[pos], or false.
bool ParseAt(std::string_view buf, size_t pos, std::string_view* payload, size_t* end) {
  if (pos + kSpoolHeader > buf.size()) return false;
  const char* h = buf.data() + pos;
  uint32_t magic = LoadLe32(h), length = LoadLe32(h + 4), crc = LoadLe32(h + 8);
  if (magic != kSpoolMagic || length > kMaxSpoolRecord || pos + kSpoolHeader + length > buf.size())
    return false;
  std::string_view p = buf.substr(pos + kSpoolHeader, length);
  if (Crc32(p) != crc) return false;
  *payload = p;
  *end = pos + kSpoolHeader + length;
  return true;
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("fsync " + dir);
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write " + what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Reads up to `max` bytes of `path` from `offset`; a missing file reads as empty.
Status ReadFrom(const std::string& path, uint64_t offset, uint64_t max, std::string* out,
                bool* at_eof) {
  out->clear();
  *at_eof = true;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::Ok() : Errno("open " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("stat " + path);
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t want = offset >= size ? 0 : std::min<uint64_t>(max, size - offset);
  *at_eof = offset + want >= size;
  out->resize(want);
  size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd, out->data() + got, want - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out->resize(got);
  return Status::Ok();
}

// Whether buf[pos] starts a record that is whole in the file but cut by the read window.
bool CutByWindow(std::string_view buf, size_t pos, bool at_eof) {
  if (at_eof) return false;
  if (pos + kSpoolHeader > buf.size()) return true;
  const char* h = buf.data() + pos;
  return LoadLe32(h) == kSpoolMagic && LoadLe32(h + 4) <= kMaxSpoolRecord &&
         pos + kSpoolHeader + LoadLe32(h + 4) > buf.size();
}

}  // namespace

uint32_t Crc32(std::string_view data) {
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

std::string EncodeSpoolRecord(std::string_view payload) {
  std::string r;
  r.reserve(kSpoolHeader + payload.size());
  StoreLe32(kSpoolMagic, &r);
  StoreLe32(static_cast<uint32_t>(payload.size()), &r);
  StoreLe32(Crc32(payload), &r);
  r.append(payload);
  return r;
}

ScannedRecords ScanSpoolRecords(std::string_view buf) {
  ScannedRecords s;
  size_t pos = 0;
  const std::string_view magic("TRL1", 4);
  while (pos < buf.size()) {
    std::string_view payload;
    size_t end = 0;
    if (ParseAt(buf, pos, &payload, &end)) {
      s.records.emplace_back(pos, payload);
      pos = s.good_end = end;
      continue;
    }
    size_t next = buf.find(magic, pos + 1);
    while (next != std::string_view::npos && !ParseAt(buf, next, &payload, &end))
      next = buf.find(magic, next + 1);
    if (next == std::string_view::npos) {
      s.torn_bytes = buf.size() - pos;
      return s;
    }
    s.corrupt++;
    pos = next;
  }
  return s;
}

Spool::~Spool() {
  if (tail_fd_ >= 0) ::close(tail_fd_);
}

std::string Spool::PathOf(uint64_t segment) const {
  char name[32];
  std::snprintf(name, sizeof name, "seg-%012llu.log", static_cast<unsigned long long>(segment));
  return opt_.dir + "/" + name;
}

std::vector<uint64_t> Spool::Segments() const {
  std::vector<uint64_t> out;
  DIR* d = ::opendir(opt_.dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view n(e->d_name);
    if (n.size() == 20 && n.substr(0, 4) == "seg-" && n.substr(16) == ".log" &&
        std::all_of(n.begin() + 4, n.begin() + 16, [](char c) { return c >= '0' && c <= '9'; }))
      out.push_back(std::stoull(std::string(n.substr(4, 12))));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Creates `dir` and its missing parents 0700: a spool holds events (with IP addresses).
static Status MakePrivateDirs(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return Status::Ok();
  if (errno != ENOENT) return Errno("create " + dir);
  const std::string parent = std::filesystem::path(dir).parent_path().string();
  if (parent != dir) TRAIL_RETURN_IF_ERROR(MakePrivateDirs(parent));
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return Status::Ok();
  return Errno("create " + dir);
}

Result<std::unique_ptr<Spool>> Spool::Open(Options options) {
  if (options.segment_bytes == 0)
    options.segment_bytes = std::clamp<uint64_t>(options.max_bytes / 8, 64 << 10, 8 << 20);
  TRAIL_RETURN_IF_ERROR(MakePrivateDirs(options.dir));
  std::unique_ptr<Spool> s(new Spool(std::move(options)));
  TRAIL_RETURN_IF_ERROR(s->Load());
  return s;
}

Status Spool::WriteCursor(SpoolPosition p) {
  std::string text = std::to_string(p.segment) + " " + std::to_string(p.offset);
  std::string line = text + " " + std::to_string(Crc32(text)) + "\n";
  std::string tmp = opt_.dir + "/CURSOR.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open " + tmp);
  Status s = WriteAll(fd, line, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync " + tmp);
  ::close(fd);
  TRAIL_RETURN_IF_ERROR(s);
  if (::rename(tmp.c_str(), (opt_.dir + "/CURSOR").c_str()) != 0) return Errno("rename " + tmp);
  return FsyncDir(opt_.dir);
}

Status Spool::Load() {
  std::vector<uint64_t> segs = Segments();
  SpoolPosition cur{segs.empty() ? 1 : segs.front(), 0};
  {
    std::string text;
    bool eof = false;
    TRAIL_RETURN_IF_ERROR(ReadFrom(opt_.dir + "/CURSOR", 0, 256, &text, &eof));
    unsigned long long seg = 0, off = 0, crc = 0;
    if (std::sscanf(text.c_str(), "%llu %llu %llu", &seg, &off, &crc) == 3 &&
        Crc32(std::to_string(seg) + " " + std::to_string(off)) == crc)
      cur = {seg, off};
  }
  std::vector<uint64_t> kept;
  for (uint64_t s : segs) {
    if (s < cur.segment) {
      ::unlink(PathOf(s).c_str());
    } else {
      kept.push_back(s);
    }
  }
  if (kept.empty() || kept.front() != cur.segment)
    cur = {kept.empty() ? cur.segment : kept.front(), 0};
  cursor_ = cur;
  pending_ = pending_bytes_ = disk_bytes_ = 0;
  for (size_t i = 0; i < kept.size(); ++i) {
    std::string buf;
    bool eof = false;
    TRAIL_RETURN_IF_ERROR(ReadFrom(PathOf(kept[i]), 0, UINT64_MAX, &buf, &eof));
    ScannedRecords sc = ScanSpoolRecords(buf);
    corrupt_ += sc.corrupt;
    size_t size = buf.size();
    if (sc.torn_bytes && i + 1 == kept.size()) {  // a crash mid-append: cut the torn record off
      torn_++;
      if (::truncate(PathOf(kept[i]).c_str(), static_cast<off_t>(sc.good_end)) != 0)
        return Errno("truncate " + PathOf(kept[i]));
      size = sc.good_end;
    } else if (sc.torn_bytes) {
      corrupt_++;
    }
    uint64_t start = kept[i] == cur.segment ? cur.offset : 0;
    for (const auto& [off, payload] : sc.records) {
      if (off >= start) {
        pending_++;
        pending_bytes_ += payload.size();
      }
    }
    disk_bytes_ += size;
  }
  tail_segment_ = kept.empty() ? cur.segment : kept.back();
  if (pending_ == 0 && !kept.empty()) return Reset();
  return Status::Ok();
}

// Everything delivered: the cursor moves past the last segment first, then they go.
Status Spool::Reset() {
  if (tail_fd_ >= 0) ::close(tail_fd_);
  tail_fd_ = -1;
  std::vector<uint64_t> segs = Segments();
  uint64_t next = std::max(tail_segment_, segs.empty() ? 0 : segs.back()) + 1;
  TRAIL_RETURN_IF_ERROR(WriteCursor({next, 0}));
  for (uint64_t s : segs) ::unlink(PathOf(s).c_str());
  cursor_ = {next, 0};
  tail_segment_ = next;
  disk_bytes_ = 0;
  pending_ = pending_bytes_ = 0;
  return Status::Ok();
}

Status Spool::OpenTail() {
  if (tail_fd_ >= 0) return Status::Ok();
  std::string path = PathOf(tail_segment_);
  tail_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (tail_fd_ < 0) return Errno("open " + path);
  struct stat st {};
  if (::fstat(tail_fd_, &st) != 0) return Errno("stat " + path);
  tail_size_ = static_cast<uint64_t>(st.st_size);
  if (tail_size_ == 0) return FsyncDir(opt_.dir);
  return Status::Ok();
}

Status Spool::WriteTail(const std::string& blob) {
  Status s = WriteAll(tail_fd_, blob, PathOf(tail_segment_));
  if (s.ok() && ::fdatasync(tail_fd_) != 0) s = Errno("fsync " + PathOf(tail_segment_));
  if (!s.ok()) {
    // Leave no partial record behind (ENOSPC): cut the file back to what was whole.
    if (::ftruncate(tail_fd_, static_cast<off_t>(tail_size_)) != 0) {
      // Open() will find the torn tail and cut it.
    }
    return s;
  }
  tail_size_ += blob.size();
  disk_bytes_ += blob.size();
  return Status::Ok();
}

Result<size_t> Spool::Append(const std::vector<std::string_view>& payloads) {
  std::string blob;
  size_t n = 0, total = 0;  // n: records in `blob`; total: records already on disk
  uint64_t bytes = 0;
  // A failure after some records are on disk reports those (the caller keeps the rest), so
  // that pending() always counts exactly what the files hold.
  auto fail = [&](const Status& s) -> Result<size_t> {
    if (total > 0) return total;
    return s;
  };
  auto flush_blob = [&]() -> Status {
    if (blob.empty()) return Status::Ok();
    TRAIL_RETURN_IF_ERROR(WriteTail(blob));
    pending_ += n;
    pending_bytes_ += bytes;
    total += n;
    n = 0;
    bytes = 0;
    blob.clear();
    return Status::Ok();
  };
  for (std::string_view p : payloads) {
    uint64_t rec = kSpoolHeader + p.size();
    if (disk_bytes_ + blob.size() + rec > opt_.max_bytes) break;
    if (Status s = OpenTail(); !s.ok()) return fail(s);
    if (tail_size_ + blob.size() > 0 && tail_size_ + blob.size() + rec > opt_.segment_bytes) {
      if (Status s = flush_blob(); !s.ok()) return fail(s);
      ::close(tail_fd_);
      tail_fd_ = -1;
      tail_segment_++;
      if (Status s = OpenTail(); !s.ok()) return fail(s);
    }
    blob += EncodeSpoolRecord(p);
    n++;
    bytes += p.size();
  }
  if (Status s = flush_blob(); !s.ok()) return fail(s);
  return total;
}

Status Spool::Peek(size_t max_records, size_t max_bytes, std::vector<std::string>* out,
                   SpoolPosition* end) {
  out->clear();
  size_t size = 0;
  SpoolPosition pos = cursor_;
  std::string buf;
  while (out->size() < max_records && pos.segment <= tail_segment_) {
    bool at_eof = false;
    uint64_t want = (max_bytes > size ? max_bytes - size : 0) + kSpoolHeader + kMaxSpoolRecord;
    TRAIL_RETURN_IF_ERROR(ReadFrom(PathOf(pos.segment), pos.offset, want, &buf, &at_eof));
    size_t p = 0;
    std::string_view payload;
    size_t next = 0;
    while (out->size() < max_records && ParseAt(buf, p, &payload, &next)) {
      if (!out->empty() && size + payload.size() > max_bytes) {
        *end = {pos.segment, pos.offset + p};
        return Status::Ok();
      }
      out->emplace_back(payload);
      size += payload.size();
      p = next;
    }
    if (out->size() >= max_records || (p < buf.size() && CutByWindow(buf, p, at_eof))) {
      *end = {pos.segment, pos.offset + p};  // the next Peek reads a cut record whole
      return Status::Ok();
    }
    if (p < buf.size()) {  // a bad record: skip to the next good one, if any
      ScannedRecords sc = ScanSpoolRecords(std::string_view(buf).substr(p));
      if (!sc.records.empty()) {
        pos.offset += p + sc.records.front().first;
        continue;
      }
    }
    if (!at_eof) {  // read on; a good record can only start where the window may cut it
      size_t cut_zone = kSpoolHeader + kMaxSpoolRecord;
      pos.offset +=
          p == buf.size() ? p : std::max(p + 1, buf.size() > cut_zone ? buf.size() - cut_zone : 0);
      continue;
    }
    if (pos.segment == tail_segment_) {
      *end = {pos.segment, pos.offset + buf.size()};
      return Status::Ok();
    }
    pos = {pos.segment + 1, 0};
  }
  *end = pos;
  return Status::Ok();
}

Status Spool::Commit(SpoolPosition end, uint64_t count, uint64_t payload_bytes) {
  if (count >= pending_) return Reset();
  TRAIL_RETURN_IF_ERROR(WriteCursor(end));  // on failure nothing changes: resent, deduplicated
  pending_ -= count;
  pending_bytes_ = payload_bytes >= pending_bytes_ ? 0 : pending_bytes_ - payload_bytes;
  cursor_ = end;
  for (uint64_t s : Segments()) {
    if (s >= end.segment) break;
    struct stat st {};
    if (::stat(PathOf(s).c_str(), &st) == 0) {
      uint64_t sz = static_cast<uint64_t>(st.st_size);
      disk_bytes_ = sz >= disk_bytes_ ? 0 : disk_bytes_ - sz;
    }
    ::unlink(PathOf(s).c_str());
  }
  return Status::Ok();
}

Result<std::unique_ptr<Spool>> OpenSpoolSlot(const std::string& dir, uint64_t max_bytes,
                                             int* lock_fd) {
  *lock_fd = -1;
  TRAIL_RETURN_IF_ERROR(MakePrivateDirs(dir));
  for (int i = 0; i < 1024; ++i) {
    std::string slot = dir + "/slot-" + std::to_string(i);
    TRAIL_RETURN_IF_ERROR(MakePrivateDirs(slot));
    int fd = ::open((slot + "/LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Errno("open " + slot + "/LOCK");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    auto spool = Spool::Open({slot, max_bytes, 0});
    if (!spool.ok()) {
      ::close(fd);
      return spool.status();
    }
    *lock_fd = fd;
    return spool;
  }
  return Status::Unavailable("no free spool slot in " + dir);
}

}  // namespace trail::client
