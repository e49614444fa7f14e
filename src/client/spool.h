// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Spool: the client's on-disk queue for events the server could not take — an append-only,
// bounded, crash-safe FIFO of byte records in one directory.
//
// Format (shared with clients/python/trail_client.py):
//   seg-NNNNNNNNNNNN.log  records, appended and fsync'd; a new segment every segment_bytes
//   record                u32 magic "TRL1" | u32 length | u32 crc32(payload) | payload (LE)
//   CURSOR                "<segment> <offset> <crc32 of those>\n": the first record not yet
//                         delivered; replaced atomically (write, fsync, rename, fsync dir)
// Segments wholly before the cursor are deleted. A bad record followed by a good one is
// corruption and skipped (counted); bad bytes at the end of the last segment are a torn
// append from a crash and cut off at Open (counted). max_bytes bounds the segment files.
//
// Not thread-safe: one caller at a time. One process at a time: OpenSlot takes an flock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace trail::client {

constexpr uint32_t kSpoolMagic = 0x314C5254;  // "TRL1" little-endian
constexpr size_t kSpoolHeader = 12;
constexpr size_t kMaxSpoolRecord = 1 << 20;

uint32_t Crc32(std::string_view data);
std::string EncodeSpoolRecord(std::string_view payload);

struct ScannedRecords {
  std::vector<std::pair<size_t, std::string_view>> records;  // (offset, payload)
  size_t good_end = 0;                                       // end of the last good record
  size_t corrupt = 0;     // bad records skipped because a good one follows
  size_t torn_bytes = 0;  // bad bytes with no good record after them
};
ScannedRecords ScanSpoolRecords(std::string_view buf);

struct SpoolPosition {
  uint64_t segment = 0;
  uint64_t offset = 0;
};

class Spool {
 public:
  struct Options {
    std::string dir;
    uint64_t max_bytes = uint64_t{256} << 20;
    uint64_t segment_bytes = 0;  // 0: max_bytes / 8, within [64 KiB, 8 MiB]
  };
  static Result<std::unique_ptr<Spool>> Open(Options options);
  ~Spool();

  // Appends records in order, as many as fit under max_bytes, and fsyncs them. Returns how
  // many were appended (a prefix of `payloads`).
  Result<size_t> Append(const std::vector<std::string_view>& payloads);
  // The oldest undelivered records (at most max_records, at most max_bytes of payload unless
  // one alone is larger) and the position after them. Reads only.
  Status Peek(size_t max_records, size_t max_bytes, std::vector<std::string>* out,
              SpoolPosition* end);
  // Marks everything before `end` (count records, payload_bytes of payload) delivered.
  Status Commit(SpoolPosition end, uint64_t count, uint64_t payload_bytes);

  uint64_t pending() const { return pending_; }
  uint64_t pending_bytes() const { return pending_bytes_; }
  uint64_t disk_bytes() const { return disk_bytes_; }
  uint64_t max_bytes() const { return opt_.max_bytes; }
  uint64_t torn() const { return torn_; }
  uint64_t corrupt() const { return corrupt_; }
  const std::string& dir() const { return opt_.dir; }

 private:
  explicit Spool(Options o) : opt_(std::move(o)) {}
  Status Load();
  Status Reset();
  Status WriteCursor(SpoolPosition p);
  Status OpenTail();
  Status WriteTail(const std::string& blob);
  std::string PathOf(uint64_t segment) const;
  std::vector<uint64_t> Segments() const;

  Options opt_;
  SpoolPosition cursor_;
  uint64_t tail_segment_ = 1;
  int tail_fd_ = -1;
  uint64_t tail_size_ = 0;
  uint64_t pending_ = 0, pending_bytes_ = 0, disk_bytes_ = 0, torn_ = 0, corrupt_ = 0;
};

// Takes the first slot directory (dir/slot-0, slot-1, …) that no live process holds, under
// an flock kept in *lock_fd until the caller closes it.
Result<std::unique_ptr<Spool>> OpenSpoolSlot(const std::string& dir, uint64_t max_bytes,
                                             int* lock_fd);

}  // namespace trail::client
