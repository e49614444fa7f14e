// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// CompactRange, proof generation edge cases and error paths, and rejection of tampered proofs.
// The exhaustive comparisons with the reference implementation are in tree_property_test.cc.
#include "tlog/tree.h"

#include <gtest/gtest.h>

#include "tlog/hasher.h"
#include "tlog/test_helpers.h"

namespace trail::tlog {
namespace {

using testing::BoundedTileSource;
using testing::Naive;
using testing::TreeBuilder;

std::string Leaf(uint64_t i) { return LeafHashOf("leaf " + std::to_string(i)); }

TreeBuilder Build(uint64_t n) {
  TreeBuilder t;
  for (uint64_t i = 0; i < n; ++i) t.Add(Leaf(i));
  return t;
}

std::string Flip(std::string h, size_t byte = 0, int bit = 3) {
  h[byte] = static_cast<char>(h[byte] ^ (1 << bit));
  return h;
}

TEST(CompactRangeTest, EmptyTree) {
  CompactRange r;
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.Root(), EmptyRoot());
  auto parsed = CompactRange::Parse(r.Serialize());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, r);
}

TEST(CompactRangeTest, RejectsBadLeafHashesWithoutChange) {
  CompactRange r;
  ASSERT_TRUE(r.Append(Leaf(0), nullptr).ok());
  std::string root = r.Root();
  EXPECT_FALSE(r.Append("short", nullptr).ok());
  EXPECT_FALSE(r.Append(std::string(33, 'x'), nullptr).ok());
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.Root(), root);
}

TEST(CompactRangeTest, ReportsTileNodesAtMultiplesOf8Levels) {
  CompactRange r;
  std::vector<StoredNode> completed;
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < 65536; ++i) {
    leaves.push_back(Leaf(i));
    size_t before = completed.size();
    ASSERT_TRUE(r.Append(leaves.back(), &completed).ok());
    uint64_t size = i + 1;
    size_t want = (size % 256 == 0) + (size % 65536 == 0);
    ASSERT_EQ(completed.size() - before, want) << "size " << size;
  }
  ASSERT_EQ(completed.size(), 257u);
  Naive naive(&leaves);
  for (uint64_t i = 0; i < 256; ++i) {
    EXPECT_EQ(completed[i + i / 256].level, 8);
  }
  // Lowest level first: node (8, 255) then (16, 0), both completed by leaf 65535.
  EXPECT_EQ(completed[255], (StoredNode{8, 255, naive.Mth(255 * 256, 65536)}));
  EXPECT_EQ(completed[256], (StoredNode{16, 0, naive.Mth(0, 65536)}));
  EXPECT_EQ(completed[3], (StoredNode{8, 3, naive.Mth(768, 1024)}));
  EXPECT_EQ(r.Root(), naive.Mth(0, 65536));
}

