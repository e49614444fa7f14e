// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/tile_cache.h"

namespace trail::tlog {

bool TileCache::Get(int level, uint64_t index, std::string* hashes) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = map_.find({level, index});
  if (it == map_.end()) {
    ++misses_;
    return false;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  hashes->assign(it->second.hashes);
  return true;
}

void TileCache::Put(int level, uint64_t index, const std::string& hashes) {
  if (max_ == 0) return;
  std::lock_guard<std::mutex> l(mu_);
  const Key key{level, index};
  if (auto it = map_.find(key); it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  while (map_.size() >= max_) {
    map_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  map_.emplace(key, Entry{hashes, lru_.begin()});
}

size_t TileCache::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return map_.size();
}

uint64_t TileCache::hits() const {
  std::lock_guard<std::mutex> l(mu_);
  return hits_;
}

uint64_t TileCache::misses() const {
  std::lock_guard<std::mutex> l(mu_);
  return misses_;
}

}  // namespace trail::tlog
