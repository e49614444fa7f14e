// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Test-only helpers shared by the tlog tests: an RFC 6962 reference implementation written
// straight from the recursive definitions (independent of tree.cc), a tree builder that feeds
// a CompactRange and a MemoryTileSource the way the store will, and a TileSource wrapper that
// fails any read outside a given tree size.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/codec.h"
#include "tlog/memory_tiles.h"
#include "tlog/tiles.h"
#include "tlog/tree.h"

namespace trail::tlog::testing {

inline std::string Unhex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.has_value()) << hex;
  return bytes.value_or("");
}

// RFC 6962 §2.1, on leaf hashes D[lo:hi], using core's SHA-256 rather than hasher.h.
// MTH values are memoized per range; `leaves` may grow (only by appending) between calls.
class Naive {
 public:
  explicit Naive(const std::vector<std::string>* leaves) : d_(*leaves) {}

  std::string Mth(uint64_t lo, uint64_t hi) const {
    if (hi == lo) return Sha256("");
    if (hi - lo == 1) return d_[lo];
    auto it = memo_.find({lo, hi});
    if (it != memo_.end()) return it->second;
    uint64_t k = Split(hi - lo);
    std::string h = Sha256("\x01" + Mth(lo, lo + k) + Mth(lo + k, hi));
    memo_.emplace(std::make_pair(lo, hi), h);
    return h;
  }
  // PATH(m, D[lo:hi])
  std::vector<std::string> Path(uint64_t m, uint64_t lo, uint64_t hi) const {
    if (hi - lo <= 1) return {};
    uint64_t k = Split(hi - lo);
    std::vector<std::string> p;
    if (m < k) {
      p = Path(m, lo, lo + k);
      p.push_back(Mth(lo + k, hi));
    } else {
      p = Path(m - k, lo + k, hi);
      p.push_back(Mth(lo, lo + k));
    }
    return p;
  }
  // SUBPROOF(m, D[lo:hi], b)
  std::vector<std::string> Subproof(uint64_t m, uint64_t lo, uint64_t hi, bool b) const {
    uint64_t n = hi - lo;
    if (m == n) return b ? std::vector<std::string>{} : std::vector<std::string>{Mth(lo, hi)};
    uint64_t k = Split(n);
    std::vector<std::string> p;
    if (m <= k) {
      p = Subproof(m, lo, lo + k, b);
      p.push_back(Mth(lo + k, hi));
    } else {
      p = Subproof(m - k, lo + k, hi, false);
      p.push_back(Mth(lo, lo + k));
    }
    return p;
  }
  std::vector<std::string> Proof(uint64_t m, uint64_t n) const { return Subproof(m, 0, n, true); }

 private:
  static uint64_t Split(uint64_t n) {  // largest power of two smaller than n
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }
  const std::vector<std::string>& d_;
  mutable std::map<std::pair<uint64_t, uint64_t>, std::string> memo_;
};

// Grows a tree one leaf at a time the way the store does.
struct TreeBuilder {
  CompactRange range;
  MemoryTileSource tiles;
  std::vector<std::string> leaves;
  std::vector<StoredNode> completed;  // every node Append reported, in order

  void Add(const std::string& leaf_hash) {
    size_t before = completed.size();
    ASSERT_TRUE(range.Append(leaf_hash, &completed).ok());
    ASSERT_TRUE(tiles.AddLeaf(leaf_hash).ok());
    for (size_t i = before; i < completed.size(); ++i) {
      ASSERT_TRUE(tiles.AddNode(completed[i]).ok());
    }
    leaves.push_back(leaf_hash);
  }
};

// Forwards to `inner` but fails any read of a hash that is not complete in a tree of `size`,
// so a proof for an older size cannot silently use newer nodes.
class BoundedTileSource : public TileSource {
 public:
  BoundedTileSource(TileSource& inner, uint64_t size) : inner_(inner), size_(size) {}
  Status ReadTile(int level, uint64_t index, int width, std::string* hashes) override {
    ++reads_;
    if (width < 1 || width > TileWidthAt(level, index, size_)) {
      ADD_FAILURE() << "read of " << TilePath(level, index, width) << " beyond size " << size_;
      return Status::NotFound("beyond the tree");
    }
    return inner_.ReadTile(level, index, width, hashes);
  }
  int reads() const { return reads_; }

 private:
  TileSource& inner_;
  uint64_t size_;
  int reads_ = 0;
};

// Upper bound on the tile reads one proof may need: per tile level, the tile holding the
// path and the tile on the right border, for each of the two trees of a consistency proof.
inline int MaxReads(uint64_t size) {
  int tile_levels = (std::bit_width(size) + kTileHeight - 1) / kTileHeight;
  return 4 * std::max(tile_levels, 1);
}

}  // namespace trail::tlog::testing
