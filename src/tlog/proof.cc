// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Everything in tree.h that reads tiles: subtree hashes, roots, inclusion and consistency
// proofs. Each call first works out which complete subtrees it needs (pure arithmetic), then
// reads every tile involved once, at the largest width any of those subtrees needs, then hashes.
#include <algorithm>
#include <bit>

#include "tlog/hasher.h"
#include "tlog/tree.h"

namespace trail::tlog {
namespace {

struct NodeId {
  int level;
  uint64_t index;
};

// Leaves [lo, hi) of the RFC 6962 recursion. Every range the recursion meets starts at a
// multiple of the smallest power of two >= its length, so it splits into complete subtrees
// along the binary digits of its length, largest first; its MTH folds them from the right.
struct Range {
  uint64_t lo, hi;
};

void AppendRangeNodes(Range r, std::vector<NodeId>* out) {
  uint64_t lo = r.lo;
  while (lo < r.hi) {
    uint64_t len = std::bit_floor(r.hi - lo);
    if (lo != 0) len = std::min(len, lo & (~lo + 1));  // alignment; a no-op for RFC ranges
    int level = std::countr_zero(len);
    out->push_back(NodeId{level, lo >> level});
    lo += len;
  }
}

// Reads tiles for one call. Want() every node first, so that each tile is read once.
class TileReader {
 public:
  explicit TileReader(TileSource& source) : source_(source) {}

  void Want(NodeId node) {
    Slot& slot = SlotFor(node);
    slot.want = std::max(slot.want, EndInTile(node));
  }

  Result<std::string> Hash(NodeId node) {
    int r = node.level % kTileHeight;
    uint64_t first = node.index << r;
    int offset = static_cast<int>(first % kTileWidth);
    Slot& slot = SlotFor(node);
    int end = EndInTile(node);
    if (slot.have < end) {
      int width = std::max(end, slot.want);
      TRAIL_RETURN_IF_ERROR(source_.ReadTile(slot.level, slot.index, width, &slot.hashes));
      if (slot.hashes.size() != static_cast<size_t>(width) * kHashSize) {
        return Status::Corruption("tile " + TilePath(slot.level, slot.index, width) + " has " +
                                  std::to_string(slot.hashes.size()) + " bytes, want " +
                                  std::to_string(width * kHashSize));
      }
      slot.have = width;
    }
    std::string_view row(slot.hashes);
    row = row.substr(static_cast<size_t>(offset) * kHashSize, kHashSize << r);
    if (r == 0) return std::string(row);
    // Hash the 2^r tile entries up to the node, in place.
    std::vector<std::string> level;
    level.reserve(size_t{1} << (r - 1));
    for (size_t i = 0; i < row.size(); i += 2 * kHashSize) {
      level.push_back(NodeHashOf(row.substr(i, kHashSize), row.substr(i + kHashSize, kHashSize)));
    }
    for (size_t n = level.size(); n > 1; n /= 2) {
      for (size_t i = 0; i < n / 2; ++i) level[i] = NodeHashOf(level[2 * i], level[2 * i + 1]);
    }
    return std::move(level[0]);
  }

 private:
  struct Slot {
    int level;
    uint64_t index;
    int want = 0;  // width the wanted nodes need
    int have = 0;  // width read so far
    std::string hashes;
  };

  // One past the last tile entry the node covers.
  static int EndInTile(NodeId node) {
    int r = node.level % kTileHeight;
    uint64_t first = node.index << r;
    return static_cast<int>(first % kTileWidth) + (1 << r);
  }

  Slot& SlotFor(NodeId node) {
    int r = node.level % kTileHeight;
    int tile_level = node.level / kTileHeight;
    uint64_t tile_index = (node.index << r) >> kTileHeight;
    for (Slot& s : slots_) {
      if (s.level == tile_level && s.index == tile_index) return s;
    }
    slots_.push_back(Slot{tile_level, tile_index, 0, 0, {}});
    return slots_.back();
  }

