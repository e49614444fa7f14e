// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "tlog/memory_tiles.h"

#include "tlog/hasher.h"

namespace trail::tlog {

Status MemoryTileSource::AddLeaf(std::string_view leaf_hash) {
  if (leaf_hash.size() != kHashSize) {
    return Status::Invalid("invalid_request", "a leaf hash must be 32 bytes");
  }
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].append(leaf_hash);
  return Status::Ok();
}

Status MemoryTileSource::AddNode(const StoredNode& node) {
  if (node.level < kTileHeight || node.level % kTileHeight != 0 || node.level >= 64 ||
      node.hash.size() != kHashSize) {
    return Status::Invalid("invalid_request",
                           "not a tile node: level " + std::to_string(node.level));
  }
  size_t tile_level = static_cast<size_t>(node.level / kTileHeight);
  if (levels_.size() <= tile_level) levels_.resize(tile_level + 1);
  std::string& row = levels_[tile_level];
  if (node.index != row.size() / kHashSize) {
    return Status::Invalid("invalid_request", "node (" + std::to_string(node.level) + ", " +
                                                  std::to_string(node.index) + ") out of order");
  }
  row += node.hash;
  return Status::Ok();
}

Status MemoryTileSource::ReadTile(int level, uint64_t index, int width, std::string* hashes) {
  ++reads_;
  if (level < 0 || width < 1 || width > kTileWidth) {
    return Status::Invalid("invalid_request", "bad tile level or width");
  }
  const size_t tile_level = static_cast<size_t>(level);
  const uint64_t have = tile_level < levels_.size() ? levels_[tile_level].size() / kHashSize : 0;
  if (index > have / kTileWidth || index * kTileWidth + static_cast<uint64_t>(width) > have) {
    return Status::NotFound("tile " + TilePath(level, index, width) + " is beyond the tree");
  }
  hashes->assign(levels_[tile_level], index * kTileWidth * kHashSize, width * kHashSize);
  return Status::Ok();
}

}  // namespace trail::tlog
