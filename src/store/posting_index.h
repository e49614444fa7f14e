// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// PostingIndex: the secondary index of trail's stores, built for cheap writes.
//
// Events are appended in `seq` order and split into segments of 2^segment_bits events.
// For the open (newest) segments the index lives in memory: key -> ascending seqs. When a
// segment is complete it is sealed: its posting lists are written once, sequentially, as one
// row per (segment, key) holding delta-varint-encoded seqs — no random index-page writes per
// event, which is what caps ordinary B-tree-indexed logs (see docs/PERFORMANCE.md).
// The events table stays the truth: the in-memory part is rebuilt from it at start.
//
// Keys: 's'+subject, 'a'+actor, 'i'+ip, 't'+tag, 'p'+tag prefix ("p" + "project:role:").
//
// Thread rules: one writer thread calls Add()/TakeSealable()/DropSealed(); any number of
// readers call Snapshot() concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"

namespace trail {

// The index keys of one event (all of them: subject, actor, ip, tag, each tag prefix).
void IndexKeysOf(std::string_view tag, std::string_view subject, std::string_view actor,
                 std::string_view ip, std::vector<std::string>* keys);
std::string SubjectKey(std::string_view subject);
std::string ActorKey(std::string_view actor);
std::string IpKey(std::string_view ip);
std::string TagKey(std::string_view tag);
std::string TagPrefixKey(std::string_view prefix);  // prefix ends with ':'

// Delta-varint coding of ascending seqs within a segment.
std::string EncodePostings(const std::vector<uint64_t>& seqs);
bool DecodePostings(std::string_view blob, std::vector<uint64_t>* seqs);

class PostingIndex {
 public:
  using Lists = std::unordered_map<std::string, std::vector<uint64_t>>;

  explicit PostingIndex(int segment_bits) : bits_(segment_bits) {}
  int segment_bits() const { return bits_; }
  // Before first use only: a store keeps the segment size it was created with.
  void set_segment_bits(int bits) { bits_ = bits; }
  uint64_t SegmentOf(uint64_t seq) const { return seq >> bits_; }
  uint64_t SegmentStart(uint64_t seg) const { return seg << bits_; }

  // Writer: the first segment not yet sealed, set at start.
  void Reset(uint64_t first_open_segment);
  // Writer: index one committed event; seqs must arrive in increasing order.
  void Add(uint64_t seq, const std::vector<std::string>& keys);
  // Writer: publish that every seq < end is committed and indexed (readers see up to it).
  void Publish(uint64_t end);
  // Writer: the oldest open segment if it is complete (all its seqs published), else null.
  // The caller writes it out, then calls DropSealed().
  const Lists* Sealable() const;
  uint64_t first_open_segment() const { return first_open_; }
  void DropSealed();
  // Writer: forget a key in the open segments (erasure of a subject or actor).
  void RemoveKey(const std::string& key);
  // Removes `seqs` (ascending) from key's lists in the open segments (an erased event's keys).
  void RemoveSeqs(const std::string& key, const std::vector<uint64_t>& seqs);

  // Reader: a consistent view of the open segments for the given keys.
  struct View {
    uint64_t end = 0;                 // seqs < end are readable
    uint64_t first_open_segment = 0;  // segments below this are sealed (read from the store)
    // For each requested key, its open-segment seqs, ascending (all open segments merged).
    std::unordered_map<std::string, std::vector<uint64_t>> lists;
  };
  View Snapshot(const std::vector<std::string>& keys) const;

  size_t memory_entries() const;

 private:
  int bits_;
  mutable std::shared_mutex mu_;
  uint64_t first_open_ = 0;
  uint64_t end_ = 0;
  std::map<uint64_t, Lists> open_;  // segment -> lists
  size_t entries_ = 0;
};

}  // namespace trail