TEST(CompactRangeTest, SerializeParseRoundTripAndRejectsCorruption) {
  TreeBuilder t = Build(1000);  // 1000 = 0b1111101000: 6 border hashes
  std::string bytes = t.range.Serialize();
  EXPECT_EQ(bytes.size(), 1 + 8 + 6 * 32u);
  auto parsed = CompactRange::Parse(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, t.range);
  EXPECT_EQ(parsed->Root(), t.range.Root());
  // Appending to the parsed range continues the same tree.
  TreeBuilder more = Build(1001);
  ASSERT_TRUE(parsed->Append(Leaf(1000), nullptr).ok());
  EXPECT_EQ(parsed->Root(), more.range.Root());

  EXPECT_EQ(CompactRange::Parse("").status().code(), Code::kCorruption);
  EXPECT_FALSE(CompactRange::Parse(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(CompactRange::Parse(bytes + "x").ok());
  EXPECT_FALSE(CompactRange::Parse("\x02" + bytes.substr(1)).ok());
  std::string wrong_size = bytes;
  wrong_size[8] = static_cast<char>(wrong_size[8] ^ 1);  // 1001 has popcount 7
  EXPECT_FALSE(CompactRange::Parse(wrong_size).ok());
}

TEST(CompactRangeTest, FromTilesMatchesTheGrownRange) {
  TreeBuilder t = Build(70000);
  for (uint64_t size :
       {0ull, 1ull, 255ull, 256ull, 257ull, 65535ull, 65536ull, 69999ull, 70000ull}) {
    auto r = CompactRange::FromTiles(size, t.tiles);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->size(), size);
    EXPECT_EQ(r->Root(), RootFromLeaves({t.leaves.begin(), t.leaves.begin() + size}));
  }
  auto full = CompactRange::FromTiles(70000, t.tiles);
  EXPECT_EQ(*full, t.range);
}

TEST(ProofTest, RejectsBadArguments) {
  TreeBuilder t = Build(10);
  EXPECT_EQ(InclusionProof(10, 10, t.tiles).status().error_code(), "invalid_request");
  EXPECT_FALSE(InclusionProof(0, 0, t.tiles).ok());
  EXPECT_EQ(ConsistencyProof(0, 5, t.tiles).status().error_code(), "invalid_request");
  EXPECT_FALSE(ConsistencyProof(6, 5, t.tiles).ok());
  EXPECT_FALSE(NodeHash(64, 0, t.tiles).ok());
  EXPECT_FALSE(NodeHash(63, 2, t.tiles).ok());
  auto same = ConsistencyProof(7, 7, t.tiles);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->empty());
}

TEST(ProofTest, SizesBeyondTheStoredTreeAreNotFound) {
  TreeBuilder t = Build(300);
  EXPECT_EQ(InclusionProof(0, 301, t.tiles).status().code(), Code::kNotFound);
  EXPECT_EQ(RootAt(1000, t.tiles).status().code(), Code::kNotFound);
  EXPECT_EQ(ConsistencyProof(10, 512, t.tiles).status().code(), Code::kNotFound);
}

// A source that returns the wrong number of bytes is reported, not trusted.
class ShortTiles : public TileSource {
 public:
  Status ReadTile(int, uint64_t, int width, std::string* hashes) override {
    hashes->assign(static_cast<size_t>(width) * 32 - 1, 'x');
    return Status::Ok();
  }
};

TEST(ProofTest, ShortTileIsCorruption) {
  ShortTiles tiles;
  EXPECT_EQ(InclusionProof(3, 10, tiles).status().code(), Code::kCorruption);
}

TEST(ProofTest, ReadsEachTileOnceAndFewTiles) {
  TreeBuilder t = Build(70000);
  for (uint64_t index : {0ull, 1ull, 255ull, 256ull, 30000ull, 65535ull, 65536ull, 69999ull}) {
    BoundedTileSource tiles(t.tiles, 70000);
    auto proof = InclusionProof(index, 70000, tiles);
    ASSERT_TRUE(proof.ok());
    // Path tile and right-border tile at tile levels 0 and 1, plus the level-2 tile.
    EXPECT_LE(tiles.reads(), 5) << index;
  }
  BoundedTileSource tiles(t.tiles, 70000);
  ASSERT_TRUE(ConsistencyProof(12345, 70000, tiles).ok());
  EXPECT_LE(tiles.reads(), 6);
}

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override { t_ = Build(kSize); }
  std::string Root(uint64_t n) {
    return RootFromLeaves({t_.leaves.begin(), t_.leaves.begin() + n});
  }
  static constexpr uint64_t kSize = 1000;
  TreeBuilder t_;
};

