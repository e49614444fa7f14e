// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// C2SP tlog-tiles (c2sp.org/tlog-tiles): hash tiles of height 8, their paths, and the
// interface through which the tree code reads them.
//
// Tile (level L, index N) holds the hashes of tree nodes at tree level 8·L with indices
// N·256 … N·256+255: level-0 tiles hold leaf hashes, a level-L hash is the root of a full
// 256-wide tile at level L-1. A tile is "partial" while fewer than 256 of its nodes are
// complete; its width W (1…255) is the number of complete ones.
//
// Paths: `tile/<L>/<N>[.p/<W>]`, N written as zero-padded 3-digit elements, all but the last
// prefixed with `x` (1234067 → x001/x234/067); the `.p/<W>` suffix only for partial tiles.
// ParseTilePath accepts exactly what TilePath produces (with or without one leading '/').
// Entry bundles (`tile/entries/...`) are not served by trail and are rejected.
//
// TilePath, ParseTilePath and TileWidthAt are pure and thread-safe. TileSource implementations
// (the stores; MemoryTileSource for tests and tools) state their own thread rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace trail::tlog {

inline constexpr int kTileHeight = 8;
inline constexpr int kTileWidth = 1 << kTileHeight;  // 256 hashes, 8192 bytes
inline constexpr int kMaxTileLevel = 63;             // C2SP bound on <L>

struct TileId {
  int level = 0;       // 0 … 63
  uint64_t index = 0;  // N
  int width = 0;       // 1 … 256; 256 is a full tile
  bool operator==(const TileId&) const = default;
};

// "tile/L/N[.p/W]" without a leading slash. Requires 0 <= level <= 63, 1 <= width <= 256.
std::string TilePath(int level, uint64_t index, int width = kTileWidth);

// Inverse of TilePath; std::nullopt for anything TilePath would not produce: leading zeros in
// L or W, a missing or extra `x`, elements not exactly 3 digits, N beyond 2^64-1, W of 0, 256
// or more, `.p/` on a non-final element, trailing or leading garbage, and `tile/entries/…`.
std::optional<TileId> ParseTilePath(std::string_view path);

// The number of complete hashes (0 … 256) tile (level, index) holds in a tree of `tree_size`
// leaves: 256 for a full tile, 0 for a tile that does not exist yet. A tile of width W may be
// served for that tree iff 1 <= W <= TileWidthAt(...) (full tiles: iff it returns 256).
int TileWidthAt(int level, uint64_t index, uint64_t tree_size);

// Where the tree code gets stored hashes from. The store implements it: level 0 from the
// stored leaf hashes, higher levels from the nodes CompactRange::Append reported completed.
class TileSource {
 public:
  virtual ~TileSource() = default;
  // Sets *hashes to the first `width` hashes (width·32 bytes) of tile (level, index), i.e.
  // the hashes of nodes (8·level, index·256 + i) for i < width, whether or not the tile is
  // full yet. Callers only ask for nodes that are complete in the tree they work on; a
  // hash that is not stored is NotFound (or Corruption if it should have been).
  virtual Status ReadTile(int level, uint64_t index, int width, std::string* hashes) = 0;
};

}  // namespace trail::tlog
