// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Property tests: a tree grown leaf by leaf with CompactRange, its tiles fed only by what
// Append reports (as the store will), must agree at every size with the reference
// implementation of RFC 6962 written from the recursive definitions in test_helpers.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <set>

#include "tlog/hasher.h"
#include "tlog/test_helpers.h"

namespace trail::tlog {
namespace {

using testing::BoundedTileSource;
using testing::MaxReads;
using testing::Naive;
using testing::TreeBuilder;

std::string Leaf(uint64_t i) { return LeafHashOf("event " + std::to_string(i)); }

class PropertyTest : public ::testing::Test {
 protected:
  // Every check at tree size n (= t_.leaves.size()), for the given leaf indices and old sizes.
  void CheckSize(const std::set<uint64_t>& indices, const std::set<uint64_t>& old_sizes) {
    const uint64_t n = t_.leaves.size();
    Naive& naive = naive_;
    const std::string root = naive.Mth(0, n);
    ASSERT_EQ(t_.range.size(), n);
    ASSERT_EQ(t_.range.Root(), root) << "CompactRange, size " << n;
    ASSERT_EQ(RootFromLeaves(t_.leaves), root) << "RootFromLeaves, size " << n;
    {
      BoundedTileSource tiles(t_.tiles, n);
      ASSERT_EQ(RootAt(n, tiles).value(), root) << "RootAt, size " << n;
    }
    auto parsed = CompactRange::Parse(t_.range.Serialize());
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(*parsed, t_.range);
    for (uint64_t i : indices) {
      BoundedTileSource tiles(t_.tiles, n);
      auto proof = InclusionProof(i, n, tiles);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      ASSERT_EQ(*proof, naive.Path(i, 0, n)) << "inclusion " << i << " in " << n;
      ASSERT_TRUE(VerifyInclusion(i, n, t_.leaves[i], *proof, root).ok()) << i << " in " << n;
      ASSERT_LE(tiles.reads(), MaxReads(n));
      max_reads_ = std::max(max_reads_, tiles.reads());
      ++inclusion_checked_;
    }
    for (uint64_t m : old_sizes) {
      BoundedTileSource tiles(t_.tiles, n);
      auto proof = ConsistencyProof(m, n, tiles);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      ASSERT_EQ(*proof, naive.Proof(m, n)) << "consistency " << m << " -> " << n;
      ASSERT_TRUE(VerifyConsistency(m, n, naive.Mth(0, m), root, *proof).ok()) << m << " -> " << n;
      ASSERT_LE(tiles.reads(), MaxReads(n));
      max_reads_ = std::max(max_reads_, tiles.reads());
      ++consistency_checked_;
    }
  }

  // Checks every node Append reported since the last call against the reference.
  void CheckCompleted() {
    Naive& naive = naive_;
    for (; checked_nodes_ < t_.completed.size(); ++checked_nodes_) {
      const StoredNode& node = t_.completed[checked_nodes_];
      ASSERT_EQ(node.level % 8, 0);
      ASSERT_GE(node.level, 8);
      uint64_t lo = node.index << node.level, hi = (node.index + 1) << node.level;
      ASSERT_LE(hi, t_.leaves.size());
      ASSERT_EQ(node.hash, naive.Mth(lo, hi)) << node.level << "," << node.index;
    }
  }

  // Indices in [0, n): both ends, the middle, both sides of the largest power of two below n,
  // and `count` random ones. (Each proof hashes up to a whole tile, so every index of every
  // size would take minutes; EveryProofUpTo130Leaves is exhaustive instead.)
  std::set<uint64_t> Sample(uint64_t n, int count) {
    std::set<uint64_t> s = {0, n - 1, n / 2};
    if (n > 1) {
      uint64_t p = std::bit_floor(n - 1);
      s.insert({p - 1, p});
    }
    std::uniform_int_distribution<uint64_t> any(0, n - 1);
    for (int i = 0; i < count; ++i) s.insert(any(rng_));
    s.erase(n);
    return s;
  }

  TreeBuilder t_;
  Naive naive_{&t_.leaves};  // memo stays valid: leaves are only appended
  std::mt19937_64 rng_{9162};
  size_t checked_nodes_ = 0;
  int inclusion_checked_ = 0, consistency_checked_ = 0, max_reads_ = 0;
};

TEST_F(PropertyTest, EveryProofUpTo130Leaves) {
  for (uint64_t n = 1; n <= 130; ++n) {
    t_.Add(Leaf(n - 1));
    std::set<uint64_t> all, olds;
    for (uint64_t i = 0; i < n; ++i) all.insert(i);
    for (uint64_t m = 1; m <= n; ++m) olds.insert(m);
    CheckSize(all, olds);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(inclusion_checked_, 130 * 131 / 2);
  EXPECT_EQ(consistency_checked_, 130 * 131 / 2);
}

TEST_F(PropertyTest, SampledProofsForEverySizeUpTo2000) {
  for (uint64_t n = 1; n <= 2000; ++n) {
    t_.Add(Leaf(n - 1));
    CheckCompleted();
    std::set<uint64_t> olds;
    for (uint64_t m : Sample(n, 3)) olds.insert(m + 1);  // 1 … n
    CheckSize(Sample(n, 3), olds);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(t_.completed.size(), 2000u / 256);
  std::printf("checked %d inclusion and %d consistency proofs; at most %d tile reads each\n",
              inclusion_checked_, consistency_checked_, max_reads_);
}

TEST_F(PropertyTest, RandomSizesUpTo5000AndSizesAroundTileBoundaries) {
  std::set<uint64_t> sizes = {255, 256, 257, 511, 512, 4095, 4096, 4097, 5000};
  std::uniform_int_distribution<uint64_t> any(2, 5000);
  for (int i = 0; i < 8; ++i) sizes.insert(any(rng_));
  for (uint64_t n = 1; n <= 5000; ++n) {
    t_.Add(Leaf(n - 1));
    if (!sizes.count(n)) continue;
    CheckCompleted();
    std::set<uint64_t> olds;
    for (uint64_t m : Sample(n, 12)) olds.insert(m + 1);
    CheckSize(Sample(n, 12), olds);
    if (HasFatalFailure()) return;
  }
}

// Proofs for an old size, generated from tiles of a much larger tree, must be those of the
// old tree (the store answers ?tree_size=N from its current tables).
TEST_F(PropertyTest, OldSizesServedFromALargerTree) {
  for (uint64_t n = 1; n <= 70000; ++n) t_.Add(Leaf(n - 1));
  std::vector<std::string> all = t_.leaves;
  for (uint64_t size : {1ull, 256ull, 300ull, 4097ull, 65536ull, 65537ull, 69999ull}) {
    std::vector<std::string> prefix(all.begin(), all.begin() + static_cast<long>(size));
    Naive naive(&prefix);
    BoundedTileSource tiles(t_.tiles, size);
    EXPECT_EQ(RootAt(size, tiles).value(), naive.Mth(0, size));
    for (uint64_t i : Sample(size, 3)) {
      EXPECT_EQ(InclusionProof(i, size, tiles).value(), naive.Path(i, 0, size)) << i << "/" << size;
    }
    for (uint64_t m : Sample(size, 3)) {
      EXPECT_EQ(ConsistencyProof(m + 1, size, tiles).value(), naive.Proof(m + 1, size));
    }
  }
}

}  // namespace
}  // namespace trail::tlog