TEST_F(TamperTest, InclusionRejectsEveryTamperedInput) {
  for (uint64_t index : {0ull, 1ull, 499ull, 511ull, 512ull, 998ull, 999ull}) {
    SCOPED_TRACE(index);
    auto proof = *InclusionProof(index, kSize, t_.tiles);
    std::string leaf = t_.leaves[index], root = Root(kSize);
    ASSERT_TRUE(VerifyInclusion(index, kSize, leaf, proof, root).ok());
    EXPECT_FALSE(VerifyInclusion(index, kSize, Flip(leaf), proof, root).ok());
    EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, proof, Flip(root, 31, 7)).ok());
    EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, proof, EmptyRoot()).ok());
    EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, proof, root.substr(1)).ok());
    EXPECT_FALSE(VerifyInclusion(index, kSize, leaf.substr(0, 31), proof, root).ok());
    for (size_t i = 0; i < proof.size(); ++i) {
      auto bad = proof;
      bad[i] = Flip(bad[i], i % 32, static_cast<int>(i % 8));
      EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, bad, root).ok()) << "flip " << i;
      bad = proof;
      bad.erase(bad.begin() + static_cast<long>(i));
      EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, bad, root).ok()) << "drop " << i;
      bad = proof;
      bad.insert(bad.begin() + static_cast<long>(i), leaf);
      EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, bad, root).ok()) << "insert " << i;
      if (i + 1 < proof.size()) {
        bad = proof;
        std::swap(bad[i], bad[i + 1]);
        EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, bad, root).ok()) << "swap " << i;
      }
      bad = proof;
      bad[i] += "x";
      EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, bad, root).ok()) << "long " << i;
    }
    auto extended = proof;
    extended.push_back(root);
    EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, extended, root).ok());
    // An extra level on top, with the root it would lead to: longer than the tree is tall.
    EXPECT_FALSE(VerifyInclusion(index, kSize, leaf, extended, NodeHashOf(root, root)).ok());
    // The proof and leaf of one index do not prove another, with that index's leaf either.
    for (uint64_t other : {index ^ 1, index ^ 2, index + 1, index - 1}) {
      if (other >= kSize || other == index) continue;
      EXPECT_FALSE(VerifyInclusion(other, kSize, leaf, proof, root).ok()) << other;
      EXPECT_FALSE(VerifyInclusion(other, kSize, t_.leaves[other], proof, root).ok()) << other;
    }
    EXPECT_FALSE(VerifyInclusion(kSize, kSize, leaf, proof, root).ok());
    EXPECT_FALSE(VerifyInclusion(index, 0, leaf, proof, root).ok());
  }
}

TEST_F(TamperTest, InclusionProofForAnotherSizeFailsUnlessItIsTheSameProof) {
  Naive naive(&t_.leaves);
  uint64_t index = 300;
  auto proof = *InclusionProof(index, kSize, t_.tiles);
  for (uint64_t size : std::vector<uint64_t>{301, 512, 999, 1000, 2 * kSize / 3}) {
    bool same = naive.Path(index, 0, size) == proof;
    EXPECT_EQ(VerifyInclusion(index, size, t_.leaves[index], proof, Root(size)).ok(), same) << size;
  }
}

