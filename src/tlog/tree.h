// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The log's Merkle tree (RFC 9162 §2.1): incremental growth, roots, proofs and their checks.
//
// The writer keeps a CompactRange — the right border of the tree, one hash per set bit of the
// size — and feeds it each new leaf hash at commit. Append reports every node that became
// complete at a tree level that is a multiple of 8 (8, 16, …); the store persists those next to
// the leaf hashes, which is exactly what the hash tiles of tiles.h need: level-0 tiles come
// from leaf hashes, level-L tiles from the stored nodes at tree level 8·L. The CompactRange
// itself is persisted (Serialize) in the same transaction as the leaves it covers.
//
// Readers compute everything else from tiles through a TileSource: any complete subtree hash
// is at most 255 hashes away from one tile, so a root, an inclusion proof or a consistency
// proof costs O(log n) tile reads — one read per distinct tile, each tile read once per call —
// and at most a few thousand SHA-256 computations, whatever the size of the log.
//
// Proofs follow RFC 9162 §2.1.3/§2.1.4 (RFC 6962 PATH/SUBPROOF): a list of 32-byte hashes,
// leaf side first. Verification follows §2.1.3.2/§2.1.4.2; a consistency proof from the empty
// tree is rejected, and from size m to m is valid iff it is empty and the roots are equal.
//
// Threads: a CompactRange is a plain value (no internal locking; guard it like any other
// variable). The free functions keep no state between calls and may run concurrently as far as
// the TileSource they are given allows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tlog/tiles.h"

namespace trail::tlog {

// A complete node at a tree level that is a multiple of 8 and >= 8: the hash of leaves
// [index·2^level, (index+1)·2^level). It is entry index % 256 of tile
// (level/8, index/256) — the unit the store persists to serve tiles of level >= 1.
struct StoredNode {
  int level = 0;
  uint64_t index = 0;
  std::string hash;
  bool operator==(const StoredNode&) const = default;
};

class CompactRange {
 public:
  CompactRange() = default;  // the empty tree

  uint64_t size() const { return size_; }

  // Adds the next leaf (a 32-byte leaf hash) and appends to *completed (may be null) each
  // StoredNode this leaf completed, lowest level first. InvalidArgument for a hash of the
  // wrong size; the range is unchanged then.
  Status Append(std::string_view leaf_hash, std::vector<StoredNode>* completed);

  // MTH of all leaves appended so far; EmptyRoot() for none.
  std::string Root() const;

  // A self-delimiting byte string: format byte 0x01, the size as 8 big-endian bytes, then the
  // border hashes from the highest level down. Parse accepts exactly that (Corruption else).
  std::string Serialize() const;
  static Result<CompactRange> Parse(std::string_view bytes);

  // The range of the first `size` leaves, rebuilt from tiles (one node per set bit of size):
  // for recovery, or to check a persisted range against the tiles.
  static Result<CompactRange> FromTiles(uint64_t size, TileSource& tiles);

  bool operator==(const CompactRange&) const = default;

 private:
  uint64_t size_ = 0;
  std::vector<std::string> border_;  // highest level (leftmost subtree) first
};

// Hash of the complete subtree (level, index) — leaves [index·2^level, (index+1)·2^level) —
// which must lie within the tree the TileSource holds. One tile read.
Result<std::string> NodeHash(int level, uint64_t index, TileSource& tiles);

// MTH of the first `size` leaves; EmptyRoot() for 0.
Result<std::string> RootAt(uint64_t size, TileSource& tiles);

// RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size` leaves.
// InvalidArgument ("invalid_request") unless index < size.
Result<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size, TileSource& tiles);

// RFC 9162 §2.1.4.1 consistency proof from size m to size n. InvalidArgument
// ("invalid_request") unless 0 < m <= n; empty for m == n.
Result<std::vector<std::string>> ConsistencyProof(uint64_t m, uint64_t n, TileSource& tiles);

// RFC 9162 §2.1.3.2. OK iff `proof` proves `leaf_hash` is leaf `index` of the tree of `size`
// leaves with root `root`; InvalidArgument ("invalid_proof") saying why otherwise.
Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root);

// RFC 9162 §2.1.4.2. OK iff `proof` proves the tree of size m with root `root_m` is a prefix of
// the tree of size n with root `root_n`; InvalidArgument ("invalid_proof") otherwise,
// including for m == 0 and m > n.
Status VerifyConsistency(uint64_t m, uint64_t n, std::string_view root_m, std::string_view root_n,
                         const std::vector<std::string>& proof);

// MTH over leaf hashes computed directly from the definition (n-1 node hashes), for verifiers
// that hold every leaf and for tests.
std::string RootFromLeaves(const std::vector<std::string>& leaf_hashes);

}  // namespace trail::tlog
