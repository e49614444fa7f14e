// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// A bounded in-memory cache of full hash tiles (width 256), least recently used out.
//
// A full tile is immutable: its hashes cover leaves that are never rewritten (retention keeps
// leaf hashes). Proofs on a large log read one tile per 8 tree levels, and the upper tiles are
// the same for every proof, so a few thousand cached tiles turn most tile reads into a copy.
// Thread-safe. Partial tiles are never cached (they grow).
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace trail::tlog {

class TileCache {
 public:
  explicit TileCache(size_t max_tiles) : max_(max_tiles) {}
  TileCache(const TileCache&) = delete;
  TileCache& operator=(const TileCache&) = delete;

  // Copies the tile's hashes into *hashes; false (and *hashes untouched) when not cached.
  bool Get(int level, uint64_t index, std::string* hashes);
  // Caches a copy of a full tile's hashes.
  void Put(int level, uint64_t index, const std::string& hashes);

  size_t size() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  using Key = std::pair<int, uint64_t>;
  struct Entry {
    std::string hashes;
    std::list<Key>::iterator lru;
  };
  mutable std::mutex mu_;
  const size_t max_;
  std::list<Key> lru_;  // most recent first
  std::map<Key, Entry> map_;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace trail::tlog