TEST_F(TamperTest, ConsistencyRejectsEveryTamperedInput) {
  for (uint64_t m : {1ull, 2ull, 3ull, 256ull, 257ull, 511ull, 512ull, 777ull, 999ull}) {
    SCOPED_TRACE(m);
    auto proof = *ConsistencyProof(m, kSize, t_.tiles);
    std::string r1 = Root(m), r2 = Root(kSize);
    ASSERT_TRUE(VerifyConsistency(m, kSize, r1, r2, proof).ok());
    EXPECT_FALSE(VerifyConsistency(m, kSize, r2, r1, proof).ok());
    EXPECT_FALSE(VerifyConsistency(m, kSize, Flip(r1), r2, proof).ok());
    EXPECT_FALSE(VerifyConsistency(m, kSize, r1, Flip(r2), proof).ok());
    EXPECT_FALSE(VerifyConsistency(m, kSize, r1, r2, {}).ok());
    EXPECT_FALSE(VerifyConsistency(m - 1, kSize, Root(m - 1), r2, proof).ok());
    EXPECT_FALSE(VerifyConsistency(m + 1, kSize, Root(m + 1), r2, proof).ok());
    EXPECT_FALSE(VerifyConsistency(m, kSize - 1, r1, Root(kSize - 1), proof).ok());
    for (size_t i = 0; i < proof.size(); ++i) {
      auto bad = proof;
      bad[i] = Flip(bad[i], 31 - i % 32, static_cast<int>(i % 8));
      EXPECT_FALSE(VerifyConsistency(m, kSize, r1, r2, bad).ok()) << "flip " << i;
      bad = proof;
      bad.erase(bad.begin() + static_cast<long>(i));
      EXPECT_FALSE(VerifyConsistency(m, kSize, r1, r2, bad).ok()) << "drop " << i;
      bad = proof;
      bad.insert(bad.begin() + static_cast<long>(i), r1);
      EXPECT_FALSE(VerifyConsistency(m, kSize, r1, r2, bad).ok()) << "insert " << i;
    }
    auto extended = proof;
    extended.push_back(r2);
    EXPECT_FALSE(VerifyConsistency(m, kSize, r1, r2, extended).ok());
  }
}

// A valid proof for a smaller tree, presented with that tree's root but a larger size, must not
// pass when the larger tree's path is longer: the verifier has to check that the proof climbs
// all the way to the claimed size. (Where both paths have the same shape — leaf 0 in 768 and in
// 1000 leaves — the proof alone cannot tell; that is why size and root come from one signed
// checkpoint.)
TEST_F(TamperTest, ProofsForASmallerTreeDoNotProveALargerSize) {
  Naive naive(&t_.leaves);
  for (uint64_t smaller : {2ull, 256ull, 512ull}) {
    for (uint64_t index : {0ull, 1ull, 255ull}) {
      if (index >= smaller) continue;
      auto proof = naive.Path(index, 0, smaller);
      ASSERT_TRUE(VerifyInclusion(index, smaller, t_.leaves[index], proof, Root(smaller)).ok());
      EXPECT_FALSE(VerifyInclusion(index, kSize, t_.leaves[index], proof, Root(smaller)).ok())
          << index << " in " << smaller;
    }
    for (uint64_t m : {1ull, 128ull, 256ull}) {
      if (m >= smaller) continue;
      auto proof = naive.Proof(m, smaller);
      ASSERT_TRUE(VerifyConsistency(m, smaller, Root(m), Root(smaller), proof).ok());
      EXPECT_FALSE(VerifyConsistency(m, kSize, Root(m), Root(smaller), proof).ok())
          << m << " -> " << smaller;
    }
  }
}

TEST_F(TamperTest, ConsistencyEdgeCases) {
  std::string r = Root(5);
  // From the empty tree: meaningless, rejected even with the empty root and an empty proof.
  EXPECT_FALSE(VerifyConsistency(0, 5, EmptyRoot(), r, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).ok());
  // Same size: only the empty proof between equal roots.
  EXPECT_TRUE(VerifyConsistency(5, 5, r, r, {}).ok());
  EXPECT_FALSE(VerifyConsistency(5, 5, r, Flip(r), {}).ok());
  EXPECT_FALSE(VerifyConsistency(5, 5, r, r, {r}).ok());
  EXPECT_FALSE(VerifyConsistency(6, 5, Root(6), r, {r}).ok());
}

TEST(RootFromLeavesTest, Basics) {
  EXPECT_EQ(RootFromLeaves({}), EmptyRoot());
  EXPECT_EQ(RootFromLeaves({Leaf(0)}), Leaf(0));
  EXPECT_EQ(RootFromLeaves({Leaf(0), Leaf(1), Leaf(2)}),
            NodeHashOf(NodeHashOf(Leaf(0), Leaf(1)), Leaf(2)));
}

}  // namespace
}  // namespace trail::tlog
