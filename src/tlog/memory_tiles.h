// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// MemoryTileSource: a TileSource over hashes held in memory, for tests, benchmarks and tools
// that rebuild a tree from its leaves (trail verify).
//
// Feed it every leaf hash in order (AddLeaf) and every StoredNode that CompactRange::Append
// reports (AddNode); it then serves any tile of that tree, as the store does from its tables.
// Hashes are kept in one flat buffer per level: 32 bytes per leaf, about 1/256 more for nodes.
//
// Not thread-safe: use it from one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tlog/hasher.h"
#include "tlog/tiles.h"
#include "tlog/tree.h"

namespace trail::tlog {

class MemoryTileSource : public TileSource {
 public:
  // Appends the next leaf hash (32 bytes).
  Status AddLeaf(std::string_view leaf_hash);
  // Records a completed node; per level, nodes must arrive in index order (as Append reports
  // them). InvalidArgument for a level that is not a positive multiple of 8, a gap or a repeat.
  Status AddNode(const StoredNode& node);

  uint64_t leaf_count() const { return levels_.empty() ? 0 : levels_[0].size() / kHashSize; }
  uint64_t reads() const { return reads_; }  // ReadTile calls so far

  Status ReadTile(int level, uint64_t index, int width, std::string* hashes) override;

 private:
  std::vector<std::string> levels_;  // [L] = hashes at tree level 8·L, concatenated
  uint64_t reads_ = 0;
};

}  // namespace trail::tlog