  TileSource& source_;
  std::vector<Slot> slots_;  // a proof touches a handful of tiles; a list beats a map
};

// Hashes each range from tiles; every tile is read once.
Result<std::vector<std::string>> HashRanges(const std::vector<Range>& ranges, TileSource& tiles) {
  std::vector<std::vector<NodeId>> nodes(ranges.size());
  TileReader reader(tiles);
  for (size_t i = 0; i < ranges.size(); ++i) {
    AppendRangeNodes(ranges[i], &nodes[i]);
    for (NodeId n : nodes[i]) reader.Want(n);
  }
  std::vector<std::string> out;
  out.reserve(ranges.size());
  for (const auto& parts : nodes) {
    std::string hash;
    for (size_t j = parts.size(); j-- > 0;) {
      auto h = reader.Hash(parts[j]);
      if (!h.ok()) return h.status();
      hash = hash.empty() ? std::move(*h) : NodeHashOf(*h, hash);
    }
    out.push_back(std::move(hash));
  }
  return out;
}

bool ValidNode(int level, uint64_t index) {
  return level >= 0 && level < 64 && (level == 0 || (index >> (64 - level)) == 0);
}

}  // namespace

Result<std::string> NodeHash(int level, uint64_t index, TileSource& tiles) {
  if (!ValidNode(level, index)) {
    return Status::Invalid("invalid_request", "no node (" + std::to_string(level) + ", " +
                                                  std::to_string(index) + ") in a 64-bit tree");
  }
  TileReader reader(tiles);
  return reader.Hash(NodeId{level, index});
}

Result<std::string> RootAt(uint64_t size, TileSource& tiles) {
  if (size == 0) return EmptyRoot();
  auto hashes = HashRanges({Range{0, size}}, tiles);
  if (!hashes.ok()) return hashes.status();
  return std::move(hashes->front());
}

Result<CompactRange> CompactRange::FromTiles(uint64_t size, TileSource& tiles) {
  std::vector<NodeId> nodes;
  AppendRangeNodes(Range{0, size}, &nodes);
  TileReader reader(tiles);
  for (NodeId n : nodes) reader.Want(n);
  CompactRange range;
  range.size_ = size;
  for (NodeId n : nodes) {
    auto h = reader.Hash(n);
    if (!h.ok()) return h.status();
    range.border_.push_back(std::move(*h));
  }
  return range;
}

Result<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size, TileSource& tiles) {
  if (index >= size) {
    return Status::Invalid(
        "invalid_request",
        "leaf index " + std::to_string(index) + " is not below tree size " + std::to_string(size));
  }
  // RFC 6962 PATH(index, D[0:size]), unrolled: one sibling range per level, root side first.
  std::vector<Range> siblings;
  uint64_t lo = 0, hi = size;
  while (hi - lo > 1) {
    uint64_t k = std::bit_floor(hi - lo - 1);
    if (index < lo + k) {
      siblings.push_back(Range{lo + k, hi});
      hi = lo + k;
    } else {
      siblings.push_back(Range{lo, lo + k});
      lo += k;
    }
  }
  std::reverse(siblings.begin(), siblings.end());
  return HashRanges(siblings, tiles);
}

Result<std::vector<std::string>> ConsistencyProof(uint64_t m, uint64_t n, TileSource& tiles) {
  if (m == 0 || m > n) {
    return Status::Invalid("invalid_request", "a consistency proof needs 0 < from <= to, got " +
                                                  std::to_string(m) + " and " + std::to_string(n));
  }
  // RFC 6962 SUBPROOF(m, D[0:n], true), unrolled; m stays an absolute leaf count.
  std::vector<Range> parts;
  uint64_t lo = 0, hi = n;
  bool from_start = true;  // RFC's b: D[lo:m] is the whole old tree, whose root the verifier has
  while (m != hi) {
    uint64_t k = std::bit_floor(hi - lo - 1);
    if (m <= lo + k) {
      parts.push_back(Range{lo + k, hi});
      hi = lo + k;
    } else {
      parts.push_back(Range{lo, lo + k});
      lo += k;
      from_start = false;
    }
  }
  if (!from_start) parts.push_back(Range{lo, hi});
  std::reverse(parts.begin(), parts.end());
  return HashRanges(parts, tiles);
}

}  // namespace trail::tlog
